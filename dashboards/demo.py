"""Demo data for dashboards: the rollups of whatever the other rooms seeded."""

from collections.abc import Callable

from dashboards.rollups import rollups_rebuild


def seed(log: Callable[[str], None]) -> None:
    log(f"rollup rows: {rollups_rebuild()}")
