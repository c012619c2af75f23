"""Demo data for the demonstration room (idempotent).

Designations in the demo model regions so that some meet the 60% target and
some fall short (DEMO_MODEL_YEARS in centres.demo):
- 诸暨市 (county, 2021): 4 of 6 eligible centres → meets;
- 绍兴市 (city, 2017): 9 of 31 → short by 10;
- 浏阳市 (2025): 3 of 5 → meets, exactly 60%;
- 东阿县 (2025): 2 of 5 → short by 1;
- 正定县 (2025): 0 of 5, one designation revoked this year → short by 3;
- 成都市 (city, 2021): 12 of 28 → short by 5.
Assessments in several states: 枫桥镇 submitted (waiting for `county`), last
year's 枫桥镇 approved but failing, 诸暨市 forwarded (waiting for `city` or
`province`), 浏阳市 a draft (`liuyang`). Then today's snapshot.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction

from centres import codes
from centres.models import Centre, User
from demonstration.models import Assessment, Designation, StandardItem
from demonstration.services import (
    DesignationRow,
    ScoreInput,
    assessment_approve,
    assessment_create,
    assessment_forward,
    assessment_scores_save,
    assessment_submit,
    designation_revoke,
    designations_import,
    target_snapshots_recompute,
    this_year,
)

# (region code, year named, grade)
DEMO_DESIGNATIONS = [
    # 诸暨市: the county's four demo townships (枫桥镇 is being assessed)
    ("330681101", 2021, "national"), ("330681102", 2022, "provincial"),
    ("330681103", 2023, "city"), ("330681104", 2024, "national"),
    # the rest of 绍兴市
    ("330602", 2019, "national"), ("330603", 2020, "provincial"), ("330603101", 2022, "city"),
    ("330603102", 2023, "city"), ("330604", 2024, "provincial"),
    # 浏阳市
    ("430181101", 2023, "national"), ("430181102", 2024, "provincial"),
    ("430181103", 2025, "city"),
    # 东阿县
    ("371524", 2022, "national"), ("371524101", 2025, "provincial"),
    # 正定县: named, then revoked this year (see DEMO_REVOKED)
    ("130123", 2022, "national"),
    # 成都市
    ("510104", 2021, "national"), ("510105", 2021, "provincial"), ("510106", 2022, "city"),
    ("510107", 2022, "national"), ("510108", 2023, "provincial"), ("510112", 2023, "city"),
    ("510113", 2024, "city"), ("510114", 2024, "provincial"), ("510104101", 2024, "city"),
    ("510104102", 2025, "city"), ("510107101", 2025, "provincial"),
    ("510107102", 2025, "national"),
]
DEMO_REVOKED = {"130123": "年度复核不合格，整改未到位"}


def _scores(assessment: Assessment, share: Decimal) -> list[ScoreInput]:
    items = StandardItem.objects.filter(dimension__standard=assessment.standard)
    return [
        ScoreInput(
            item=item,
            points=(item.max_points * share).quantize(Decimal("0.1")),
            note="见工作台账（演示）",
        )
        for item in items
    ]


def _assessment(
    *, centre_code: str, year: int, share: Decimal, steps: list[str], people: dict[str, User]
) -> None:
    """Drive one assessment through the services up to the last of `steps`."""
    centre = Centre.objects.get(region_id=codes.normalize_code(centre_code))
    if Assessment.objects.filter(centre=centre, year=year).exists():
        return
    owner = people["owner"]
    assessment = assessment_create(centre=centre, by=owner, year=year)
    assessment_scores_save(assessment=assessment, scores=_scores(assessment, share), by=owner)
    if "submit" in steps:
        assessment_submit(assessment=assessment, by=owner)
    if "forward" in steps:
        assessment_forward(
            assessment=assessment, by=people["reviewer"], comment="材料齐全，同意上报"
        )
    if "approve" in steps:
        assessment_approve(assessment=assessment, by=people["approver"], note="（演示）")


@transaction.atomic
def seed(log: Callable[[str], None]) -> None:
    year = this_year()
    logins = {u.username: u for u in User.objects.filter(
        username__in=["township", "county", "city", "province", "ministry", "liuyang"])}
    designations_import(
        rows=[
            DesignationRow(region_code=codes.normalize_code(code), year=named, grade=grade)
            for code, named, grade in DEMO_DESIGNATIONS
        ]
    )
    for code, reason in DEMO_REVOKED.items():
        designation = Designation.objects.get(region_id=codes.normalize_code(code))
        if designation.revoked_on is None:
            designation_revoke(
                designation=designation, by=logins["ministry"], reason=reason,
                on=datetime.date(year, 1, 15),
            )
    # 枫桥镇: failed last year (80 points), this year's self-assessment waits for the county.
    _assessment(
        centre_code="330681107", year=year - 1, share=Decimal("0.8"),
        steps=["submit", "forward", "approve"],
        people={"owner": logins["township"], "reviewer": logins["county"],
                "approver": logins["city"]},
    )
    _assessment(
        centre_code="330681107", year=year, share=Decimal("0.95"), steps=["submit"],
        people={"owner": logins["township"]},
    )
    # 诸暨市 county centre: reviewed by 绍兴市, waiting for approval.
    _assessment(
        centre_code="330681", year=year, share=Decimal("0.9"), steps=["submit", "forward"],
        people={"owner": logins["county"], "reviewer": logins["city"]},
    )
    # 浏阳市: a draft.
    _assessment(
        centre_code="430181", year=year, share=Decimal("0.7"), steps=[],
        people={"owner": logins["liuyang"]},
    )
    snapshots = target_snapshots_recompute(year=year)
    short = [s.region_id[:6] for s in snapshots if not s.meets_target]
    log(
        f"designations: {Designation.objects.count()}; assessments: "
        f"{Assessment.objects.count()}; model regions {len(snapshots)}, short: {', '.join(short)}"
    )
