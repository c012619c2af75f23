"""No existence oracles (issue 15, finding 3) and the transfer request (迁入申请).

Alice and Bob work at 枫桥镇 (330681107), in 诸暨市 (330681); the county staff
member holds the county; Charlie works in 浏阳市 (430181), another province.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from centres.models import User
from tests.conftest import api_as
from tests.factories.veterans import id_number, veteran_make
from tests.veterans.test_registry_pages import client_for
from veterans.imports import veterans_import
from veterans.models import AuditEntry, TransferRequest, Veteran

pytestmark = pytest.mark.django_db

CHARLIES_VILLAGE = "430181101201"


def body(**overrides: Any) -> dict[str, Any]:
    return {"name": "孙志强", "id_number": id_number("430181", datetime.date(1975, 6, 1)),
            "region": CHARLIES_VILLAGE} | overrides


# --- (a) the name and birth date check --------------------------------------------

def test_an_outsider_registering_a_namesake_of_the_same_birth_date_is_not_told_of_them(
    charlie: User, veteran: Veteran
) -> None:
    """Charlie sends the name and birth date of Alice's veteran with a number of his own:
    nothing tells him that such a person is registered in another province."""
    data = body(name=veteran.name, id_number=id_number("430181", veteran.birth_date))
    answer = api_as(charlie).post("/api/v1/veterans/", data, format="json")
    assert answer.status_code == 201, answer.json()


def test_a_colleague_registering_a_namesake_of_the_same_birth_date_is_asked_to_confirm(
    bob: User, veteran: Veteran
) -> None:
    data = {"name": veteran.name, "id_number": id_number("330681", veteran.birth_date),
            "region": "330681107201"}
    answer = api_as(bob).post("/api/v1/veterans/", data, format="json")
    assert answer.status_code == 400 and "name" in answer.json()
    confirmed = api_as(bob).post("/api/v1/veterans/", data | {"confirm_duplicate": True},
                                 format="json")
    assert confirmed.status_code == 201


# --- (b) a number registered elsewhere --------------------------------------------

def test_a_number_registered_in_the_jurisdiction_stays_a_400_on_id_number(
    bob: User, veteran: Veteran
) -> None:
    data = {"name": "另一人", "id_number": veteran.id_number, "region": "330681107201"}
    answer = api_as(bob).post("/api/v1/veterans/", data, format="json")
    assert answer.status_code == 400 and "id_number" in answer.json()
    assert not TransferRequest.objects.exists()


def test_a_number_registered_elsewhere_sends_a_transfer_request_naming_no_one(
    charlie: User, veteran: Veteran
) -> None:
    answer = api_as(charlie).post(
        "/api/v1/veterans/", body(id_number=veteran.id_number), format="json"
    )
    assert answer.status_code == 202, answer.json()
    text = answer.content.decode()
    for secret in (veteran.name, veteran.region_id, veteran.region.name, "330681", "诸暨",
                   "already registered", "已登记"):
        assert secret not in text
    transfer = TransferRequest.objects.get()
    assert answer.json()["transfer_request"] == transfer.pk
    assert (transfer.veteran, transfer.requested_by, transfer.region_id) == (
        veteran, charlie, CHARLIES_VILLAGE)
    assert transfer.holding_region_id == "330681000000"  # the county that holds them
    assert transfer.status == TransferRequest.Status.PENDING
    assert AuditEntry.objects.filter(
        actor=charlie, action=AuditEntry.Action.TRANSFER_REQUEST, object_id=str(transfer.pk)
    ).exists()
    # The same request again finds the pending one.
    again = api_as(charlie).post("/api/v1/veterans/", body(id_number=veteran.id_number),
                                 format="json")
    assert again.json()["transfer_request"] == transfer.pk
    assert Veteran.objects.filter(id_number=veteran.id_number).count() == 1


def test_the_registration_form_sends_a_transfer_request_too(
    charlie: User, veteran: Veteran
) -> None:
    page = client_for(charlie).post("/veterans/new/", {
        "name": "孙志强", "id_number": veteran.id_number, "region": CHARLIES_VILLAGE,
    }, follow=True)
    text = page.content.decode()
    assert page.redirect_chain[-1][0] == "/veterans/transfers/"
    assert veteran.name not in text and "诸暨" not in text
    assert TransferRequest.objects.filter(requested_by=charlie, veteran=veteran).exists()


def test_the_visit_page_sends_a_transfer_request_instead_of_registering(
    charlie: User, veteran: Veteran
) -> None:
    page = client_for(charlie).post("/visits/new/", {
        "veteran": "new", "channel": "in_person", "purpose": "policy", "outcome": "answered",
        "idempotency_key": "k1", "new-name": "孙志强", "new-id_number": veteran.id_number,
        "new-region": CHARLIES_VILLAGE,
    }, follow=True)
    assert page.redirect_chain[-1][0] == "/veterans/transfers/"
    assert TransferRequest.objects.filter(requested_by=charlie, veteran=veteran).exists()
    assert veteran.name not in page.content.decode()


def test_editing_to_a_number_registered_elsewhere_is_refused_naming_no_one(
    charlie: User, veteran: Veteran, far_veteran: Veteran
) -> None:
    answer = client_for(charlie).post(f"/veterans/{far_veteran.pk}/edit/", {
        "name": far_veteran.name, "id_number": veteran.id_number,
        "region": far_veteran.region_id,
    })
    text = answer.content.decode()
    assert answer.status_code == 200 and veteran.name not in text
    assert "该公民身份号码已登记" not in text and "already registered" not in text
    assert "该公民身份号码不能用于此记录" in text
    far_veteran.refresh_from_db()
    assert far_veteran.id_number != veteran.id_number
    assert AuditEntry.objects.filter(actor=charlie, action=AuditEntry.Action.REFUSE).exists()


def test_an_import_sends_transfer_requests_and_never_says_already_registered(
    charlie: User, veteran: Veteran, tmp_path: Any
) -> None:
    path = tmp_path / "registry.csv"
    fresh = id_number("430181", datetime.date(1980, 1, 2))
    path.write_text(
        "姓名,公民身份号码,户籍所在地区划代码\n"
        f"孙志强,{veteran.id_number},{CHARLIES_VILLAGE}\n"
        f"李明,{fresh},{CHARLIES_VILLAGE}\n", encoding="utf-8",
    )
    result = veterans_import(path=path, mode="valid", by=charlie)
    report = " ".join(problem for _row, _column, problem in result.errors)
    assert result.imported == 1 and "已登记" not in report and "already registered" not in report
    assert veteran.name not in report
    assert TransferRequest.objects.filter(requested_by=charlie, veteran=veteran).exists()


def test_an_import_in_the_jurisdiction_still_reports_a_registered_number(
    bob: User, veteran: Veteran, tmp_path: Any
) -> None:
    path = tmp_path / "registry.csv"
    path.write_text(f"姓名,公民身份号码,户籍所在地区划代码\n某人,{veteran.id_number},330681107201\n",
                    encoding="utf-8")
    result = veterans_import(path=path, mode="valid", by=bob)
    assert result.imported == 0 and result.error_count == 1
    assert not TransferRequest.objects.exists()


# --- the rate limit -------------------------------------------------------------

def test_too_many_numbers_registered_elsewhere_pause_registering_audited(
    charlie: User, county_staff: User, settings: Any
) -> None:
    settings.VETERANS_ELSEWHERE_LIMIT = 2
    held = [veteran_make("330681107201", name=f"老兵{i}",
                         born=datetime.date(1960, 1, 1) + datetime.timedelta(days=i))
            for i in range(3)]
    client = api_as(charlie)
    answers = [client.post("/api/v1/veterans/", body(id_number=v.id_number), format="json")
               for v in held]
    assert [a.status_code for a in answers] == [202, 202, 429]
    assert int(answers[2]["Retry-After"]) > 0
    assert AuditEntry.objects.filter(actor=charlie, action=AuditEntry.Action.REFUSE).exists()
    # Paused: a number that nobody holds is refused alike, so nothing can be told apart.
    fresh = client.post("/api/v1/veterans/", body(), format="json")
    assert fresh.status_code == 429
    assert TransferRequest.objects.count() == 2
    assert api_as(county_staff).post("/api/v1/veterans/", {
        "name": "王五", "id_number": id_number("330681", datetime.date(1977, 7, 7)),
        "region": "330681107201"}, format="json").status_code == 201  # others are not paused


# --- both queues, and the decision --------------------------------------------------

@pytest.fixture
def transfer(charlie: User, veteran: Veteran) -> TransferRequest:
    answer = api_as(charlie).post("/api/v1/veterans/", body(id_number=veteran.id_number),
                                  format="json")
    return TransferRequest.objects.get(pk=answer.json()["transfer_request"])


def test_both_queues_show_the_request_the_requester_sees_nothing_of_the_person(
    transfer: TransferRequest, charlie: User, county_staff: User, veteran: Veteran
) -> None:
    held = client_for(county_staff).get("/veterans/transfers/")
    assert list(held.context["incoming"]) == [transfer]
    assert veteran.name in held.content.decode()
    asked = client_for(charlie).get("/veterans/transfers/")
    assert list(asked.context["outgoing"]) == [transfer] and asked.context["incoming"] == []
    text = asked.content.decode()
    assert veteran.name not in text and "诸暨" not in text and veteran.id_number not in text


def test_the_holding_county_approves_and_the_veteran_moves_to_the_region_asked_for(
    transfer: TransferRequest, charlie: User, county_staff: User, veteran: Veteran
) -> None:
    answer = client_for(county_staff).post(
        f"/veterans/transfers/{transfer.pk}/decide/", {"decision": "approve"}
    )
    assert answer.status_code == 302
    transfer.refresh_from_db()
    veteran.refresh_from_db()
    assert transfer.status == TransferRequest.Status.APPROVED
    assert transfer.decided_by == county_staff and transfer.decided_at is not None
    assert veteran.region_id == CHARLIES_VILLAGE
    assert api_as(charlie).get(f"/api/v1/veterans/{veteran.pk}/").status_code == 200
    assert AuditEntry.objects.filter(action=AuditEntry.Action.TRANSFER_DECIDE,
                                     object_id=str(transfer.pk)).exists()
    assert AuditEntry.objects.for_object(veteran).filter(
        action=AuditEntry.Action.UPDATE, changes__region=["330681107201", CHARLIES_VILLAGE]
    ).exists()


def test_declined_the_veteran_stays(
    transfer: TransferRequest, county_staff: User, veteran: Veteran
) -> None:
    client_for(county_staff).post(f"/veterans/transfers/{transfer.pk}/decide/",
                                  {"decision": "decline"})
    transfer.refresh_from_db()
    veteran.refresh_from_db()
    assert transfer.status == TransferRequest.Status.DECLINED
    assert veteran.region_id == "330681107201"


@pytest.mark.parametrize("who", ["charlie", "alice", "city_official"])
def test_only_staff_of_the_holding_county_decide(
    transfer: TransferRequest, veteran: Veteran, who: str, request: Any
) -> None:
    """The requester, a township below the county and an official cannot decide."""
    user = request.getfixturevalue(who)
    answer = client_for(user).post(f"/veterans/transfers/{transfer.pk}/decide/",
                                   {"decision": "approve"})
    assert answer.status_code in (403, 404)
    transfer.refresh_from_db()
    assert transfer.status == TransferRequest.Status.PENDING


def test_an_outsider_to_both_sides_gets_404(transfer: TransferRequest, world: None) -> None:
    from tests.conftest import _user

    keqiao = _user("keqiao", "330603")
    answer = client_for(keqiao).post(f"/veterans/transfers/{transfer.pk}/decide/",
                                     {"decision": "approve"})
    assert answer.status_code == 404
    assert client_for(keqiao).get("/veterans/transfers/").context["incoming"] == []


def test_the_admin_lists_transfer_requests(transfer: TransferRequest) -> None:
    root = User.objects.create_superuser("root", password="pw-for-tests")
    page = client_for(root).get("/admin/veterans/transferrequest/")
    assert page.status_code == 200 and str(transfer.pk) in page.content.decode()



def test_a_nationwide_user_sees_each_request_once_to_decide(
    transfer: TransferRequest, world: None
) -> None:
    from tests.conftest import _user

    nationwide = _user("nationwide", None)
    page = client_for(nationwide).get("/veterans/transfers/")
    assert list(page.context["incoming"]) == [transfer] and page.context["outgoing"] == []
