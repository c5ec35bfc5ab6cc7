"""The layout of a sweep's results folder, and the checks that find it damaged.

A damaged ledger (unreadable, emptied, a table gone), a damaged part (missing,
truncated, copied over another) and runs with KPIs no run can have are each
named here, so resume and export say what was found and what runs again.
"""

from __future__ import annotations

import sqlite3
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


def rollback(conn: sqlite3.Connection) -> None:
    """Roll back if a transaction is still open (SQLite ends it itself on some errors, such as a full disk)."""
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass


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
        conn = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True, timeout=30)
        try:
            verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc):
            return ""
        return bounded(exc)
    except sqlite3.DatabaseError as exc:
        return bounded(exc)
    if verdict != "ok":
        return bounded(verdict)
    return ledger_shape(ledger)


TABLES = ("meta", "points", "tasks", "runs")


def ledger_shape(ledger: Path) -> str:
    """Why a readable ledger does not hold a sweep it should ("" when it holds one, or when none was begun).

    A ledger with no tables is a sweep whose plan was never saved, unless the folder shows it was
    (its copy of the sweep file or its weekly parts): then it was emptied.
    """
    conn = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True, timeout=30)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall()) if "meta" in tables else {}
    except sqlite3.Error as exc:
        return bounded(exc)
    finally:
        conn.close()
    begun = (ledger.parent / SWEEP_COPY).exists() or any((ledger.parent / PARTS).glob("*.parquet"))
    if not tables or ("meta" in tables and "fingerprint" not in meta and set(tables) <= set(TABLES)):
        return "it holds no sweep, yet the folder has the sweep's files: it was emptied" if begun else ""
    missing = [t for t in TABLES if t not in tables]
    if missing:
        return f"its table{'s' * (len(missing) > 1)} {', '.join(missing)} {'are' if len(missing) > 1 else 'is'} missing"
    if "fingerprint" not in meta:
        return "" if not begun else "its record of the sweep is missing"
    return ""


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


def part_damage(path: Path, run_ids: set[str] | None = None) -> str:
    """Why a Parquet part cannot be read back ("" when it can): missing, truncated, not Parquet, damaged
    inside, or not holding the runs the ledger says it holds (another part copied over it)."""
    import pyarrow.parquet as pq

    if not path.is_file():
        return "missing"
    try:
        table = pq.read_table(path)  # every column: damage in the middle of a part is found here, not at export
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError, ArrowIOError an OSError
        return f"unreadable ({bounded(exc, 80)})"
    if run_ids is not None:
        held = set(table.column("run_id").to_pylist()) if "run_id" in table.column_names else set()
        lost = len(run_ids - held)
        if lost:
            return f"not the part the ledger wrote ({lost} of its {len(run_ids)} runs are not in it)"
    return ""
