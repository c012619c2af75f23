"""The regular-contact rule (常态化联系), in one place.

A priority veteran (`veterans.models.priority_q`: disabled, martyr's family, needing
assistance, decorated, combat or weapons tests) is to be contacted at least once every
calendar quarter, by a visit of any channel, and visited at home (`home_visit`) at least
once every calendar year. The periods are the calendar quarters and years of
Asia/Shanghai: a visit at 2026-03-31 23:59 in Shanghai counts for the first quarter, one
at 2026-04-01 00:00 for the second.

"By the centres of their home region": the duty lies with the station of the veteran's
home village or township and with the centres above it (the stations whose jurisdiction
holds the home region, so the work-list of a township lists its villages' veterans too).
For counting, a contact is a visit of the veteran logged at ANY centre: a veteran who
called the county centre this quarter has been contacted, whoever took the call. The
statistics (`GET /api/v1/stats/contacts/`) and the work-list count alike.

Status on a day: `done` when contacted this quarter and visited at home this year;
`overdue` when a whole period went by without it (no contact in the previous quarter
either, or no home visit in the previous year either, or never); `due` otherwise.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from veterans.models import Visit


def day_start(day: datetime.date) -> datetime.datetime:
    """The first instant of a day in the portal's time zone (Asia/Shanghai)."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_default_timezone())


def quarter_first_day(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def next_quarter_first_day(day: datetime.date) -> datetime.date:
    first = quarter_first_day(day)
    return datetime.date(first.year + 1, 1, 1) if first.month == 10 else first.replace(
        month=first.month + 3
    )


def previous_quarter_first_day(day: datetime.date) -> datetime.date:
    first = quarter_first_day(day)
    return datetime.date(first.year - 1, 10, 1) if first.month == 1 else first.replace(
        month=first.month - 3
    )


@dataclass(frozen=True)
class Periods:
    """The calendar quarter and year that contain a day, as half-open instants."""

    on: datetime.date
    quarter_start: datetime.datetime
    quarter_end: datetime.datetime
    year_start: datetime.datetime
    year_end: datetime.datetime
    previous_quarter_start: datetime.datetime
    previous_year_start: datetime.datetime

    @classmethod
    def containing(cls, on: datetime.date) -> Periods:
        return cls(
            on=on,
            quarter_start=day_start(quarter_first_day(on)),
            quarter_end=day_start(next_quarter_first_day(on)),
            year_start=day_start(datetime.date(on.year, 1, 1)),
            year_end=day_start(datetime.date(on.year + 1, 1, 1)),
            previous_quarter_start=day_start(previous_quarter_first_day(on)),
            previous_year_start=day_start(datetime.date(on.year - 1, 1, 1)),
        )

    @property
    def quarter_label(self) -> str:
        return f"{self.on.year}Q{(self.on.month - 1) // 3 + 1}"

    def contact_q(self, prefix: str = "") -> Q:
        """Visits that are a contact this quarter (any channel, any centre)."""
        return Q(**{f"{prefix}visited_at__gte": self.quarter_start,
                    f"{prefix}visited_at__lt": self.quarter_end})

    def home_visit_q(self, prefix: str = "") -> Q:
        """Visits that are this year's home visit."""
        return Q(**{f"{prefix}channel": Visit.Channel.HOME_VISIT,
                    f"{prefix}visited_at__gte": self.year_start,
                    f"{prefix}visited_at__lt": self.year_end})


class Status(enum.IntEnum):
    """Most urgent first: the work-list sorts by it."""

    OVERDUE = 0
    DUE = 1
    DONE = 2

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])

    @property
    def code(self) -> str:
        return self.name.lower()


STATUS_LABELS = {
    Status.OVERDUE: _("overdue"),
    Status.DUE: _("due"),
    Status.DONE: _("done this quarter"),
}


def contact_status(
    *, periods: Periods, last_contact: datetime.datetime | None,
    last_home_visit: datetime.datetime | None,
) -> Status:
    """The status of one priority veteran on `periods.on` (see the module's docstring).

    `last_contact` and `last_home_visit` are the latest visits up to the end of the
    period (later ones, logged ahead of a day looked back on, do not count).
    """
    contacted = last_contact is not None and last_contact >= periods.quarter_start
    home_visited = last_home_visit is not None and last_home_visit >= periods.year_start
    if contacted and home_visited:
        return Status.DONE
    missed_quarter = last_contact is None or last_contact < periods.previous_quarter_start
    missed_year = last_home_visit is None or last_home_visit < periods.previous_year_start
    if missed_quarter or missed_year:
        return Status.OVERDUE
    return Status.DUE
