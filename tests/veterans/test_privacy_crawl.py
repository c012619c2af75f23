"""No ID number can be rebuilt from what the portal shows without an audited read.

Issue 15, finding 1: the mask `330681********1497` hid exactly the birth digits and
the birth date was shown beside it, so every number could be rebuilt. The rule now:
wherever a number is shown masked, at least 1,000 valid numbers stay consistent
with everything shown about the person.

The crawl signs in as several users (county staff, nationwide staff, a city
official, the ministry, a superuser in the admin), follows every link from the home
page, and reads the API lists and details, the visit search, both exports (read
back with openpyxl) and the audit trails. For each veteran it gathers, over every
answer the user got, what an attacker learns: the characters of any masked number
that agrees with the real one, and the birth date if it appears anywhere in any
form. It grants the attacker more than is shown: the address code (the region is
shown), the birth year and the sex. Then it counts the valid numbers left.
"""

from __future__ import annotations

import datetime
import html
import io
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import openpyxl
import pytest
from django.test import Client

from centres.models import User
from tests.factories.cases import case_make
from tests.factories.centres import UserFactory, centre, region
from tests.factories.veterans import id_number
from veterans import services
from veterans.idnumbers import check_character
from veterans.models import AuditEntry, Veteran

pytestmark = pytest.mark.django_db

ENOUGH = 1000
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
TOKEN = re.compile(r"(?<![0-9A-Za-z*])[0-9X*]{18}(?![0-9A-Za-z*])")
SKIP = ("/accounts/logout", "/static/", "/media/", "/admin/logout", "/i18n/")


# --- counting ---------------------------------------------------------------------

def _weighted(digits: str, start: int) -> int:
    return sum(int(d) * _WEIGHTS[start + i] for i, d in enumerate(digits))


@dataclass
class Knowledge:
    """What one user learned about one veteran's number over all their answers."""

    number: str
    known: dict[int, str] = field(default_factory=dict)  # position -> character
    birth_date_seen: bool = False
    full_number_seen: bool = False

    def learn_mask(self, token: str) -> None:
        for position, char in enumerate(token):
            if char != "*":
                self.known[position] = char

    def candidates(self) -> int:
        """Valid numbers agreeing with the address code, birth year and sex (granted)
        and with every character and date shown."""
        if self.full_number_seen:
            return 1
        number = self.number
        year = int(number[6:10])
        born = datetime.date(year, int(number[10:12]), int(number[12:14]))
        if self.birth_date_seen:
            days = [born]
        else:
            day, days = datetime.date(year, 1, 1), []
            while day.year == year:
                days.append(day)
                day += datetime.timedelta(days=1)
        dates = [f"{d:%Y%m%d}" for d in days]
        dates = [d for d in dates
                 if all(self.known.get(6 + i, c) == c for i, c in enumerate(d))]
        parity = int(number[16]) % 2
        sequences = [f"{s:03d}" for s in range(1000) if s % 2 == parity]
        sequences = [s for s in sequences
                     if all(self.known.get(14 + i, c) == c for i, c in enumerate(s))]
        if 17 not in self.known:  # each combination has its own check character
            return len(dates) * len(sequences)
        # The check character shown: count the combinations whose weighted sum fits.
        base = _weighted(number[:6], 0)
        by_date = Counter(_weighted(d, 6) % 11 for d in dates)
        by_sequence = Counter(_weighted(s, 14) % 11 for s in sequences)
        wanted = self.known[17]
        return sum(
            n_date * n_seq
            for r_date, n_date in by_date.items()
            for r_seq, n_seq in by_sequence.items()
            if "10X98765432"[(base + r_date + r_seq) % 11] == wanted
        )


def test_the_count_finds_the_old_mask_gave_the_numbers_away() -> None:
    """The counter itself: the old mask beside the birth date left one number, beside the
    birth year a few dozen; the address code alone with the year leaves 182,500."""
    number = id_number(born=datetime.date(1950, 1, 1), sequence=101)
    old = Knowledge(number)
    old.learn_mask(number[:6] + "*" * 8 + number[-4:])
    with_year = old.candidates()
    old.birth_date_seen = True
    assert old.candidates() == 1
    assert 10 < with_year < ENOUGH
    new = Knowledge(number)
    new.learn_mask(number[:6] + "*" * 12)
    assert new.candidates() == 365 * 500
    assert check_character(number[:17]) == number[17]


# --- reading answers --------------------------------------------------------------

def _text(response: Any) -> str:
    """The answer as a person reads it: HTML unescaped, JSON unescaped, xlsx cells."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        cells = []
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                for value in row:
                    if isinstance(value, datetime.datetime | datetime.date):
                        cells.append(value.isoformat())
                    elif value is not None:
                        cells.append(str(value))
        return "\n".join(cells)
    text = content.decode("utf-8", errors="replace")
    if "json" in kind:
        return json.dumps(json.loads(text), ensure_ascii=False)
    return html.unescape(text)


def _date_forms(day: datetime.date) -> list[str]:
    return [f"{day:%Y-%m-%d}", f"{day:%Y%m%d}", f"{day:%Y/%m/%d}", f"{day:%Y.%m.%d}",
            f"{day.year}年{day.month}月{day.day}日", f"{day:%Y年%m月%d日}",
            f"{day.year}-{day.month}-{day.day}"]


def _links(text: str) -> Iterable[str]:
    for link in re.findall(r'href="(/[^"#]*)"', text):
        if not link.startswith(SKIP):
            yield link


@dataclass
class Crawl:
    client: Client
    texts: dict[str, str] = field(default_factory=dict)

    def read(self, url: str) -> str | None:
        if url in self.texts:
            return self.texts[url]
        response = self.client.get(url)
        self.texts[url] = _text(response) if response.status_code == 200 else ""
        return self.texts[url]

    def follow(self, seeds: list[str], per_kind: int = 3) -> None:
        """Read the seeds, then every link found, breadth first: a few of each kind of
        page (the same path with other ids or codes), the admin's seeds only."""
        for url in seeds:
            self.read(url)
        kinds: Counter[str] = Counter()
        queue = [link for url in seeds for link in _links(self.texts[url])]
        while queue:
            url = queue.pop(0)
            kind = re.sub(r"[0-9]+", "N", url.split("?")[0])
            if url in self.texts or url.startswith("/admin/") or kinds[kind] >= per_kind:
                continue
            kinds[kind] += 1
            queue.extend(_links(self.read(url) or ""))

    def knowledge(self, veteran: Veteran) -> Knowledge:
        learned = Knowledge(veteran.id_number)
        dates = _date_forms(veteran.birth_date)
        for text in self.texts.values():
            if veteran.id_number in text:
                learned.full_number_seen = True
            if any(form in text for form in dates):
                learned.birth_date_seen = True
            for token in TOKEN.findall(text):
                if "*" in token and all(
                    c == "*" or c == veteran.id_number[i] for i, c in enumerate(token)
                ):
                    learned.learn_mask(token)
        return learned


# --- the world --------------------------------------------------------------------

@pytest.fixture
def registry(world: None, county_staff: User, alice: User) -> list[Veteran]:
    """Veterans registered, edited and visited through the services (so that the audit
    trail holds their entries), a case and its mediation agreement about one of them."""
    people = [
        ("周卫国", "330681107201", datetime.date(1951, 3, 9), True),
        ("吴秀英", "330681107201", datetime.date(1968, 12, 30), False),
        ("郑建华", "330681108201", datetime.date(1984, 7, 1), True),
        ("王丽", "330681108201", datetime.date(1999, 2, 28), False),
    ]
    veterans = []
    for name, home, born, male in people:
        veteran = services.veteran_create(by=county_staff, data={
            "name": name, "id_number": id_number(home[:6], born, male=male),
            "region": region(home), "phone": "13800138000",
        })
        # An edit whose audit entry holds the birth date before and after.
        services.veteran_update(veteran=veteran, by=county_staff,
                                data={"discharge_year": 1990, "birth_date": born})
        veterans.append(veteran)
    for veteran in veterans[:2]:
        services.visit_log(by=alice, veteran=veteran, centre=centre(str(alice.region_id)),
                           channel="in_person", purpose="policy", summary="咨询优待证")
    case_make(code="330681107201", by=alice, veterans=[veterans[0]])
    return veterans


def _users(county_staff: User, city_official: User, ministry: User) -> dict[str, User]:
    nationwide = UserFactory.create(username="nationwide", region=None, role=User.Role.STAFF)
    superuser = UserFactory.create(username="root", region=None, role=User.Role.STAFF)
    superuser.is_staff = superuser.is_superuser = True
    superuser.save(update_fields=["is_staff", "is_superuser"])
    return {"county staff": county_staff, "nationwide staff": nationwide,
            "city official": city_official, "ministry": ministry, "superuser": superuser}


def _seeds(veterans: list[Veteran], admin: bool) -> list[str]:
    seeds = ["/", "/veterans/", "/veterans/export.xlsx", "/visits/export.xlsx",
             "/veterans/transfers/", "/visits/new/", "/cases/",
             "/api/v1/veterans/", "/api/v1/visits/", "/api/v1/cases/"]
    for veteran in veterans:
        seeds += [f"/veterans/{veteran.pk}/", f"/veterans/{veteran.pk}/edit/",
                  f"/api/v1/veterans/{veteran.pk}/", f"/visits/search/?q={veteran.name}",
                  f"/visits/new/?q={veteran.name}", f"/veterans/?search={veteran.name}",
                  f"/veterans/export.xlsx?search={veteran.name}",
                  f"/api/v1/veterans/?search={veteran.name}"]
    if admin:
        seeds += ["/admin/veterans/veteran/", "/admin/veterans/auditentry/",
                  "/admin/veterans/transferrequest/"]
        seeds += [f"/admin/veterans/veteran/{v.pk}/change/" for v in veterans]
        seeds += [f"/admin/veterans/auditentry/{e.pk}/change/"
                  for e in AuditEntry.objects.filter(object_type="veterans.veteran")]
    return seeds


def test_no_number_can_be_rebuilt_from_any_page_api_export_or_audit_view(
    registry: list[Veteran], county_staff: User, city_official: User, ministry: User
) -> None:
    for label, user in _users(county_staff, city_official, ministry).items():
        client = Client()
        client.force_login(user)
        crawl = Crawl(client)
        crawl.follow(_seeds(registry, admin=user.is_superuser))
        read = [url for url, text in crawl.texts.items() if text]
        # The crawl reached the views that show veterans, and they did show them.
        for must in ("/veterans/", "/veterans/export.xlsx", "/visits/export.xlsx",
                     "/api/v1/veterans/", f"/veterans/{registry[0].pk}/"):
            assert must in read, (label, must)
        assert registry[0].name in crawl.texts["/veterans/export.xlsx"], label
        if user.is_official:  # the audit trail is on the detail page, for officials
            assert "审计" in crawl.texts[f"/veterans/{registry[0].pk}/"] or (
                "Audit" in crawl.texts[f"/veterans/{registry[0].pk}/"]), label
        assert not AuditEntry.objects.filter(
            actor=user, action=AuditEntry.Action.VIEW_ID_NUMBER
        ).exists()  # no audited read: every number must stay hidden
        for veteran in registry:
            learned = crawl.knowledge(veteran)
            assert learned.known, (label, veteran.name, "no masked number was read")
            assert learned.candidates() >= ENOUGH, (
                label, veteran.name, learned.candidates(), learned.known,
                learned.birth_date_seen,
            )
