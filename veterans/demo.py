"""Demo veterans and visits (idempotent): about forty veterans in the demo villages
of 诸暨市 (枫桥镇 and the demo townships) and 浏阳市, and a few visits today.

Names and numbers are made up; the ID numbers are valid (real check digits).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.db import transaction

from centres.idempotency import Idempotency
from centres.models import Centre, Region, User
from veterans.idnumbers import check_character
from veterans.models import Veteran
from veterans.services import veteran_create, visit_log

SURNAMES = "陈王李张刘杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["建国", "卫东", "志强", "海军", "国庆", "红梅", "利民", "振华", "永平", "晓东",
         "国华", "秀英", "建军", "明", "伟", "丽", "强", "军", "勇", "芳"]
ZHUJI_VILLAGES = (
    [f"330681107{200 + v:03d}" for v in range(1, 6)]
    + [f"330681{100 + t:03d}{200 + v:03d}" for t in range(1, 5) for v in range(1, 3)]
)
LIUYANG_VILLAGES = [f"430181{100 + t:03d}{200 + v:03d}" for t in range(1, 3) for v in range(1, 4)]


def demo_id_number(county: str, born: datetime.date, sequence: int) -> str:
    first17 = f"{county}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


def demo_people() -> list[dict[str, object]]:
    people: list[dict[str, object]] = []
    villages = [(c, "330681") for c in ZHUJI_VILLAGES] + [(c, "430181") for c in LIUYANG_VILLAGES]
    for i in range(40):
        code, county = villages[i % len(villages)]
        born = datetime.date(1950 + (i * 7) % 50, 1 + i % 12, 1 + (i * 3) % 28)
        male = i % 5 != 3
        sequence = 100 + 2 * i + (1 if male else 0)  # odd for men, even for women
        name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 3) % len(GIVEN)]
        people.append({
            "name": name,
            "id_number": demo_id_number(county, born, sequence),
            "region_code": code,
            "phone": f"139{i:08d}",
            "discharge_year": born.year + 22,
            "discharge_kind": ["discharged", "transferred", "demobilized", "retired"][i % 4],
            "needs_assistance": i % 6 == 0,
            "is_disabled": i % 13 == 0,
            "is_martyr_family": i % 17 == 0,
            "is_volunteer": i % 3 == 0,
        })
    return people


@transaction.atomic
def seed(log: Callable[[str], None]) -> None:
    staff = {u.username: u for u in User.objects.filter(username__in=["county", "liuyang"])}
    if len(staff) < 2:
        log("veterans: demo logins missing, skipped")
        return
    regions = {r.code: r for r in Region.objects.filter(
        code__in=[*ZHUJI_VILLAGES, *LIUYANG_VILLAGES])}
    known = set(Veteran.objects.values_list("id_number", flat=True))
    created = 0
    for person in demo_people():
        code = str(person.pop("region_code"))
        if person["id_number"] in known or code not in regions:
            continue
        by = staff["county"] if code.startswith("330681") else staff["liuyang"]
        veteran_create(by=by, data={**person, "region": regions[code]})
        created += 1
    visits = 0
    county = staff["county"]
    centre = Centre.objects.filter(region_id=county.region_id).first()
    if centre is not None:
        purposes = ["policy", "employment", "assistance", "card", "rights"]
        channels = ["in_person", "phone", "in_person", "home_visit", "in_person"]
        for n, veteran in enumerate(Veteran.objects.visible_to(county).order_by("id")[:5]):
            _visit, new = visit_log(
                by=county, veteran=veteran, centre=centre, channel=channels[n],
                purpose=purposes[n], summary="演示来访登记", once=Idempotency(f"demo-{n}"),
            )
            visits += int(new)
    log(f"veterans created: {created}; visits logged: {visits}")
