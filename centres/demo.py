"""Demo data for the centres room: the real national tree, demo townships and
villages, a centre for every region, and a login for each level.

Synthetic township and village names end in （演示）; their codes are made up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from django.db import transaction

from centres.codes import short_code
from centres.gbt2260 import national_rows
from centres.models import Region, User
from centres.services import RegionRow, centres_ensure, regions_upsert, staff_upsert

DEMO_PASSWORD = "fengqiao"  # noqa: S105 (printed by `make run`; demo data only)

# Counties that get demo townships and villages: 绍兴市 (home of the Fengqiao
# experience) and the places that reported at the founding meeting.
DEMO_COUNTIES = [
    "330602", "330603", "330604", "330624", "330681", "330683",  # 绍兴市
    "120101", "120116",  # 天津市 和平区, 滨海新区
    "130102", "130123",  # 河北省 石家庄市长安区, 正定县
    "430181",  # 湖南省 浏阳市
    "510104", "510107",  # 四川省 成都市 锦江区, 武侯区
    "371524",  # 山东省 聊城市 东阿县
]
# Illustrative double-support model flags (demo values, not the official list).
DEMO_MODEL_YEARS = {"330600": 2017, "330681": 2021, "430181": 2025, "371524": 2025,
                    "510100": 2021, "130123": 2025}

TOWNSHIP_NAMES = ["东山", "西湖", "南塘", "北岭"]
VILLAGE_NAMES = ["青石", "白云", "新桥", "长乐", "和平"]
FENGQIAO = "330681107000"
FENGQIAO_VILLAGES = ["枫源", "陈家", "栎桥", "视北", "新择"]

# username: (region code or None, role)
DEMO_LOGINS: dict[str, tuple[str | None, str]] = {
    "village": ("330681107201", "staff"),
    "township": ("330681107000", "staff"),
    "county": ("330681000000", "staff"),
    "city": ("330600000000", "official"),
    "province": ("330000000000", "official"),
    "ministry": (None, "official"),
    "liuyang": ("430181000000", "staff"),
}


def demo_region_rows() -> list[RegionRow]:
    rows: list[RegionRow] = []
    for county in DEMO_COUNTIES:
        for t, town in enumerate(TOWNSHIP_NAMES, start=1):
            code9 = f"{county}{100 + t:03d}"
            rows.append(RegionRow(code=f"{code9}000", name=f"{town}镇（演示）"))
            for v, village in enumerate(VILLAGE_NAMES, start=1):
                rows.append(RegionRow(code=f"{code9}{200 + v:03d}", name=f"{village}村（演示）"))
    rows.append(RegionRow(code=FENGQIAO, name="枫桥镇"))
    for v, village in enumerate(FENGQIAO_VILLAGES, start=1):
        rows.append(RegionRow(code=f"{FENGQIAO[:9]}{200 + v:03d}", name=f"{village}村（演示）"))
    return rows


@transaction.atomic
def seed(log: Callable[[str], None]) -> None:
    rows = [
        replace(row, model_year=DEMO_MODEL_YEARS.get(short_code(row.code)))
        for row in [*national_rows(), *demo_region_rows()]
    ]
    regions_upsert(rows=rows)
    created = centres_ensure(region_codes=Region.objects.values_list("code", flat=True))
    log(f"regions: {len(rows)}; centres created: {created}")
    for username, (code, role) in DEMO_LOGINS.items():
        region = Region.objects.get(code=code) if code else None
        staff_upsert(username=username, password=DEMO_PASSWORD, role=role, region=region)
    admin, _ = User.objects.get_or_create(username="admin")
    admin.is_staff = admin.is_superuser = True
    admin.role = User.Role.OFFICIAL
    admin.set_password(DEMO_PASSWORD)
    admin.save()


def logins() -> list[tuple[str, str]]:
    """(username, what it is) for `make run` to print."""
    names = {code: name for code, name in Region.objects.filter(
        code__in=[c for c, _ in DEMO_LOGINS.values() if c]).values_list("code", "name")}
    return [
        (username, f"{role} · {names.get(code, '全国') if code else '全国'}")
        for username, (code, role) in DEMO_LOGINS.items()
    ] + [("admin", "superuser · /admin/")]
