"""The layout of a sweep's results folder, and the checks that find it damaged.

A damaged ledger (unreadable, emptied, a table gone), a damaged part (missing,
truncated, copied over another) and runs with KPIs no run can have are each
named here, so resume and export say what was found and what runs again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

from cxsim.core.errors import bounded

LEDGER = "ledger.sqlite"
PARTS = "timeseries"
LOCK = ".lock"
SWEEP_COPY = "sweep.toml"


def kpi_column(name: str) -> str:
    """The ledger's column of a KPI, quoted for SQL."""
    return f'"kpi_{name}"'


def reason(exc: BaseException) -> str:
    """Why an operation failed, in a few words (the system's reason where there is one)."""
    return getattr(exc, "strerror", None) or bounded(exc)


def connect(path: Path, readonly: bool = False) -> sqlite3.Connection:
    """A connection to a ledger: read-only, or for writing in WAL mode (transactions begun explicitly)."""
    if readonly:
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None, timeout=30)
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """A transaction: committed when the block ends, rolled back when it raises."""
    conn.execute("BEGIN")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # SQLite ends it itself on some errors, such as a full disk
            with suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        raise


NEVER_UNDEFINED = ("customers", "active", "revenue", "profit", "npv", "terminal_value", "value")
"""KPIs every run defines (the ratios are undefined, NULL, when nobody is there to divide by)."""


def bad_kpi_runs(conn: sqlite3.Connection, kpis: list[str]) -> list[str]:
    """Run ids of finished runs with an infinite KPI, or none where the KPI is never undefined."""
    if not kpis:
        return []
    tests = [f"ABS({kpi_column(k)}) > 1e308" for k in kpis] + [f"{kpi_column(k)} IS NULL" for k in kpis if k in NEVER_UNDEFINED]
    return [r[0] for r in conn.execute(f"SELECT run_id FROM runs WHERE status = 'done' AND ({' OR '.join(tests)}) "
                                       "ORDER BY seq")]


def ledger_damage(ledger: Path) -> str:
    """Why an existing ledger cannot be used ("" when it is sound or absent)."""
    if not ledger.exists():
        return ""
    try:
        with closing(connect(ledger, readonly=True)) as conn:
            verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:  # locked: in use by a sweep, not damaged
        return "" if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc) else bounded(exc)
    return bounded(verdict) if verdict != "ok" else ledger_shape(ledger)


TABLES = ("meta", "points", "tasks", "runs")


def ledger_shape(ledger: Path) -> str:
    """Why a readable ledger does not hold a sweep it should ("" when it holds one, or when none was begun).

    A ledger with no tables is a sweep whose plan was never saved, unless the folder shows it was
    (its copy of the sweep file or its weekly parts): then it was emptied.
    """
    with closing(connect(ledger, readonly=True)) as conn:
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall()) if "meta" in tables else {}
        except sqlite3.Error as exc:
            return bounded(exc)
    begun = (ledger.parent / SWEEP_COPY).exists() or any((ledger.parent / PARTS).glob("*.parquet"))
    if not tables or ("meta" in tables and "fingerprint" not in meta and set(tables) <= set(TABLES)):
        return "it holds no sweep, yet the folder has the sweep's files: it was emptied" if begun else ""
    missing = [t for t in TABLES if t not in tables]
    if missing:
        return f"its table{'s' * (len(missing) > 1)} {', '.join(missing)} {'are' if len(missing) > 1 else 'is'} missing"
    return "its record of the sweep is missing" if begun and "fingerprint" not in meta else ""


def set_aside(ledger: Path) -> Path:
    """Move a damaged ledger (and its WAL files) out of the way, under a new name; return that name."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    kept = ledger.with_name(f"{ledger.name}.damaged-{stamp}")
    ledger.replace(kept)
    for extra in ("-wal", "-shm"):
        side = ledger.with_name(ledger.name + extra)
        if side.exists():
            side.replace(kept.with_name(kept.name + extra))
    return kept


def part_damage(path: Path, run_ids: set[str]) -> str:
    """Why a Parquet part cannot be read back ("" when it can): missing, truncated, not Parquet, damaged
    inside, or not holding the runs the ledger says it holds (another part copied over it)."""
    import pyarrow.parquet as pq

    if not path.is_file():
        return "missing"
    try:
        table = pq.read_table(path)  # every column: damage in the middle of a part is found here, not at export
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError, ArrowIOError an OSError
        return f"unreadable ({bounded(exc, 80)})"
    held = set(table.column("run_id").to_pylist()) if "run_id" in table.column_names else set()
    lost = len(run_ids - held)
    return f"not the part the ledger wrote ({lost} of its {len(run_ids)} runs are not in it)" if lost else ""
