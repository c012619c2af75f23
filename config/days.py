"""Local days: where a calendar day starts and ends in the portal's time zone (Asia/Shanghai).

Every date filter, rollup day, deadline horizon and export bound asks here, so a
day means the same instant range everywhere. Pure: no models, any room may import it.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings


def local_zone() -> ZoneInfo:
    """The portal's time zone (settings.TIME_ZONE, Asia/Shanghai)."""
    return ZoneInfo(settings.TIME_ZONE)


def local_day_start(day: datetime.date) -> datetime.datetime:
    """Local midnight at the start of `day`."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=local_zone())


def local_day_end(day: datetime.date) -> datetime.datetime:
    """Local midnight after `day`: the exclusive end of the day."""
    return local_day_start(day + datetime.timedelta(days=1))


def local_day_range(
    first: datetime.date, last: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """The half-open instant range [first 00:00, the day after last 00:00) of whole local days."""
    return local_day_start(first), local_day_end(last)
