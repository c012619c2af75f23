"""Petition-rule deadlines (信访工作条例), the extension, and the morning job, with frozen time."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django_celery_beat.models import PeriodicTask

from cases import services
from cases.models import Case, Notification
from cases.tasks import cases_mark_overdue
from centres.errors import DomainError
from centres.models import User
from tests.factories.cases import case_make

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
MONDAY_10 = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=SH)


def at(days: float, hour: int = 7) -> datetime.datetime:
    """`days` after MONDAY_10's date, at `hour` o'clock Shanghai time."""
    day = MONDAY_10.date() + datetime.timedelta(days=days)
    return datetime.datetime(day.year, day.month, day.day, hour, 0, tzinfo=SH)


def test_acceptance_is_due_15_days_after_receipt_and_resolution_60_days_after_acceptance(
    alice: User,
) -> None:
    with time_machine.travel(MONDAY_10, tick=False):
        case = case_make(code="330681107", by=alice, accept=False)
    assert case.accept_deadline == MONDAY_10 + datetime.timedelta(days=15)
    assert case.deadline == case.accept_deadline
    assert case.resolve_deadline is None
    accepted = MONDAY_10 + datetime.timedelta(days=3)
    with time_machine.travel(accepted, tick=False):
        case = services.case_accept(case=case, by=alice)
    assert case.accepted_at == accepted
    assert case.resolve_deadline == accepted + datetime.timedelta(days=60)
    assert case.deadline == case.resolve_deadline


def test_one_extension_of_at_most_30_days_with_a_reason(alice: User, bob: User) -> None:
    with time_machine.travel(MONDAY_10, tick=False):
        case = case_make(code="330681107", by=alice)
        first = case.resolve_deadline
        assert first is not None
        with pytest.raises(DomainError):
            services.case_extend(case=case, by=alice, days=31, reason="情况复杂")
        with pytest.raises(DomainError):
            services.case_extend(case=case, by=alice, days=10, reason=" ")
        case = services.case_extend(case=case, by=bob, days=30, reason="需司法鉴定")
        assert case.resolve_deadline == first + datetime.timedelta(days=30)
        assert case.deadline == case.resolve_deadline
        assert (case.extended, case.extension_days) == (True, 30)
        event = case.events.get(kind="extend")
        assert event.extra["days"] == 30
        with pytest.raises(DomainError, match="延期一次"):
            services.case_extend(case=case, by=alice, days=1, reason="再延")


def test_the_morning_job_marks_overdue_cases_and_is_idempotent(alice: User) -> None:
    with time_machine.travel(MONDAY_10, tick=False):
        late = case_make(code="330681107", by=alice, accept=False)
        on_time = case_make(code="330681107", by=alice)
    with time_machine.travel(at(16), tick=False):
        first = cases_mark_overdue.delay().get()
        second = cases_mark_overdue.delay().get()
        assert Case.objects.overdue().count() == 1
    assert first["marked"] == 1
    assert second == {"marked": 0, "cleared": 0, "reminders": 0}
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert late.is_overdue and not on_time.is_overdue


def test_accepting_late_or_extending_clears_the_overdue_flag(alice: User) -> None:
    with time_machine.travel(MONDAY_10, tick=False):
        case = case_make(code="330681107", by=alice)
    with time_machine.travel(at(61), tick=False):
        services.cases_overdue_mark()
        case.refresh_from_db()
        assert case.is_overdue
        case = services.case_extend(case=case, by=alice, days=10, reason="补充调查")
        assert not case.is_overdue
    with time_machine.travel(at(72), tick=False):
        assert services.cases_overdue_mark()["marked"] == 1


def test_reminders_come_seven_days_before_and_on_the_deadline_once_each(alice: User) -> None:
    with time_machine.travel(MONDAY_10, tick=False):
        case = case_make(code="330681107", by=alice, accept=False)  # due on day 15 at 10:00
    for day in range(0, 8):
        with time_machine.travel(at(day), tick=False):
            services.cases_overdue_mark()
    assert not Notification.objects.exists()
    with time_machine.travel(at(8), tick=False):  # 7 days before
        assert services.cases_overdue_mark()["reminders"] == 1
        assert services.cases_overdue_mark()["reminders"] == 0
    for day in range(9, 15):
        with time_machine.travel(at(day), tick=False):
            services.cases_overdue_mark()
    with time_machine.travel(at(15), tick=False):  # the deadline day, before 10:00
        services.cases_overdue_mark()
        assert not Case.objects.get(pk=case.pk).is_overdue
    with time_machine.travel(at(16), tick=False):
        services.cases_overdue_mark()
    kinds = list(Notification.objects.order_by("id").values_list("kind", "centre__region_id"))
    assert kinds == [("due_soon", "330681107000"), ("due", "330681107000")]


def test_a_new_deadline_gets_its_own_reminders(alice: User) -> None:
    with time_machine.travel(MONDAY_10, tick=False):
        case = case_make(code="330681107", by=alice)  # resolve by day 60
    with time_machine.travel(at(58), tick=False):
        services.cases_overdue_mark()
        services.case_extend(case=case, by=alice, days=3, reason="等待鉴定")
        services.cases_overdue_mark()
    assert Notification.objects.filter(case=case, kind="due_soon").count() == 2


def test_reminders_are_mailed_to_the_centres_staff_when_mail_is_configured(
    alice: User, bob: User, settings: Any
) -> None:
    settings.EMAIL_HOST = "smtp.example.org"
    alice.email = "alice@example.org"
    alice.save(update_fields=["email"])
    with time_machine.travel(MONDAY_10, tick=False):
        case = case_make(code="330681107", by=alice, accept=False)
    with time_machine.travel(at(8), tick=False):
        services.cases_overdue_mark()
        services.cases_overdue_mark()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.org"]
    assert case.number in mail.outbox[0].body


def test_no_mail_without_a_mail_server(alice: User, settings: Any) -> None:
    settings.EMAIL_HOST = ""
    alice.email = "alice@example.org"
    alice.save(update_fields=["email"])
    with time_machine.travel(MONDAY_10, tick=False):
        case_make(code="330681107", by=alice, accept=False)
    with time_machine.travel(at(8), tick=False):
        services.cases_overdue_mark()
    assert Notification.objects.count() == 1
    assert mail.outbox == []


def test_the_morning_job_is_scheduled_at_seven_shanghai_time(beat_started: None) -> None:
    task = PeriodicTask.objects.get(task="cases.tasks.cases_mark_overdue")
    assert task.enabled
    assert task.crontab is not None
    assert (task.crontab.minute, task.crontab.hour) == ("0", "7")
    assert str(task.crontab.timezone) == "Asia/Shanghai"


def test_a_reminder_about_a_case_escalated_away_is_not_listed_to_the_old_holder(
    alice: User, bob: User, county_staff: User
) -> None:
    """The county refers a case down to alice's township, which is reminded of its
    deadline, then escalates it back: alice and bob no longer see the case, nor its
    reminder; the county sees both."""
    from cases.selectors import notification_list
    from tests.factories.cases import escalate_once
    from tests.factories.centres import centre

    with time_machine.travel(MONDAY_10, tick=False):
        case = case_make(code="330681", by=county_staff)  # resolve by day 60
        case = services.case_refer_down(case=case, by=county_staff, to=centre("330681107"),
                                        instructions="请镇里先行调处")
    with time_machine.travel(at(53), tick=False):
        services.cases_overdue_mark()
    assert [n.case_id for n in notification_list(user=alice)] == [case.pk]
    with time_machine.travel(at(54), tick=False):
        escalate_once(case, alice)
    assert Case.objects.visible_to(alice).filter(pk=case.pk).exists() is False
    assert notification_list(user=alice) == [] == notification_list(user=bob)
    assert [n.case_id for n in notification_list(user=county_staff)] == [case.pk]
