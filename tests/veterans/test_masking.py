"""The one mask, and the birth year at most beside it (issue 15, finding 1).

The crawl of every view is tests/veterans/test_privacy_crawl.py; these name the places.
"""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.test import Client

from centres.models import User
from tests.conftest import api_as
from tests.factories.centres import region
from tests.factories.veterans import id_number
from veterans import services
from veterans.models import AuditEntry, Veteran

pytestmark = pytest.mark.django_db

BORN = datetime.date(1950, 1, 1)


@pytest.fixture
def registered(alice: User) -> Veteran:
    return services.veteran_create(by=alice, data={
        "name": "钱多多", "id_number": id_number(born=BORN), "region": region("330681107201"),
    })


def test_the_api_answers_the_birth_year_and_never_the_birth_date(
    alice: User, registered: Veteran
) -> None:
    client = api_as(alice)
    for url in ("/api/v1/veterans/", f"/api/v1/veterans/{registered.pk}/"):
        answer = client.get(url).json()
        row = answer["results"][0] if "results" in answer else answer
        assert row["birth_year"] == 1950 and "birth_date" not in row
        assert row["id_number"] == registered.id_number[:6] + "*" * 12


def test_the_visit_search_answers_the_birth_year_only(alice: User, registered: Veteran) -> None:
    client = Client()
    client.force_login(alice)
    [row] = client.get("/visits/search/", {"q": "钱多多"}).json()["results"]
    assert row["birth_year"] == 1950 and "birth_date" not in row
    assert "1950-01-01" not in str(row)


def test_audit_entries_hold_the_birth_year_beside_the_masked_number(
    alice: User, registered: Veteran
) -> None:
    services.veteran_update(veteran=registered, by=alice, data={"name": "钱多"})
    created = AuditEntry.objects.for_object(registered).get(action="create")
    assert created.changes["birth_date"] == 1950
    assert created.changes["id_number"] == registered.id_number[:6] + "*" * 12


def test_older_audit_entries_are_redacted_by_the_migration() -> None:
    migration = importlib.import_module("veterans.migrations.0008_audit_entries_mask_birth_dates")
    old = {"id_number": "330681********1014", "birth_date": "1950-01-01", "name": "钱多多"}
    assert migration._redacted(old) == {
        "id_number": "330681************", "birth_date": 1950, "name": "钱多多"}
    edit = {"birth_date": ["1950-01-01", "1950-02-01"],
            "id_number": ["330681********1014", "330681********2014"]}
    assert migration._redacted(edit) == {
        "birth_date": [1950, 1950], "id_number": ["330681************"] * 2}
