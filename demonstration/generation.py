"""Synthetic demonstration-centre designations, for `generate_national`.

The model regions themselves (`Region.model_year` on about 10% of cities and
counties, years 2017/2021/2025) are drawn by `centres.generation` with the
tree; they are read back here with one query. About 55% of the eligible
centres (county and township centres) inside a model region are designated,
and about 8% of those outside; each designation is named in a year from a few
years before the region became a model region up to this year, a few are
revoked since. They are loaded as imported lists (source `imported`). The
target snapshots are then computed by the room's own service,
`target_snapshots_recompute`, once the indexes are back.
"""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Iterator
from typing import Any

from centres import codes as region_codes
from centres.generation import RegionTree
from centres.models import Region
from config.bulkload import LoadStats, ProgressHook, load_rows
from demonstration.models import Designation, TargetSnapshot
from demonstration.services import target_snapshots_recompute

SHARE_IN_MODEL_REGIONS = 0.55
SHARE_ELSEWHERE = 0.08
REVOKED_SHARE = 0.03
FIRST_YEAR = 2015
GRADES = {"county": (("national", 20), ("provincial", 50), ("city", 30)),
          "township": (("national", 5), ("provincial", 35), ("city", 60))}

DESIGNATION_COLUMNS = [
    "id", "centre_id", "region_id", "year", "grade", "source", "assessment_id", "created_at",
    "revoked_on", "revoke_reason", "revoked_by_id",
]


def model_region_years() -> dict[str, int]:
    """The model regions' code prefixes (4 digits for a city, 6 for a county) and years."""
    rows = (Region.objects.exclude(model_year=None).filter(level__in=["city", "county"])
            .values_list("code", "model_year"))
    return {region_codes.prefix_of(code): year for code, year in rows if year is not None}


def designation_rows(
    *, seed: int, tree: RegionTree, until: datetime.date, models: dict[str, int], by_id: int,
) -> Iterator[tuple[Any, ...]]:
    """Designations of county and township centres, in code order, ids from 1."""
    rng = random.Random(f"{seed}/designations")
    r = rng.random
    this_year = until.year
    grades = {level: [g for g, w in weights for _ in range(w)]
              for level, weights in GRADES.items()}
    designation_id = 0
    for index, code in enumerate(tree.codes):
        if code[9:] != "000":
            continue  # a village
        level = region_codes.level_of(code)
        if level not in grades:
            continue
        model_year = models.get(code[:6]) or models.get(code[:4])
        share = SHARE_IN_MODEL_REGIONS if model_year is not None else SHARE_ELSEWHERE
        if r() >= share:
            continue
        earliest = max(FIRST_YEAR, (model_year or this_year) - 3)
        year = min(earliest + int(r() * (this_year - earliest + 1)), this_year)
        revoked_on = reason = revoked_by = None
        if r() < REVOKED_SHARE and year < this_year:
            revoked_on = datetime.date(year + 1 + int(r() * (this_year - year)), 6, 30)
            if revoked_on >= until:
                revoked_on = until - datetime.timedelta(days=1)
            reason, revoked_by = "复核不达标，撤销命名", by_id
        designation_id += 1
        pick = grades[level]
        yield (
            designation_id, index + 1, code, year, pick[int(r() * len(pick))], "imported", None,
            f"{year}-12-{10 + int(r() * 18):02d} 10:00:00+08:00", revoked_on, reason or "",
            revoked_by,
        )


def designations_generate(
    *, seed: int, tree: RegionTree, until: datetime.date, by_id: int,
    progress: ProgressHook | None = None,
) -> LoadStats:
    return load_rows(
        Designation, DESIGNATION_COLUMNS,
        designation_rows(seed=seed, tree=tree, until=until, models=model_region_years(),
                         by_id=by_id),
        progress=progress,
    )


def targets_generate(*, year: int) -> LoadStats:
    """Today's target snapshots of every model region, by the room's own service (it needs
    the unique constraints, so it runs after they are rebuilt)."""
    started = time.perf_counter()
    snapshots = target_snapshots_recompute(year=year)
    return LoadStats(f"{TargetSnapshot._meta.db_table} (target_snapshots_recompute)",
                     len(snapshots), time.perf_counter() - started)
