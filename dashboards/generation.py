"""The national-scale synthetic data set (`generate_national`), room by room.

Each room owns the generator of its own tables (`centres.generation`,
`veterans.generation`, later `cases.generation` and `demonstration.generation`)
and this module, in the dashboards room that may read every other room, runs them
in dependency order. No lower room imports this one, so the rule of docs/design.md §3
holds. The bulk-loading machinery they share is `config.bulkload`.

`cases_generate` and `designations_generate` below hand over to
`cases.generation` and `demonstration.generation`.
"""

from __future__ import annotations

import datetime
import resource
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models

from cases.generation import cases_count
from cases.generation import cases_generate as cases_load
from cases.models import Case, CaseCounter, CaseEvent
from centres.generation import RegionTree, centres_generate, regions_generate
from centres.models import Centre, Region, User
from centres.selectors import centre_counts_changed
from config.bulkload import (
    LoadStats,
    ProgressHook,
    indexes_built_after,
    sequences_reset,
    tables_vacuumed,
)
from dashboards import sql
from dashboards.models import DailyStat, DueStat, RollupState
from dashboards.rollups import rollups_rebuild
from demonstration.generation import designations_generate as designations_load
from demonstration.generation import targets_generate
from demonstration.models import Designation
from teams.generation import TEAM_MODELS
from teams.generation import teams_generate as teams_load
from veterans.generation import (
    veterans_count,
    veterans_generate,
    visits_count,
    visits_generate,
)
from veterans.models import Veteran, Visit

GENERATOR_USERNAME = "national-generator"

Log = Callable[[str], None]
ProgressFactory = Callable[[str, int | None], tuple[ProgressHook, Callable[[], None]]]


@dataclass(frozen=True)
class GenerationPlan:
    scale: float
    seed: int = 1
    until: datetime.date | None = None  # visits end the day before; default today
    counties: int | None = None  # keep only this many counties (tests)
    rollups: bool = True  # rebuild the dashboards' rollups from the generated rows


@dataclass
class GenerationContext:
    """What one step hands to the next: the tree, each veteran's village, the staff user."""

    plan: GenerationPlan
    until: datetime.date
    tree: RegionTree = field(default_factory=RegionTree)
    homes: array[int] = field(default_factory=lambda: array("i"))
    recorded_by_id: int = 0


@dataclass
class GenerationReport:
    plan: GenerationPlan
    tables: list[LoadStats]
    seconds: float
    peak_memory_mb: float
    counts: dict[str, int]
    notes: list[str]
    rollups: LoadStats | None = None  # after the load, not counted in its rate

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)

    def as_dict(self) -> dict[str, Any]:
        return {
            "scale": self.plan.scale,
            "seed": self.plan.seed,
            "counties": self.plan.counties,
            "tables": [t.as_dict() for t in
                       [*self.tables, *([self.rollups] if self.rollups else [])]],
            "rows": self.rows,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows / self.seconds) if self.seconds else 0,
            "peak_memory_mb": round(self.peak_memory_mb, 1),
            "counts": self.counts,
            "notes": self.notes,
            "rollups_seconds": round(self.rollups.seconds, 3) if self.rollups else None,
        }


# The tables the generator fills, children first (the order in which to empty them).
GENERATED_MODELS: list[type[models.Model]] = [
    *TEAM_MODELS, CaseEvent, Case.veterans.through, Case, CaseCounter, Designation,
    Visit, Veteran, Centre, Region,
]


def peak_memory_mb() -> float:
    """The peak resident memory of this process (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generated_tables_empty() -> bool:
    return not any(model._default_manager.exists() for model in GENERATED_MODELS)


def dependent_models() -> list[type[models.Model]]:
    """The models whose rows hang on generated ones (a case on a visit, a designation on
    a centre, a target snapshot on a region), found through their foreign keys. The
    user model is not one: users point at regions, but nobody generates them."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    targets: set[type[models.Model]] = set(GENERATED_MODELS)
    found: list[type[models.Model]] = []
    grown = True
    while grown:
        grown = False
        for model in apps.get_models(include_auto_created=True):
            if model in targets or model is user_model:
                continue
            if any(f.concrete and (f.many_to_one or f.one_to_one) and f.related_model in targets
                   for f in model._meta.get_fields()):
                targets.add(model)
                found.append(model)
                grown = True
    return found


def generated_data_delete() -> None:
    """Empty the generated tables and every table that hangs on them (regions last).
    Refuses, with the database's message, when a user's jurisdiction is a generated
    region."""
    sql.generated_tables_empty(
        [m for m in [*reversed(dependent_models()), *GENERATED_MODELS] if m is not Region],
        regions=Region,
    )
    # The rollups and the cached centre counts were computed from the rows just deleted.
    DailyStat.objects.all().delete()
    DueStat.objects.all().delete()
    RollupState.objects.all().delete()
    centre_counts_changed()


def generator_user() -> User:
    """The staff member who "recorded" the synthetic visits; nobody can log in as it."""
    user, created = User.objects.get_or_create(
        username=GENERATOR_USERNAME,
        defaults={"role": User.Role.STAFF, "is_active": False, "region": None},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def cases_generate(ctx: GenerationContext, *, progress: ProgressFactory) -> list[LoadStats]:
    """1,000,000 x scale dispute cases over the last two years, with their events and
    the number counters (`cases.generation`)."""
    total = cases_count(scale=ctx.plan.scale, tree=ctx.tree)
    hook, close = progress("cases", total)
    events_hook, events_close = progress("case events", None)
    try:
        return cases_load(seed=ctx.plan.seed, tree=ctx.tree, total=total, until=ctx.until,
                          homes=ctx.homes, by_id=ctx.recorded_by_id, progress=hook,
                          events_progress=events_hook)
    finally:
        close()
        events_close()


def designations_generate(ctx: GenerationContext, *, progress: ProgressFactory) -> list[LoadStats]:
    """Designations of demonstration centres, most of them in model regions
    (`demonstration.generation`); the target snapshots follow the load (`targets_generate`)."""
    hook, close = progress("designations", None)
    try:
        return [designations_load(seed=ctx.plan.seed, tree=ctx.tree, until=ctx.until,
                                  by_id=ctx.recorded_by_id, progress=hook)]
    finally:
        close()


def teams_generate(ctx: GenerationContext, *, progress: ProgressFactory) -> list[LoadStats]:
    """The 兵支书 roster, volunteer and shock teams, members and service records
    (`teams.generation`)."""
    hook, close = progress("service records", None)
    try:
        return teams_load(seed=ctx.plan.seed, tree=ctx.tree, homes=ctx.homes, until=ctx.until,
                          by_id=ctx.recorded_by_id, progress=hook)
    finally:
        close()


def national_generate(
    plan: GenerationPlan, *, log: Log, progress: ProgressFactory, reset: bool = False
) -> GenerationReport:
    """Generate the whole data set into empty tables (or emptied ones, with `reset`)."""
    if not generated_tables_empty():
        if not reset:
            raise ValueError(
                "The database already holds regions, centres, veterans or visits; "
                "generate into an empty database, or pass --reset to delete them first."
            )
        log("Deleting the generated tables' rows ...")
        generated_data_delete()
    started = time.perf_counter()
    ctx = GenerationContext(plan=plan, until=plan.until or datetime.date.today())
    ctx.recorded_by_id = generator_user().pk
    tables: list[LoadStats] = []
    notes: list[str] = []
    loaded = [m._meta.db_table for m in reversed(GENERATED_MODELS)]
    with indexes_built_after(loaded, timings=tables):
        hook, close = progress("regions", None)
        tables.append(regions_generate(seed=plan.seed, scale=plan.scale, tree=ctx.tree,
                                       counties=plan.counties, progress=hook))
        close()
        log(_line(tables[-1]))
        tables.append(centres_generate())
        log(_line(tables[-1]))
        veterans = veterans_count(scale=plan.scale, tree=ctx.tree)
        hook, close = progress("veterans", veterans)
        tables.append(veterans_generate(seed=plan.seed, tree=ctx.tree, total=veterans,
                                        until=ctx.until, homes=ctx.homes, progress=hook))
        close()
        log(_line(tables[-1]))
        visits = visits_count(scale=plan.scale, tree=ctx.tree, veterans=veterans)
        hook, close = progress("visits", visits)
        tables.append(visits_generate(seed=plan.seed, tree=ctx.tree, total=visits,
                                      until=ctx.until, homes=ctx.homes,
                                      recorded_by_id=ctx.recorded_by_id, progress=hook))
        close()
        log(_line(tables[-1]))
        for step in (cases_generate, designations_generate, teams_generate):
            for produced in step(ctx, progress=progress):
                tables.append(produced)
                log(_line(produced))
        log("Building indexes and foreign keys, then VACUUM ANALYZE ...")
    log(_line(tables[-1]))
    sequences_reset([m for m in GENERATED_MODELS if m is not Region])
    centre_counts_changed()
    tables.append(targets_generate(year=ctx.until.year))
    log(_line(tables[-1]))
    loaded_seconds = time.perf_counter() - started
    rollups = None
    if plan.rollups:
        log("Rebuilding the dashboards' rollups from the raw rows ...")
        rollup_started = time.perf_counter()
        written = rollups_rebuild()
        tables_vacuumed([DailyStat._meta.db_table, DueStat._meta.db_table])
        rollups = LoadStats(f"{DailyStat._meta.db_table} (rollups_rebuild, after the load)",
                            written, time.perf_counter() - rollup_started)
        log(_line(rollups))
    else:
        notes.append("rollups not rebuilt (--no-rollups): run manage.py rollups_rebuild")
    counts = {level: ctx.tree.levels[level] for level in
              ("province", "city", "county", "township", "village")}
    return GenerationReport(
        plan=plan, tables=tables, seconds=loaded_seconds,
        peak_memory_mb=peak_memory_mb(), counts=counts, notes=notes, rollups=rollups,
    )


def _line(stats: LoadStats) -> str:
    if not stats.rows:
        return f"{stats.table}: {stats.seconds:.1f} s"
    return (f"{stats.table}: {stats.rows:,} rows in {stats.seconds:.1f} s "
            f"({stats.rows_per_second:,.0f} rows/s)")
