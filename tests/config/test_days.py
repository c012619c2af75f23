import datetime

from django.test import override_settings

from config.days import local_day_end, local_day_range, local_day_start, local_zone


def test_a_local_day_starts_at_midnight_in_shanghai_which_is_sixteen_hours_utc() -> None:
    start = local_day_start(datetime.date(2026, 3, 1))
    assert start.tzinfo == local_zone()
    assert start.astimezone(datetime.UTC) == datetime.datetime(2026, 2, 28, 16, tzinfo=datetime.UTC)


def test_a_day_ends_where_the_next_one_starts() -> None:
    day = datetime.date(2026, 12, 31)
    assert local_day_end(day) == local_day_start(datetime.date(2027, 1, 1))
    assert local_day_end(day) - local_day_start(day) == datetime.timedelta(days=1)


def test_a_range_of_days_covers_the_first_to_the_last_inclusive() -> None:
    start, end = local_day_range(datetime.date(2026, 1, 1), datetime.date(2026, 1, 31))
    assert start == local_day_start(datetime.date(2026, 1, 1))
    assert end == local_day_start(datetime.date(2026, 2, 1))


@override_settings(TIME_ZONE="UTC")
def test_the_zone_follows_the_setting() -> None:
    assert local_day_start(datetime.date(2026, 3, 1)).utcoffset() == datetime.timedelta(0)
