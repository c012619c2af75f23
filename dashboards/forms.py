from __future__ import annotations

import datetime
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

    It lies between 2000 and today: the trend draws every month of the period, and the
    target shown is the one of the period's last year.
    """

    since = forms.DateField(label=_("From"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and since < EARLIEST:
            self.add_error("since", _("The start date cannot be before 2000."))
        if until and until > timezone.localdate():
            self.add_error("until", _("The end date cannot be after today."))
        if since and until and since > until:
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
