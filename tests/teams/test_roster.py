"""The 兵支书 roster: one current secretary per village, terms, the derived flag, the import."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from centres.models import User
from teams.models import Post, VillageCadre
from teams.services import TeamActionRefused, village_cadre_appoint
from tests.factories.centres import region
from tests.factories.veterans import veteran_make
from veterans.models import Veteran

VILLAGE = "330681107201"
D = datetime.date
NEW_TERM = D(2021, 1, 5)


def appoint(by: User, veteran: Veteran, post: str = Post.PARTY_SECRETARY,
            since: datetime.date = NEW_TERM, village: str = VILLAGE) -> VillageCadre:
    return village_cadre_appoint(village=region(village), veteran=veteran, post=post,
                                 since=since, by=by)


def test_a_new_party_secretary_ends_the_term_of_the_one_before(alice: User) -> None:
    first, second = veteran_make(name="陈一"), veteran_make(name="陈二")
    old = appoint(alice, first, since=D(2018, 3, 1))
    new = appoint(alice, second, since=D(2021, 1, 5))
    old.refresh_from_db()
    assert old.until == new.since == D(2021, 1, 5)
    assert new.until is None
    current = VillageCadre.objects.current().filter(village_id=VILLAGE,
                                                    post=Post.PARTY_SECRETARY)
    assert list(current) == [new]


def test_the_party_secretary_flag_follows_the_roster(alice: User) -> None:
    first, second = veteran_make(name="陈一"), veteran_make(name="陈二")
    appoint(alice, first, since=D(2018, 3, 1))
    first.refresh_from_db()
    assert first.is_party_secretary
    appoint(alice, second)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.is_party_secretary, second.is_party_secretary) == (False, True)


def test_the_database_refuses_two_current_party_secretaries_of_one_village(alice: User) -> None:
    appoint(alice, veteran_make(name="陈一"))
    with pytest.raises(IntegrityError), transaction.atomic():
        VillageCadre.objects.create(village_id=VILLAGE, veteran=veteran_make(name="陈二"),
                                    post=Post.PARTY_SECRETARY, since=D(2022, 1, 1))


def test_appointing_the_post_held_now_changes_nothing(alice: User) -> None:
    veteran = veteran_make()
    assert appoint(alice, veteran) == appoint(alice, veteran, since=D(2023, 1, 1))
    assert VillageCadre.objects.count() == 1


def test_a_committee_member_who_becomes_secretary_leaves_the_committee(alice: User) -> None:
    veteran = veteran_make()
    member = appoint(alice, veteran, post=Post.COMMITTEE_MEMBER, since=D(2019, 1, 1))
    appoint(alice, veteran)
    member.refresh_from_db()
    assert member.until == D(2021, 1, 5)


def test_an_outsider_and_an_official_may_not_appoint(charlie: User, city_official: User) -> None:
    for user in (charlie, city_official):
        with pytest.raises(TeamActionRefused):
            appoint(user, veteran_make())


def _csv(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "cadres.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_the_import_records_posts_and_is_idempotent(world: None, tmp_path: Path) -> None:
    first, second = veteran_make(name="陈一"), veteran_make(name="陈二")
    third = veteran_make("330681107202", name="陈三")
    text = (
        "region_code,id_number,post,since\n"
        f"330681107201,{first.id_number},party_secretary,2018-03-01\n"
        f"330681107201,{second.id_number},party_secretary,2021-01-05\n"
        f"330681107202,{third.id_number},reserve,\n"
    )
    path = _csv(tmp_path, text, "gb18030")
    call_command("import_village_cadres", str(path))
    rows = list(VillageCadre.objects.order_by("since", "id").values_list(
        "veteran__name", "post", "since", "until"))
    call_command("import_village_cadres", str(path))
    again = list(VillageCadre.objects.order_by("since", "id").values_list(
        "veteran__name", "post", "since", "until"))
    assert rows == again
    assert rows[:2] == [
        ("陈一", "party_secretary", D(2018, 3, 1), D(2021, 1, 5)),
        ("陈二", "party_secretary", D(2021, 1, 5), None),
    ]
    assert rows[2][:2] == ("陈三", "reserve")


def test_the_import_reads_utf8_with_a_byte_order_mark(world: None, tmp_path: Path) -> None:
    veteran = veteran_make()
    path = _csv(tmp_path, f"region_code,id_number,post\n330681107201,{veteran.id_number},"
                          "committee_member\n", "utf-8-sig")
    call_command("import_village_cadres", str(path))
    assert VillageCadre.objects.get().post == Post.COMMITTEE_MEMBER


def test_a_bad_row_refuses_the_whole_file_naming_its_lines(world: None, tmp_path: Path) -> None:
    veteran = veteran_make()
    text = (
        "region_code,id_number,post\n"
        f"330681107201,{veteran.id_number},party_secretary\n"
        "330681107000,110101199003070000,party_secretary\n"
        f"330681107202,{veteran.id_number},mayor\n"
    )
    with pytest.raises(CommandError) as refused:
        call_command("import_village_cadres", str(_csv(tmp_path, text)))
    message = str(refused.value)
    assert "3" in message.split("\n")[1] and "4" in message.split("\n")[2]
    assert not VillageCadre.objects.exists()


def test_two_secretaries_of_one_village_from_the_same_day_refuse_the_file(
    world: None, tmp_path: Path
) -> None:
    first, second = veteran_make(name="陈一"), veteran_make(name="陈二")
    text = (
        "region_code,id_number,post,since\n"
        f"330681107201,{first.id_number},party_secretary,2021-01-05\n"
        f"330681107201,{second.id_number},party_secretary,2021-01-05\n"
    )
    with pytest.raises(CommandError, match="3"):
        call_command("import_village_cadres", str(_csv(tmp_path, text)))
    assert not VillageCadre.objects.exists()
