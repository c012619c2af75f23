"""Veterans and visits for tests; ID numbers are computed with real check digits."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from centres.models import User
from tests.factories.centres import centre, region
from veterans.idnumbers import check_character
from veterans.models import Veteran, Visit

_sequence = itertools.count(101, 2)


def id_number(
    county: str = "330681", born: datetime.date = datetime.date(1970, 5, 17),
    sequence: int | None = None, male: bool = True,
) -> str:
    """A valid 18-character number: address code, birth date, sequence, check character."""
    seq = next(_sequence) % 1000 if sequence is None else sequence
    if (seq % 2 == 1) != male:
        seq = (seq + 1) % 1000
    first17 = f"{county}{born:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


def veteran_make(
    code: str = "330681107201", *, name: str = "陈建国", born: datetime.date | None = None,
    male: bool = True, **fields: Any,
) -> Veteran:
    born = born or datetime.date(1970, 5, 17)
    number = fields.pop("id_number", None) or id_number(code[:6], born, male=male)
    return Veteran.objects.create(
        name=name, sex="M" if male else "F", birth_date=born, id_number=number,
        region=region(code), **fields,
    )


def flagged(flag: str) -> dict[str, Any]:
    """`veteran_make(**flagged("is_disabled"))`: one category flag set, named at run time."""
    return {flag: True}


def visit_make(veteran: Veteran, by: User, centre_code: str | None = None, **fields: Any) -> Visit:
    home = centre(centre_code or str(by.region_id))
    fields.setdefault("channel", Visit.Channel.IN_PERSON)
    fields.setdefault("purpose", Visit.Purpose.POLICY)
    return Visit.objects.create(
        veteran=veteran, centre=home, region_id=home.region_id, recorded_by=by, **fields
    )
