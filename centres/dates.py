"""The one rule for dates a user or a client gives: from 2000-01-01 to 2100-12-31.

Outside it a date is refused (400) rather than carried into arithmetic that
overflows (`9999-12-31` plus a day) or a chart of thousands of empty months.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

EARLIEST = datetime.date(2000, 1, 1)
LATEST = datetime.date(2100, 12, 31)

# The same rule in the API schema, for a date given as a query parameter.
DATE_PATTERN = "^(20[0-9]{2}|2100)-"


def date_in_bounds(value: datetime.date) -> None:
    """A validator: refuse a date outside EARLIEST … LATEST."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if not EARLIEST <= value <= LATEST:
        raise ValidationError(
            _("Give a date from %(earliest)s to %(latest)s.")
            % {"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()},
            code="date_out_of_range",
        )
