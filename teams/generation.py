"""Synthetic social forces, for `generate_national`.

About 9% of villages have a veteran party secretary (as reported in one
prefecture), about 12% a veteran committee member and 15% a veteran in the
reserve pool, each a veteran living in that village. A few secretaries took
over from an earlier one (the earlier term ends the day the new one begins).
Every county centre has a volunteer team and a shock team, and about a third of
township centres a volunteer team of their own, with three service groups;
members are veterans living in the team's area (at most 12 a team). Each member
has a handful of service records in the 90 days before `until`, four in five of
them confirmed. Rows come from one seeded generator: the same seed gives the same
rows. The veterans' `is_party_secretary` flag is set from the roster afterwards.
"""

from __future__ import annotations

import datetime
import random
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from centres.generation import RegionTree
from config.bulkload import LoadStats, ProgressHook, load_rows
from teams.models import ServiceGroup, ServiceRecord, Team, TeamMember, VillageCadre
from veterans.models import Veteran

SECRETARY_SHARE = 0.09
COMMITTEE_SHARE = 0.12
RESERVE_SHARE = 0.15
EARLIER_TERM_SHARE = 0.2
TOWNSHIP_TEAM_SHARE = 0.33
MEMBERS_PER_TEAM = 12
RECORDS_PER_MEMBER = (2, 8)
CONFIRMED_SHARE = 0.8
RECORD_DAYS = 90
GROUPS = ("policy", "assistance", "legal")
HOURS = ("1.0", "1.5", "2.0", "2.0", "3.0", "4.0", "6.0")
ACTIVITIES = ("政策宣讲", "走访慰问困难退役军人", "矛盾纠纷调解", "心理疏导", "就业帮扶",
              "防汛值守", "文明实践志愿服务")

CADRE_COLUMNS = ["id", "village_id", "veteran_id", "post", "since", "until", "created_at"]
TEAM_COLUMNS = ["id", "centre_id", "region_id", "name", "kind", "created_at"]
GROUP_COLUMNS = ["id", "team_id", "kind"]
MEMBER_COLUMNS = ["id", "team_id", "veteran_id", "role", "group_id", "volunteer_number",
                  "joined", "left"]
RECORD_COLUMNS = ["id", "team_id", "region_id", "veteran_id", "group_id", "date", "hours",
                  "activity", "status", "corrects_id", "call_up_id", "recorded_by_id",
                  "recorded_at", "confirmed_by_id", "confirmed_at"]

# The models this generator fills, children first.
TEAM_MODELS = [ServiceRecord, TeamMember, ServiceGroup, Team, VillageCadre]


@dataclass
class TeamPlan:
    """The teams and their members, drawn once; records are rendered from it."""

    teams: list[tuple[Any, ...]] = field(default_factory=list)
    groups: list[tuple[int, int, str]] = field(default_factory=list)
    members: list[tuple[Any, ...]] = field(default_factory=list)
    secretaries: list[int] = field(default_factory=list)  # veteran ids holding the post now


@dataclass
class Residents:
    """Veteran ids living in the chosen villages, townships and counties (a few each),
    found in one pass over every veteran's home."""

    villages: dict[int, list[int]] = field(default_factory=dict)
    townships: dict[int, list[int]] = field(default_factory=dict)
    counties: dict[int, list[int]] = field(default_factory=dict)


def residents_find(*, homes: array[int], tree: RegionTree, villages: set[int],
                   townships: set[int]) -> Residents:
    found = Residents()
    host, township_of = tree.village_host, tree.village_township
    county_limit = 2 * MEMBERS_PER_TEAM
    for index, home in enumerate(homes):
        veteran = index + 1
        if home in villages:
            people = found.villages.setdefault(home, [])
            if len(people) < 4:
                people.append(veteran)
        township = township_of[home]
        if township in townships:
            people = found.townships.setdefault(township, [])
            if len(people) < MEMBERS_PER_TEAM:
                people.append(veteran)
        people = found.counties.setdefault(host[home], [])
        if len(people) < county_limit:
            people.append(veteran)
    return found


def cadre_villages(*, seed: int, tree: RegionTree) -> set[int]:
    """The villages (positions in the tree's village arrays) where a veteran holds a post."""
    r = random.Random(f"{seed}/cadre-villages").random
    share = SECRETARY_SHARE + COMMITTEE_SHARE + RESERVE_SHARE
    return {v for v in range(tree.villages) if r() < share}


def team_townships(*, seed: int, tree: RegionTree) -> set[int]:
    """The townships (positions in the tree's codes) whose centre has a volunteer team."""
    r = random.Random(f"{seed}/team-townships").random
    return {t for t in sorted(set(tree.village_township)) if r() < TOWNSHIP_TEAM_SHARE}


def cadre_rows(*, seed: int, tree: RegionTree, residents: Residents, plan: TeamPlan,
               ) -> Iterator[tuple[Any, ...]]:
    r = random.Random(f"{seed}/cadres").random
    cadre_id = 0
    for village in sorted(residents.villages):
        people = residents.villages[village]
        code = tree.codes[tree.village_index[village]]
        since = datetime.date(2015 + int(r() * 10), 1 + int(r() * 12), 1 + int(r() * 28))
        posts = []
        draw = r()
        if draw < SECRETARY_SHARE / (SECRETARY_SHARE + COMMITTEE_SHARE + RESERVE_SHARE):
            posts.append("party_secretary")
        posts += ["committee_member", "reserve"][: int(r() * 3)]
        if not posts:
            posts.append("reserve")
        for post, veteran in zip(posts, people, strict=False):
            cadre_id += 1
            if post == "party_secretary":
                plan.secretaries.append(veteran)
                if len(people) > len(posts) and r() < EARLIER_TERM_SHARE:
                    earlier = since.replace(year=since.year - 5)
                    yield (cadre_id, code, people[-1], post, earlier, since,
                           f"{earlier}T10:00:00+08:00")
                    cadre_id += 1
            yield (cadre_id, code, veteran, post, since, None, f"{since}T10:00:00+08:00")


def team_plan(*, tree: RegionTree, residents: Residents, townships: set[int],
              until: datetime.date, plan: TeamPlan) -> None:
    """Teams at county centres (a volunteer and a shock team) and at a third of township
    centres, with members living in their area."""
    counties = set(tree.village_host)
    by_county, by_township = residents.counties, residents.townships
    created = f"{until.replace(day=1) - datetime.timedelta(days=200)}T09:00:00+08:00"
    joined = until - datetime.timedelta(days=RECORD_DAYS + 30)
    places = [(c, "volunteer", by_county.get(c, [])[:MEMBERS_PER_TEAM]) for c in sorted(counties)]
    places += [(c, "shock", by_county.get(c, [])[MEMBERS_PER_TEAM:]) for c in sorted(counties)]
    places += [(t, "volunteer", by_township.get(t, [])) for t in sorted(townships)]
    for index, kind, people in places:
        team_id = len(plan.teams) + 1
        code = tree.codes[index]
        name = f"退役军人{'应急突击队' if kind == 'shock' else '志愿者服务队'}{team_id}"
        plan.teams.append((team_id, tree.centre_id(index), code, name, kind, created))
        groups = []
        if kind == "volunteer":
            for kind_ in GROUPS:
                plan.groups.append((len(plan.groups) + 1, team_id, kind_))
                groups.append(len(plan.groups))
        for position, veteran in enumerate(people):
            member_id = len(plan.members) + 1
            role = "captain" if position == 0 else "vice_captain" if position == 1 else "member"
            group = groups[position % len(groups)] if groups else None
            plan.members.append((member_id, team_id, veteran, role, group,
                                 f"{code[:6]}{joined:%Y}{member_id:07d}", joined, None))


def record_rows(*, seed: int, until: datetime.date, plan: TeamPlan, by_id: int,
                ) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(f"{seed}/service-records")
    r = rng.random
    codes = {team[0]: team[2] for team in plan.teams}
    low, high = RECORDS_PER_MEMBER
    record_id = 0
    for _member_id, team_id, veteran, _role, group, _number, _joined, _left in plan.members:
        for _ in range(low + int(r() * (high - low + 1))):
            record_id += 1
            day = until - datetime.timedelta(days=1 + int(r() * RECORD_DAYS))
            recorded = f"{day}T18:00:00+08:00"
            confirmed = r() < CONFIRMED_SHARE
            yield (
                record_id, team_id, codes[team_id], veteran, group, day,
                HOURS[int(r() * len(HOURS))], ACTIVITIES[int(r() * len(ACTIVITIES))],
                "confirmed" if confirmed else "pending", None, None, by_id, recorded,
                by_id if confirmed else None,
                f"{day + datetime.timedelta(days=2)}T10:00:00+08:00" if confirmed else None,
            )


def teams_generate(
    *, seed: int, tree: RegionTree, homes: array[int], until: datetime.date, by_id: int,
    progress: ProgressHook | None = None,
) -> list[LoadStats]:
    """Load the roster, the teams, their groups and members, and their service records."""
    plan = TeamPlan()
    townships = team_townships(seed=seed, tree=tree)
    residents = residents_find(homes=homes, tree=tree, townships=townships,
                               villages=cadre_villages(seed=seed, tree=tree))
    stats = [load_rows(VillageCadre, CADRE_COLUMNS,
                       cadre_rows(seed=seed, tree=tree, residents=residents, plan=plan))]
    team_plan(tree=tree, residents=residents, townships=townships, until=until, plan=plan)
    stats.append(load_rows(Team, TEAM_COLUMNS, plan.teams))
    stats.append(load_rows(ServiceGroup, GROUP_COLUMNS, plan.groups))
    stats.append(load_rows(TeamMember, MEMBER_COLUMNS, plan.members))
    stats.append(load_rows(ServiceRecord, RECORD_COLUMNS,
                           record_rows(seed=seed, until=until, plan=plan, by_id=by_id),
                           progress=progress))
    # The flag follows the roster; the registry's generator leaves it false.
    Veteran.objects.filter(is_party_secretary=True).exclude(
        pk__in=plan.secretaries).update(is_party_secretary=False)
    for start in range(0, len(plan.secretaries), 10_000):
        Veteran.objects.filter(pk__in=plan.secretaries[start:start + 10_000]).update(
            is_party_secretary=True)
    return stats
