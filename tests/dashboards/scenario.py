"""Random sequences of visits and case transitions, through the real services."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from contextlib import suppress

from django.utils import timezone

from cases import services
from cases.models import Case, Status
from cases.services import DomainError
from centres.models import User
from tests.factories.cases import case_make, staff_at, veteran_make, visit_make

# Centres where things happen, and who works there.
PLACES = [
    "330681107201", "330681107202", "330681107", "330681108201", "330681108",
    "330681", "330603101201", "330603101", "330603", "330600", "330000",
    "430181101201", "430181101", "430181",
]
CATEGORIES = ["employment", "benefits", "placement", "medical", "family", "land_housing", "other"]


class Scenario:
    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.staff: dict[str, User] = {}
        self.veterans = [veteran_make(code) for code in ("330681107201", "330603101201",
                                                         "430181101201")]

    def staff_of(self, code: str) -> User:
        code = code.ljust(12, "0")
        if code not in self.staff:
            self.staff[code] = staff_at(code, f"s{code}")
        return self.staff[code]

    def past(self, days: int = 90) -> datetime.datetime:
        return timezone.now() - datetime.timedelta(
            days=self.random.randint(0, days), minutes=self.random.randint(0, 1439)
        )

    def visits(self, count: int) -> None:
        for _ in range(count):
            code = self.random.choice(PLACES)
            visit_make(
                veteran=self.random.choice(self.veterans), code=code, by=self.staff_of(code),
                visited_at=self.past(),
                purpose=self.random.choice(["policy", "rights", "assistance", "card"]),
            )

    def cases(self, count: int) -> None:
        for _ in range(count):
            code = self.random.choice(PLACES)
            case_make(code=code, by=self.staff_of(code), received_at=self.past(),
                      category=self.random.choice(CATEGORIES),
                      accept=self.random.random() < 0.8)

    def moves(self, count: int) -> None:
        """Random transitions; refused ones are part of life and change nothing."""
        cases = list(Case.objects.all())
        for _ in range(count):
            case = Case.objects.get(pk=self.random.choice(cases).pk)
            by = self.staff_of(case.region_id)
            step = self.random.choice(["mediate", "escalate", "resolve", "follow_up", "accept"])
            with suppress(DomainError):
                case_step(case, by, step, satisfied=lambda: self.random.random() < 0.7)


def case_step(case: Case, by: User, step: str, *, satisfied: Callable[[], bool]) -> None:
    """One step of a case along the ladder, through the services (refusals raise)."""
    if step == "accept":
        services.case_accept(case=case, by=by)
    elif step == "mediate":
        services.case_mediate(case=case, by=by, note="调解")
    elif step == "escalate":
        services.case_mediate(case=case, by=by, note="调解未果")
        services.case_escalate(case=Case.objects.get(pk=case.pk), by=by, reason="需上级协调")
    elif step == "resolve":
        services.case_resolve(case=case, by=by, resolution="达成协议")
    elif case.status == Status.RESOLVED:
        services.case_follow_up(case=case, by=by, satisfied=satisfied())
