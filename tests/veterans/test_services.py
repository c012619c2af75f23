"""Registry and visit services: validation, duplicates, audit, idempotency, the case seam."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from centres.idempotency import Idempotency
from centres.models import User
from tests.factories.centres import UserFactory, centre, region
from tests.factories.veterans import id_number, veteran_make
from veterans.models import AuditEntry, Veteran, Visit
from veterans.services import (
    DuplicateIdNumber,
    veteran_create,
    veteran_id_number_reveal,
    veteran_update,
    visit_log,
    visit_log_for_new_veteran,
)
from veterans.signals import case_requested

pytestmark = pytest.mark.django_db


def data(**overrides: Any) -> dict[str, Any]:
    base = {"name": "王卫东", "id_number": id_number(born=datetime.date(1965, 3, 9)),
            "region": region("330681107202"), "phone": "13800000000"}
    return base | overrides


def test_registering_derives_sex_and_birth_date_from_the_number(alice: User) -> None:
    number = id_number(born=datetime.date(1965, 3, 9), male=False)
    v = veteran_create(by=alice, data=data(id_number=number))
    assert (v.sex, v.birth_date) == ("F", datetime.date(1965, 3, 9))


def test_registering_is_audited_with_the_number_masked(alice: User) -> None:
    v = veteran_create(by=alice, data=data())
    entry = AuditEntry.objects.for_object(v).get()
    assert entry.action == "create" and entry.actor == alice
    assert entry.changes["id_number"] == v.id_number_masked
    assert v.id_number not in str(entry.changes)


def test_the_same_number_never_makes_a_second_veteran(alice: User, charlie: User) -> None:
    number = id_number(born=datetime.date(1965, 3, 9))
    first = veteran_create(by=alice, data=data(id_number=number))
    with pytest.raises(DuplicateIdNumber) as info:
        veteran_create(by=alice, data=data(name="别人", id_number=number))
    assert info.value.existing.pk == first.pk
    assert Veteran.objects.count() == 1


def test_the_database_refuses_a_duplicate_number_even_when_code_forgets(veteran: Veteran) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Veteran.objects.create(name="x", sex="M", birth_date=veteran.birth_date,
                               id_number=veteran.id_number, region=veteran.region)


def test_a_sex_that_contradicts_the_number_is_refused(alice: User) -> None:
    with pytest.raises(ValidationError) as info:
        veteran_create(by=alice, data=data(sex="F"))
    assert info.value.code == "sex"


def test_a_birth_date_that_contradicts_the_number_is_refused(alice: User) -> None:
    with pytest.raises(ValidationError) as info:
        veteran_create(by=alice, data=data(birth_date=datetime.date(1966, 3, 9)))
    assert info.value.code == "birth_date_mismatch"


def test_staff_cannot_register_a_veteran_outside_their_jurisdiction(charlie: User) -> None:
    with pytest.raises(ValidationError):
        veteran_create(by=charlie, data=data())


def test_a_veteran_may_live_at_the_county_itself(county_staff: User) -> None:
    veteran = veteran_create(by=county_staff, data=data(region=region("330681")))
    assert veteran.region_id == "330681000000"


def test_a_veteran_does_not_live_in_a_city_and_is_told_which_levels_to_choose(
    world: None,
) -> None:
    city_staff = UserFactory.create(username="city", region=region("330600"))
    with pytest.raises(ValidationError) as refused:
        veteran_create(by=city_staff, data=data(region=region("330600")))
    assert refused.value.message_dict["region"] == ["请选择村（社区）、乡镇（街道）或本县（区）。"]


def test_officials_cannot_write_the_registry(city_official: User) -> None:
    with pytest.raises(PermissionDenied):
        veteran_create(by=city_official, data=data())


def test_an_update_records_before_and_after(alice: User, veteran: Veteran) -> None:
    veteran_update(veteran=veteran, by=alice, data={"phone": "13911112222", "name": veteran.name})
    entry = AuditEntry.objects.for_object(veteran).get(action="update")
    assert entry.changes == {"phone": ["", "13911112222"]}


def test_an_update_to_another_veterans_number_is_refused(alice: User, veteran: Veteran) -> None:
    other = veteran_make("330681107202", name="李明", born=veteran.birth_date)
    with pytest.raises(DuplicateIdNumber):
        veteran_update(veteran=other, by=alice, data={"id_number": veteran.id_number})


def test_revealing_the_full_number_is_audited(alice: User, veteran: Veteran) -> None:
    assert veteran_id_number_reveal(veteran=veteran, by=alice) == veteran.id_number
    assert AuditEntry.objects.for_object(veteran).filter(action="view_id_number",
                                                         actor=alice).count() == 1


def test_nationwide_staff_may_not_reveal_a_full_number(veteran: Veteran) -> None:
    from tests.conftest import _user

    with pytest.raises(PermissionDenied):
        veteran_id_number_reveal(veteran=veteran, by=_user("national-staff", None))


def test_the_audit_log_is_append_only(alice: User, veteran: Veteran) -> None:
    veteran_update(veteran=veteran, by=alice, data={"phone": "1"})
    entry = AuditEntry.objects.get()
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.all().delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.all().update(action="x")


def log(by: User, veteran: Veteran, **kw: Any) -> tuple[Visit, bool]:
    kw.setdefault("centre", centre(str(by.region_id)))
    return visit_log(by=by, veteran=veteran, channel="in_person", purpose="policy", **kw)


def test_a_visit_takes_the_region_of_its_centre(alice: User, veteran: Veteran) -> None:
    visit, created = log(alice, veteran)
    assert created and visit.region_id == visit.centre.region_id == "330681107000"
    assert AuditEntry.objects.for_object(visit).get().action == "create"


def test_the_same_key_twice_logs_one_visit(alice: User, veteran: Veteran) -> None:
    first, created = log(alice, veteran, once=Idempotency("k1"))
    again, created_again = log(alice, veteran, once=Idempotency("k1"))
    assert created and not created_again and first.pk == again.pk
    assert Visit.objects.count() == 1


def test_bob_may_use_the_same_key_as_alice(alice: User, bob: User, veteran: Veteran) -> None:
    log(alice, veteran, once=Idempotency("k1"))
    log(bob, veteran, once=Idempotency("k1"))
    assert Visit.objects.count() == 2


def test_charlie_cannot_log_a_visit_for_alices_veteran(charlie: User, veteran: Veteran) -> None:
    with pytest.raises(ValidationError):
        log(charlie, veteran)


def test_staff_cannot_log_at_a_centre_outside_their_jurisdiction(
    alice: User, veteran: Veteran
) -> None:
    with pytest.raises(ValidationError):
        log(alice, veteran, centre=centre("330681108"))


def test_a_retried_inline_registration_finds_the_first_visit(alice: User) -> None:
    kw = {"centre": centre("330681107"), "channel": "phone", "purpose": "card"}
    person = data()
    first, _ = visit_log_for_new_veteran(
        by=alice, veteran_data=person, once=Idempotency("n1"), **kw
    )
    again, created = visit_log_for_new_veteran(
        by=alice, veteran_data=person, once=Idempotency("n1"), **kw
    )
    assert not created and again.pk == first.pk
    assert Veteran.objects.count() == 1


@pytest.fixture
def receiver() -> Iterator[list[dict[str, Any]]]:
    calls: list[dict[str, Any]] = []

    def on_case(sender: Any, **kwargs: Any) -> None:
        from django.db import connection

        kwargs["in_atomic"] = connection.in_atomic_block
        kwargs["visit_saved"] = Visit.objects.filter(pk=kwargs["visit"].pk).exists()
        calls.append(kwargs)

    case_requested.connect(on_case, dispatch_uid="test-case-requested")
    yield calls
    case_requested.disconnect(dispatch_uid="test-case-requested")


def test_a_visit_that_opens_a_case_sends_the_seam_signal_inside_its_transaction(
    alice: User, veteran: Veteran, receiver: list[dict[str, Any]]
) -> None:
    visit, _ = log(alice, veteran, summary="工资拖欠", case_category="employment")
    assert visit.outcome == "case_opened"
    [call] = receiver
    assert call["visit"] == visit and call["category"] == "employment"
    assert call["summary"] == "工资拖欠" and call["by"] == alice
    assert call["in_atomic"] and call["visit_saved"]


def test_a_receiver_that_fails_rolls_the_visit_back_with_its_message(
    alice: User, veteran: Veteran
) -> None:
    def broken(sender: Any, **kwargs: Any) -> None:
        raise RuntimeError("cases is down")

    case_requested.connect(broken, dispatch_uid="broken")
    try:
        with pytest.raises(ValidationError) as info:
            log(alice, veteran, case_category="benefits", summary="待遇未落实")
    finally:
        case_requested.disconnect(dispatch_uid="broken")
    assert info.value.message_dict == {"case_category": ["cases is down"]}
    assert not Visit.objects.exists()


def test_a_plain_visit_sends_no_case_signal(
    alice: User, veteran: Veteran, receiver: list[dict[str, Any]]
) -> None:
    log(alice, veteran)
    assert receiver == []
