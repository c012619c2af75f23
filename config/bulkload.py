"""Bulk loading for generated data sets: PostgreSQL COPY, plain batched inserts elsewhere.

Rows arrive as tuples from a generator and leave in batches, so memory stays the
same whatever the number of rows. Columns a generator does not supply are filled
with the model field's default, computed once per table: a field added to a
model later (with a default) does not break the generator.

Used by the per-room generators (`centres.generation`, `veterans.generation`, ...)
that `generate_national` drives; nothing here knows about any room. Written SQL
(COPY, INSERT … SELECT, deferred index DDL) because the ORM's bulk_create is several
times slower at this volume: bench/bulkload_vs_orm.py, bench/results/bulkload_vs_orm.md.
"""

from __future__ import annotations

import datetime
import io
import itertools
import queue
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection, connections, models, transaction
from django.utils import timezone

COPY_BATCH_ROWS = 100_000
# Secondary indexes are built on this many connections at once (one per core of
# the 2-core machines the benchmark is sized for), each sorting in memory.
INDEX_BUILDERS = 2
INDEX_BUILD_MEMORY = "1GB"
INSERT_BATCH_ROWS = 5_000
PROGRESS_EVERY = 5_000

ProgressHook = Callable[[int], None]


@dataclass
class LoadStats:
    table: str
    rows: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "rows": self.rows,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows_per_second),
        }


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _field_by_column(model: type[models.Model]) -> dict[str, models.Field[Any, Any]]:
    return {f.column: f for f in model._meta.concrete_fields}


def missing_defaults(model: type[models.Model], columns: Sequence[str]) -> dict[str, Any]:
    """A value for every column the generator leaves out, or an error naming the column."""
    values: dict[str, Any] = {}
    for column, field in _field_by_column(model).items():
        if column in columns or field.primary_key:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            values[column] = timezone.now()
        elif field.has_default():
            values[column] = field.get_default()
        elif field.null:
            values[column] = None
        elif field.blank and isinstance(field, models.CharField | models.TextField):
            values[column] = ""
        else:
            raise ValueError(
                f"{model._meta.label}.{field.name} has no default: teach its generator to fill it."
            )
    return values


# --- PostgreSQL COPY text format -------------------------------------------------

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    """One value in COPY's text format; the common cases first (this is the hot loop)."""
    if type(value) is str:
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_ESCAPES)
        return value
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime.date):  # dates and datetimes (with their offset)
        return value.isoformat()
    if isinstance(value, str):
        return _copy_text(str(value))
    return str(value)


def copy_lines(rows: Iterable[Sequence[Any]], progress: ProgressHook | None, *,
               plain: bool = False, suffix: str = "") -> Iterator[str]:
    """COPY text lines. `plain` rows hold only str, int, bool and date values, none of
    them None and no string with a tab, newline or backslash: `str()` renders them
    (PostgreSQL reads `True`/`False`), at a third of the cost. `suffix` is appended
    to every line (the defaulted columns, rendered once)."""
    count = 0
    end = f"{suffix}\n"
    for row in rows:
        if plain:
            yield "\t".join(map(str, row)) + end
        else:
            yield "\t".join([_copy_text(v) for v in row]) + end
        count += 1
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(PROGRESS_EVERY)
    if progress is not None and count % PROGRESS_EVERY:
        progress(count % PROGRESS_EVERY)


class LineReader(io.TextIOBase):
    """A file-like object over an iterator of text lines, for `copy_expert`."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self._pending = ""

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:
        limit = size if size is not None and size >= 0 else None
        parts = [self._pending]
        length = len(self._pending)
        while limit is None or length < limit:
            line = next(self._lines, None)
            if line is None:
                break
            parts.append(line)
            length += len(line)
        text = "".join(parts)
        if limit is None:
            self._pending = ""
            return text
        self._pending = text[limit:]
        return text[:limit]


def _copy(table: str, columns: Sequence[str], lines: Iterator[str]) -> None:
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN"
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(sql, LineReader(lines), size=1 << 16)


def _create(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]],
            progress: ProgressHook | None) -> None:
    """The ORM's `bulk_create` in batches: the path for databases without COPY (SQLite)."""
    fields = _field_by_column(model)
    names = [fields[c].attname for c in columns]
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, INSERT_BATCH_ROWS)):
        model._default_manager.bulk_create(
            [model(**dict(zip(names, row, strict=True))) for row in batch]
        )
        if progress is not None:
            progress(len(batch))


def load_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    progress: ProgressHook | None = None,
    plain: bool = False,
) -> LoadStats:
    """Load rows (tuples in `columns` order) into the model's table; return the timing.

    PostgreSQL: one `COPY ... FROM STDIN` per batch of COPY_BATCH_ROWS, each fed by
    a generator-backed file-like object. Other databases: the ORM's `bulk_create`.
    `plain`: the rows keep the promise described in `copy_lines`.
    """
    defaults = missing_defaults(model, columns)
    all_columns = [*columns, *defaults]
    counted = 0

    def counting(source: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
        nonlocal counted
        for row in source:
            counted += 1
            yield row

    started = time.perf_counter()
    source = counting(rows)
    if is_postgresql():
        suffix = "".join(f"\t{_copy_text(v)}" for v in defaults.values())
        while True:
            before = counted
            with transaction.atomic():
                # The batch streams from the generator into COPY: never a list in memory.
                batch = itertools.islice(source, COPY_BATCH_ROWS)
                _copy(model._meta.db_table, all_columns,
                      copy_lines(batch, progress, plain=plain, suffix=suffix))
            if counted - before < COPY_BATCH_ROWS:
                break
    else:
        extra = tuple(defaults.values())
        with transaction.atomic():
            _create(model, all_columns, ((*row, *extra) for row in source), progress)
    return LoadStats(model._meta.db_table, counted, time.perf_counter() - started)


def insert_select(model: type[models.Model], columns: Sequence[str], select_sql: str) -> LoadStats:
    """`INSERT INTO table (columns, defaults...) SELECT ...`: rows derived in the database.

    The SELECT produces `columns` in order and marks with `{defaults}` where the
    defaulted columns' values (query parameters) follow in its select list. It
    takes no parameters of its own: constants are written as SQL literals.
    """
    defaults = missing_defaults(model, columns)
    quoted = ", ".join(connection.ops.quote_name(c) for c in [*columns, *defaults])
    sql = (f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({quoted}) "
           + select_sql.replace("{defaults}", "".join(", %s" for _ in defaults)))
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [
            _field_by_column(model)[c].get_db_prep_save(v, connection) for c, v in defaults.items()
        ])
        count = cursor.rowcount
    return LoadStats(model._meta.db_table, count, time.perf_counter() - started)


# --- Secondary indexes and foreign keys, built after loading ---------------------


@dataclass
class DeferredDDL:
    table: str
    drop: list[str]
    create: list[str]


def _postgresql_deferrable(table: str) -> DeferredDDL:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') "
            "ORDER BY contype = 'f', conname",
            [table],
        )
        constraints = cursor.fetchall()  # unique constraints first, then foreign keys
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE schemaname = current_schema() AND tablename = %s AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass "
            "AND contype IN ('p', 'u', 'x')) ORDER BY indexname",
            [table, table],
        )
        indexes = cursor.fetchall()
    q = connection.ops.quote_name
    return DeferredDDL(
        table=table,
        drop=[f"ALTER TABLE {q(table)} DROP CONSTRAINT {q(name)}" for name, _ in constraints]
        + [f"DROP INDEX {q(name)}" for name, _ in indexes],
        create=[definition for _, definition in indexes]
        + [f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} {definition}"
           for name, definition in constraints],
    )


def _sqlite_deferrable(table: str) -> DeferredDDL:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
            "AND sql IS NOT NULL ORDER BY name",
            [table],
        )
        indexes = cursor.fetchall()
    q = connection.ops.quote_name
    return DeferredDDL(
        table=table,
        drop=[f"DROP INDEX {q(name)}" for name, _ in indexes],
        create=[sql for _, sql in indexes],
    )


@contextmanager
def indexes_built_after(
    tables: Sequence[str], *, timings: list[LoadStats] | None = None
) -> Iterator[None]:
    """Drop the secondary indexes (and, on PostgreSQL, the unique constraints and
    foreign keys) of the tables, run the load, then build them again, one pass each,
    and VACUUM ANALYZE. On PostgreSQL outside a transaction, INDEX_BUILDERS connections
    build the indexes and unique constraints at once.

    Primary keys stay. A rebuilt unique constraint or foreign key checks every row,
    so a generator that broke one fails loudly at the end instead of row by row.
    The DDL is restored even if the load fails.
    """
    with connection.cursor() as cursor:
        if is_postgresql():
            # Pending deferred checks would forbid ALTER TABLE in this transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        plans = [
            _postgresql_deferrable(t) if is_postgresql() else _sqlite_deferrable(t) for t in tables
        ]
        for plan in plans:
            for statement in plan.drop:
                cursor.execute(statement)
    try:
        yield
    finally:
        started = time.perf_counter()
        if is_postgresql() and not connection.in_atomic_block:
            ordered = [s for p in _largest_first(plans) for s in p.create]
            _build_at_once([s for s in ordered if not _is_foreign_key(s)]
                           + [s for s in ordered if _is_foreign_key(s)])
        else:
            _build_in_turn([s for p in plans for s in p.create])
        tables_vacuumed(tables)
        if timings is not None:
            statements = sum(len(p.create) for p in plans)
            timings.append(LoadStats(f"indexes, keys, VACUUM ANALYZE ({statements} statements)",
                                     0, time.perf_counter() - started))


def tables_vacuumed(tables: Sequence[str]) -> None:
    """VACUUM ANALYZE freshly loaded tables (ANALYZE alone inside a transaction).

    ANALYZE gives the planner the tables' sizes; VACUUM also marks their pages
    all-visible, without which a COUNT over an index still reads every row from
    the heap (the measured difference is in docs/scaling.md).
    """
    vacuum = is_postgresql() and not connection.in_atomic_block
    with connection.cursor() as cursor:
        for table in tables:
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"VACUUM (ANALYZE) {quoted}" if vacuum else f"ANALYZE {quoted}")


def _largest_first(plans: Sequence[DeferredDDL]) -> list[DeferredDDL]:
    """The biggest tables' builds start first, so the builders finish together."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, pg_relation_size(oid) FROM pg_class WHERE relname = ANY(%s)",
            [[plan.table for plan in plans]],
        )
        size = dict(cursor.fetchall())
    return sorted(plans, key=lambda plan: -size.get(plan.table, 0))


def _is_foreign_key(statement: str) -> bool:
    return " FOREIGN KEY " in statement


def _build_in_turn(statements: Sequence[str]) -> None:
    with connection.cursor() as cursor:
        if is_postgresql():
            cursor.execute(f"SET maintenance_work_mem = '{INDEX_BUILD_MEMORY}'")
        for statement in statements:
            cursor.execute(statement)


def _build_at_once(statements: Sequence[str]) -> None:
    """The statements, in order, on INDEX_BUILDERS connections of their own.

    Two builders at most wait for each other, never in a circle: an index locks
    one table, a foreign key its table and then the table it references, and
    references run one way (no two tables reference each other). The caller must
    not hold a transaction: the builders would wait on its locks.
    """
    pending: queue.SimpleQueue[str] = queue.SimpleQueue()
    for statement in statements:
        pending.put(statement)
    alias = connection.alias

    def builder() -> None:
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute(f"SET maintenance_work_mem = '{INDEX_BUILD_MEMORY}'")
                while True:
                    try:
                        statement = pending.get_nowait()
                    except queue.Empty:
                        return
                    cursor.execute(statement)
        finally:
            connections[alias].close()

    with ThreadPoolExecutor(INDEX_BUILDERS) as pool:
        for done in [pool.submit(builder) for _ in range(INDEX_BUILDERS)]:
            done.result()


def sequences_reset(model_list: Sequence[type[models.Model]]) -> None:
    """After loading explicit ids, the next id the database hands out follows them."""
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), list(model_list))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
