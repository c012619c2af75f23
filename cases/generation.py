"""Synthetic dispute cases and their events, for `generate_national`.

At scale 1.0: 1,000,000 cases received over the two years before `until`, in
time order, at the centres above a veteran's home (village stations 60%,
township 30%, county 10%). About 10% are escalated once or twice up the
ladder (the case then sits at the ancestor's centre, `arrival` = escalated);
most are resolved where they are held, hence at village or township level
(就地化解, about 80%). Old cases are mostly closed after a satisfied follow-up
visit; a few were reopened after a dissatisfied one; recent ones are still
open, and some open ones have passed their deadline (overdue).

Deadlines follow the petition rules (`cases.services`): accept within 15 days
of receipt, resolve within 60 days of acceptance. Numbers run per (county,
year) without gaps; the `CaseCounter` rows are set to the last number.

Cases and events come from one deterministic plan, walked twice (once per
table) from the same seed: memory stays constant, whatever the scale.
"""

from __future__ import annotations

import bisect
import datetime
import json
import random
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from cases.models import Case, CaseCounter, CaseEvent
from cases.services import ACCEPT_DAYS, RESOLVE_DAYS
from centres import codes as region_codes
from centres.generation import RegionTree
from config.bulkload import LoadStats, ProgressHook, is_postgresql, load_rows
from veterans.generation import VISIT_DAYS, _clock, _table

CaseVeteran = Case.veterans.through
CASES_AT_FULL_SCALE = 1_000_000
DAY = 86_400
RECEIVED_LEVELS = (("village", 60), ("township", 30), ("county", 10))
ESCALATIONS = ((0, 90), (1, 7), (2, 3))
CATEGORIES = (("employment", 15), ("benefits", 22), ("placement", 10), ("medical", 10),
              ("family", 18), ("land_housing", 17), ("other", 8))
RISKS = (("ordinary", 85), ("serious", 12), ("major", 3))
SUMMARIES = {
    "employment": ["反映劳动报酬被拖欠", "反映用人单位未签订劳动合同"],
    "benefits": ["反映优抚金发放不及时", "对待遇认定有异议"],
    "placement": ["对安置岗位有异议", "反映安置待遇未落实"],
    "medical": ["反映医疗费用报销困难", "反映伤残等级评定争议"],
    "family": ["邻里通行纠纷", "家庭赡养纠纷", "宅基地相邻纠纷"],
    "land_housing": ["土地承包经营权纠纷", "房屋拆迁补偿争议"],
    "other": ["其他矛盾纠纷"],
}
RESOLUTIONS = ["经调解双方达成一致", "协调相关部门落实待遇", "依政策答复，当事人接受"]
OTHER_PARTIES = ["邻居", "用人单位", "村民委员会", "家属", ""]

CASE_COLUMNS = [
    "id", "number", "county_code", "year", "sequence", "category", "risk_level", "summary",
    "other_parties", "received_centre_id", "received_region_id", "centre_id", "region_id",
    "level", "arrival", "status", "resolved_level", "resolution", "received_at", "created_at",
    "accepted_at", "resolved_at", "closed_at", "accept_deadline", "resolve_deadline",
    "deadline", "extended", "extension_days", "is_overdue", "escalated_count", "visit_id",
    "assignee_id", "opened_by_id", "idempotency_key",
]
EVENT_COLUMNS = [
    "id", "case_id", "kind", "by_id", "at", "from_level", "to_level", "from_centre_id",
    "to_centre_id", "note", "extra",
]


@dataclass
class CasePlan:
    """Everything about one case; both tables are rendered from it."""

    row: tuple[Any, ...]
    events: list[tuple[Any, ...]] = field(default_factory=list)
    veteran_id: int | None = None  # the veteran the case is about


def cases_count(*, scale: float, tree: RegionTree) -> int:
    return round(CASES_AT_FULL_SCALE * scale * tree.share_of_country) if tree.villages else 0


def _ladders(tree: RegionTree) -> dict[int, list[int]]:
    """For each host (county or county-less city) index, the indexes of its ancestors,
    nearest first (the city, the province), found by bisection in the sorted codes."""
    ladders: dict[int, list[int]] = {}
    for host in set(tree.village_host):
        above = []
        for candidate in region_codes.ancestor_candidates(tree.codes[host]):
            at = bisect.bisect_left(tree.codes, candidate)
            if at < len(tree.codes) and tree.codes[at] == candidate:
                above.append(at)
        ladders[host] = above
    return ladders


def case_plans(
    *, seed: int, tree: RegionTree, total: int, until: datetime.date, homes: Any,
    by_id: int, counters: dict[tuple[str, int], int] | None = None,
) -> Iterator[CasePlan]:
    """`total` cases in time order, ids from 1, with their events (ids from 1).

    `counters`, when given, receives the last sequence number per (county, year).
    """
    rng = random.Random(f"{seed}/cases")
    r = rng.random
    levels, escalations = _table(RECEIVED_LEVELS), _table(ESCALATIONS)
    categories, risks = _table(CATEGORIES), _table(RISKS)
    clock = _clock()
    first_day = until - datetime.timedelta(days=VISIT_DAYS)
    # Day texts from the first day to well past the last deadline.
    days = [(first_day + datetime.timedelta(days=d)).isoformat()
            for d in range(VISIT_DAYS + ACCEPT_DAYS + RESOLVE_DAYS + 60)]
    end = VISIT_DAYS * DAY  # `until` at midnight, in seconds from the first day

    def ts(second: int) -> str:
        return f"{days[second // DAY]} {clock[second % DAY]}+08:00"

    postgres = is_postgresql()

    def extra(value: dict[str, Any]) -> Any:
        return json.dumps(value) if postgres else value

    empty, satisfied, dissatisfied = extra({}), extra({"satisfied": True}), extra(
        {"satisfied": False})
    codes, village_index = tree.codes, tree.village_index
    township_of, host_of = tree.village_township, tree.village_host
    ladders = _ladders(tree)
    sequences: dict[tuple[str, int], int] = counters if counters is not None else {}
    veterans = len(homes)
    event_id = 0
    # Received times: sorted uniform office-hour seconds over the period, drawn day by day.
    per_day = [0] * VISIT_DAYS
    for _ in range(total):
        per_day[int(r() * VISIT_DAYS)] += 1
    case_id = 0
    for day, count in enumerate(per_day):
        for second in sorted(28_800 + int(r() * 34_200) for _ in range(count)):
            case_id += 1
            received = day * DAY + second
            veteran = int(r() * veterans) if veterans else -1
            home = homes[veteran] if veterans else int(r() * tree.villages)
            host = host_of[home]
            ladder = [village_index[home], township_of[home], host, *ladders[host]]
            start = {"village": 0, "township": 1, "county": 2}[levels[int(r() * len(levels))]]
            received_index = ladder[start]
            received_code = codes[received_index]
            county, year = received_code[:6], int(days[day][:4])
            sequence = sequences.get((county, year), 0) + 1
            sequences[(county, year)] = sequence
            category = categories[int(r() * len(categories))]
            summaries = SUMMARIES[category]
            age = end - received  # seconds until `until`
            # Acceptance: within a few days, unless very recent and still waiting.
            accept_delay = int(r() * 4 * DAY)
            accepted: int | None = received + accept_delay
            if received + accept_delay >= end or (age < ACCEPT_DAYS * DAY and r() < 0.4):
                accepted = None
            events: list[tuple[Any, ...]] = []
            holder = received_index

            def event(kind: str, at: int, source: int, target: int, note: str = "",
                      details: Any = empty, *, into: list[tuple[Any, ...]] = events,
                      case: int = case_id) -> None:
                nonlocal event_id
                event_id += 1
                into.append((event_id, case, kind, by_id, ts(at),
                               region_codes.level_of(codes[source]),
                               region_codes.level_of(codes[target]), source + 1, target + 1,
                               note, details))

            escalated = 0
            moment = accepted if accepted is not None else received
            if accepted is not None:
                event("accept", accepted, holder, holder)
                wanted = escalations[int(r() * len(escalations))]
                while escalated < wanted and start + escalated + 1 < len(ladder):
                    step = moment + DAY + int(r() * 10 * DAY)
                    if step >= end:
                        break
                    upper = ladder[start + escalated + 1]
                    event("escalate", step, holder, upper, "本级调解未果，上报")
                    holder, moment, escalated = upper, step, escalated + 1
            # The outcome: the older the case, the likelier it is finished.
            days_old = age / DAY
            p_open = 0.6 if days_old < 15 else 0.35 if days_old < 60 else 0.05
            status = "open"
            resolved_at = closed_at = None
            if accepted is not None and r() >= p_open:
                if r() < 0.03:  # resolved once, then reopened after a dissatisfied follow-up
                    first = moment + DAY + int(r() * 20 * DAY)
                    follow = first + DAY + int(r() * 5 * DAY)
                    if follow < end:
                        event("resolve", first, holder, holder, RESOLUTIONS[0])
                        event("follow_up", follow, holder, holder, "当事人不满意",
                              dissatisfied)
                        event("reopen", follow, holder, holder, "当事人不满意")
                        moment = follow
                done = moment + DAY + int(r() * 40 * DAY)
                if done < end:
                    status, resolved_at = "resolved", done
                    event("resolve", done, holder, holder, RESOLUTIONS[1])
                    follow = done + DAY + int(r() * 10 * DAY)
                    if follow < end and r() < 0.9:
                        status, closed_at = "closed", follow
                        event("follow_up", follow, holder, holder, "当事人满意", satisfied)
            accept_deadline = received + ACCEPT_DAYS * DAY
            resolve_deadline = accepted + RESOLVE_DAYS * DAY if accepted is not None else None
            deadline = resolve_deadline if resolve_deadline is not None else accept_deadline
            level = region_codes.level_of(codes[holder])
            yield CasePlan(
                row=(
                    case_id, f"{county}-{year}-{sequence:06d}", county, year, sequence,
                    category, risks[int(r() * len(risks))],
                    summaries[int(r() * len(summaries))],
                    OTHER_PARTIES[int(r() * len(OTHER_PARTIES))],
                    received_index + 1, received_code, holder + 1, codes[holder], level,
                    "escalated" if escalated else "received", status,
                    "" if status == "open" else level,
                    "" if status == "open" else RESOLUTIONS[int(r() * len(RESOLUTIONS))],
                    ts(received), ts(received + 60 + int(r() * 600)),
                    ts(accepted) if accepted is not None else None,
                    ts(resolved_at) if resolved_at is not None else None,
                    ts(closed_at) if closed_at is not None else None,
                    ts(accept_deadline),
                    ts(resolve_deadline) if resolve_deadline is not None else None,
                    ts(deadline), False, 0, status == "open" and deadline < end,
                    escalated, None, None, by_id, "",
                ),
                events=events,
                veteran_id=veteran + 1 if veterans else None,
            )


def cases_generate(
    *, seed: int, tree: RegionTree, total: int, until: datetime.date, homes: Any, by_id: int,
    progress: ProgressHook | None = None, events_progress: ProgressHook | None = None,
) -> list[LoadStats]:
    """Load the cases, then their events (the same plan again), then the counters."""
    counters: dict[tuple[str, int], int] = {}
    common: dict[str, Any] = {"seed": seed, "tree": tree, "total": total, "until": until,
                              "homes": homes, "by_id": by_id}
    stats = [load_rows(Case, CASE_COLUMNS,
                       (p.row for p in case_plans(**common, counters=counters)),
                       progress=progress)]
    veteran_of = array("i")  # the veteran of case i + 1: 4 bytes a case

    def events_and_parties() -> Iterator[tuple[Any, ...]]:
        for plan in case_plans(**common):
            yield from plan.events
            if plan.veteran_id is not None:
                veteran_of.append(plan.veteran_id)

    stats.append(load_rows(CaseEvent, EVENT_COLUMNS, events_and_parties(),
                           progress=events_progress))
    # The case-veteran links (one veteran a case; ids in case order).
    stats.append(load_rows(CaseVeteran, ["id", "case_id", "veteran_id"],
                           ((i, i, v) for i, v in enumerate(veteran_of, start=1))))
    stats.append(load_rows(
        CaseCounter, ["id", "county", "year", "last"],
        ((i, county, year, last)
         for i, ((county, year), last) in enumerate(sorted(counters.items()), start=1)),
    ))
    return stats
