from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from centres import dates
from dashboards.selectors import Period

# The earliest day a dashboard period may start: every month from the start to the end
# is drawn, so a period reaching back centuries would be thousands of empty months.
EARLIEST = dates.EARLIEST


class PeriodForm(forms.Form):
    """The date range of a dashboard; this year so far when the user gives none.

    It starts in 2000 or later (the trend draws every month of the period). An end
    after today is cut to today, and `cut_until` keeps what was asked so that the
    page can say so: no figure exists for days to come, and "this month" or "this
    year" naturally end after today.
    """

    since = forms.DateField(label=_("From"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))

    cut_until: datetime.date | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        today = timezone.localdate()
        if until and until > today:
            self.cut_until = until
            until = data["until"] = today
        if since and since < EARLIEST:
            self.add_error("since", _("The start date cannot be before 2000."))
        if since and since > today:
            self.add_error("since", _("The start date cannot be after today."))
        elif since and until and since > until:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data

    def period(self) -> Period:
        today = timezone.localdate()
        default = Period(since=datetime.date(today.year, 1, 1), until=today)
        if not self.is_bound or not self.is_valid():
            return default
        since = self.cleaned_data.get("since") or default.since
        until = self.cleaned_data.get("until") or default.until
        return Period(since=since, until=until)


@dataclass(frozen=True)
class Shortcut:
    label: str
    since: datetime.date
    until: datetime.date


def period_shortcuts(today: datetime.date | None = None) -> list[Shortcut]:
    """This month, this quarter, this year and last year, as whole calendar periods (the
    page cuts an end after today to today, and says so)."""
    today = today or timezone.localdate()
    quarter = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    month_end = (today.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    quarter_end = datetime.date(today.year + (quarter.month == 10), (quarter.month + 2) % 12 + 1, 1)
    return [
        Shortcut(str(_("This month")), today.replace(day=1),
                 month_end - datetime.timedelta(days=1)),
        Shortcut(str(_("This quarter")), quarter, quarter_end - datetime.timedelta(days=1)),
        Shortcut(str(_("This year")), datetime.date(today.year, 1, 1),
                 datetime.date(today.year, 12, 31)),
        Shortcut(str(_("Last year")), datetime.date(today.year - 1, 1, 1),
                 datetime.date(today.year - 1, 12, 31)),
    ]
