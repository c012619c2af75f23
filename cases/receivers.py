"""What the cases room does when a lower room lets it know something happened."""

from __future__ import annotations

from typing import Any

from cases.models import Case
from cases.services import case_open
from centres.models import User
from veterans.models import Visit


def open_case_for_visit(
    sender: Any, *, visit: Visit, category: str, summary: str, by: User, **kwargs: Any
) -> Case:
    """Open the case asked for while logging a visit, in the same transaction.

    The case is received at the visit's centre, linked to the visit and its
    veteran, and waits in the centre's queue to be accepted.
    """
    return case_open(
        centre=visit.centre,
        category=category,
        summary=summary or visit.summary,
        by=by,
        visit=visit,
    )
