"""Helpers to make veterans, visits and cases for the cases tests (through the services)."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from cases import services
from cases.models import Case
from centres.models import User
from tests.factories.centres import UserFactory, centre, region
from veterans.models import Veteran, Visit

_ids = itertools.count(1)


def _id_number(region_code: str, birth: datetime.date, seq: int) -> str:
    body = f"{region_code[:6]}{birth:%Y%m%d}{seq % 1000:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def veteran_make(code: str = "330681107201", **fields: Any) -> Veteran:
    n = next(_ids)
    birth = datetime.date(1970, 1, 1) + datetime.timedelta(days=n)
    defaults: dict[str, Any] = {
        "name": f"老兵{n}",
        "sex": "M",
        "birth_date": birth,
        "id_number": _id_number(code, birth, n),
        "region": region(code),
    }
    defaults.update(fields)
    return Veteran.objects.create(**defaults)


def visit_make(*, veteran: Veteran, code: str, by: User, **fields: Any) -> Visit:
    where = centre(code)
    return Visit.objects.create(
        veteran=veteran, centre=where, region_id=where.region_id, channel="in_person",
        purpose=fields.pop("purpose", "rights"), summary=fields.pop("summary", "邻里宅基地纠纷"),
        recorded_by=by, **fields,
    )


def staff_at(code: str, username: str | None = None, role: str = User.Role.STAFF) -> User:
    name = username or f"staff_{code}_{role}"
    user: User = UserFactory.create(username=name, region=region(code), role=role)
    return user


def case_make(
    *, code: str = "330681107201", by: User | None = None, accept: bool = True, **fields: Any
) -> Case:
    by = by or staff_at(code)
    fields.setdefault("category", "land_housing")
    fields.setdefault("summary", "宅基地边界纠纷")
    return services.case_open(centre=centre(code), by=by, accept=accept, **fields)


def escalate_once(case: Case, by: User, note: str = "调解未果") -> Case:
    services.case_mediate(case=case, by=by, note=note)
    return services.case_escalate(case=case, by=by, reason="当事人不接受本级调解意见")


def case_matrix_object(code: str, *, resolved: bool = False) -> int:
    """The id of a case received at `code` for the jurisdiction matrix (resolved if asked)."""
    by = staff_at(code, f"matrix_{code}")
    case = case_make(code=code, by=by)
    if resolved:
        services.case_mediate(case=case, by=by, note="调解")
        services.case_resolve(case=case, by=by, resolution="达成协议")
    return case.pk
