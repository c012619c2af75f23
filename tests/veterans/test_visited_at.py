"""`visited_at` on POST /api/v1/visits/: when the visit happened, sent later from offline."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.utils import timezone

from centres.models import User
from tests.conftest import api_as
from tests.factories.veterans import veteran_make
from veterans.models import Visit


def _post(user: User, **extra: object) -> object:
    veteran = veteran_make(name="陈建国")
    body = {"veteran": veteran.pk, "centre": "330681107", "channel": "home_visit",
            "purpose": "honours", "summary": "走访", **extra}
    return api_as(user).post("/api/v1/visits/", body, format="json",
                             HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex)


@pytest.mark.django_db
def test_a_visit_sent_late_keeps_the_time_it_happened(alice: User) -> None:
    happened = timezone.now() - datetime.timedelta(days=3, hours=2)
    response = _post(alice, visited_at=happened.isoformat())
    assert response.status_code == 201  # type: ignore[attr-defined]
    assert Visit.objects.get().visited_at == happened


@pytest.mark.django_db
def test_a_visit_without_a_time_happened_now(alice: User) -> None:
    before = timezone.now()
    assert _post(alice).status_code == 201  # type: ignore[attr-defined]
    assert before <= Visit.objects.get().visited_at <= timezone.now()


@pytest.mark.django_db
@pytest.mark.parametrize("offset", [datetime.timedelta(hours=1), datetime.timedelta(days=-91)])
def test_a_visit_in_the_future_or_over_90_days_back_is_refused(
    alice: User, offset: datetime.timedelta
) -> None:
    response = _post(alice, visited_at=(timezone.now() + offset).isoformat())
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "visited_at" in response.json()  # type: ignore[attr-defined]
    assert not Visit.objects.exists()


@pytest.mark.django_db
def test_a_visit_89_days_back_is_accepted_and_a_malformed_time_is_refused(alice: User) -> None:
    ok = _post(alice, visited_at=(timezone.now() - datetime.timedelta(days=89)).isoformat())
    assert ok.status_code == 201  # type: ignore[attr-defined]
    bad = _post(alice, visited_at="31/03/2026")
    assert bad.status_code == 400  # type: ignore[attr-defined]
    assert "visited_at" in bad.json()  # type: ignore[attr-defined]
