"""The results folder of a sweep: a SQLite ledger and Parquet parts, safe to kill at any moment.

``DIR/ledger.sqlite`` (WAL) holds the sweep (its fingerprint and design), one
row per run with its status, attempts, error and KPIs, and which run belongs to
which (point, variant, replication). ``DIR/timeseries/part-NNNNNN.parquet``
hold weekly metrics, a batch of runs per part. A batch is made durable in two
steps: the part is written under a temporary name and renamed, then the runs
are marked done in one transaction. A kill between the two leaves an orphan
part that no run points to; it is ignored when reading and removed on resume,
and its runs run again. Only the sweep's process writes; a lock file keeps a
second one out.
"""

from __future__ import annotations

import fcntl
import itertools
import json
import os
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from cxsim.core.errors import UserError, bounded, plain
from cxsim.core.outputs import write_table, write_text
from cxsim.core.version import __version__
from cxsim.scenario import flatten
from cxsim.sweep.design import UNIT
from cxsim.sweep.folder import (
    LEDGER,
    LOCK,
    PARTS,
    SWEEP_COPY,
    TABLES,
    bad_kpi_runs,
    connect,
    kpi_column,
    ledger_damage,
    part_damage,
    reason,
    set_aside,
    transaction,
)
from cxsim.sweep.spec import SweepSpec
from cxsim.sweep.tasks import Run, plan
from cxsim.sweep.worker import Output

FLUSH_RUNS = 256      # write a batch when this many runs are waiting
FLUSH_SECONDS = 1.0   # or when the oldest has waited this long
PAGE = 512            # pending runs read from the ledger at a time


def _meta(conn: sqlite3.Connection) -> dict[str, str]:
    try:
        return dict(conn.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.OperationalError:
        return {}


def _counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Runs by status (pending, done, failed)."""
    counts = {"pending": 0, "done": 0, "failed": 0}
    counts.update(dict(conn.execute("SELECT status, COUNT(*) FROM runs GROUP BY status").fetchall()))
    return counts


def _runs_by_part(conn: sqlite3.Connection) -> dict[str, set[str]]:
    """The finished runs each weekly part holds, as the ledger says."""
    runs_of: dict[str, set[str]] = {}
    for part, run_id in conn.execute("SELECT part, run_id FROM runs WHERE status = 'done' AND part IS NOT NULL"):
        runs_of.setdefault(part, set()).add(run_id)
    return runs_of


def _differences(old: dict[str, Any], new: dict[str, Any], limit: int = 4) -> str:
    """The keys that differ between two saved sweeps, in words."""
    a, b = flatten(old), flatten(new)
    lines = []
    for key in sorted(set(a) | set(b)):
        if key in ("tables.sweep.retries", "tables.sweep.scenario", "source") or a.get(key) == b.get(key):
            continue
        where = key.replace("tables.", "", 1) if key.startswith("tables.") else (
            "scenario " + key.split(".", 2)[-1] + f" (variant {key.split('.')[1]!r})")
        lines.append(f"{where}: {a.get(key, '(absent)')!r} -> {b.get(key, '(absent)')!r}")
    more = f", and {len(lines) - limit} more" if len(lines) > limit else ""
    return "; ".join(lines[:limit]) + more


class Store:
    """The open results folder of a running sweep (one writer, guarded by a lock)."""

    def __init__(self, out: Path, conn: sqlite3.Connection, lock: int, kpis: list[str], notes: list[str] | None = None) -> None:
        self.out = out
        self.conn = conn
        self._lock = lock
        self.kpis = kpis
        self._done: list[tuple[Output, int]] = []
        self._failed: list[tuple[Run, str]] = []
        self._since = time.monotonic()
        self.notes: list[str] = list(notes or [])
        self._next_part = self._clean_parts()
        self._check_parts()

    # -- opening ------------------------------------------------------------------
    @classmethod
    def open(cls, out: str | Path, spec: SweepSpec, design: pd.DataFrame, sweep_text: str | None = None) -> Store:
        """Open ``out`` for ``spec``: create it, or resume it if it holds the same sweep.

        Raises:
            UserError: ``out`` holds another sweep (the file changed), other files,
                or another sweep process is writing to it.
        """
        out = Path(out)
        if out.exists() and not out.is_dir():
            raise UserError(f"{out}: expected a folder for the sweep's results, found a file")
        ledger = out / LEDGER
        if out.is_dir() and not ledger.exists() and any(p.name != LOCK for p in out.iterdir()):
            raise UserError(f"{out}: the folder holds other files and no sweep ledger; "
                            "give --out a new or empty folder")
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"{bounded(out)}: cannot create the results folder ({exc.strerror})") from None
        lock = _lock(out)
        notes = []
        try:
            damage = ledger_damage(ledger)
            if damage:
                kept = set_aside(ledger)
                notes.append(f"{ledger} was damaged ({damage}); it was moved to {kept.name} and the sweep starts "
                             "over: every run is run again")
            conn = connect(ledger)
            meta = _meta(conn)
            if "fingerprint" not in meta:
                _create(conn, spec, design)
                (out / PARTS).mkdir(exist_ok=True)
                if sweep_text is not None:
                    write_text(out / SWEEP_COPY, sweep_text)
            elif meta["fingerprint"] != spec.fingerprint():
                diff = _differences(json.loads(meta["spec"]), json.loads(spec.to_json()))
                raise UserError(
                    f"{out}: holds the results of a different sweep: {spec.source} (or its scenario) has changed "
                    f"since this folder was started ({diff or 'content differs'}). A sweep resumes only with the "
                    f"file it started with: use a new --out folder, or delete {out} to start over.")
            meta = _meta(conn)
        except sqlite3.Error as exc:
            os.close(lock)
            raise UserError(f"{ledger}: cannot use the sweep ledger ({exc}); free disk space if it is full, "
                            "or move the folder away and run again") from None
        except BaseException:
            os.close(lock)
            raise
        return cls(out, conn, lock, json.loads(meta["kpis"]), notes)

    def _clean_parts(self) -> int:
        """Remove temporary and orphan parts; return the next part number."""
        folder = self.out / PARTS
        folder.mkdir(exist_ok=True)
        used = {r[0] for r in self.conn.execute("SELECT DISTINCT part FROM runs WHERE part IS NOT NULL")}
        last = 0
        for path in folder.iterdir():
            if path.name.endswith((".tmp", ".part")) or (path.suffix == ".parquet" and path.name not in used):
                path.unlink()
                continue
            number = re.fullmatch(r"part-(\d+)\.parquet", path.name)
            if number:
                last = max(last, int(number[1]))
        return last + 1

    def _check_parts(self) -> None:
        """Find parts of finished runs that are missing or unreadable; their runs become pending again."""
        damaged = [(part, len(runs), why) for part, runs in sorted(_runs_by_part(self.conn).items())
                   if (why := part_damage(self.out / PARTS / part, runs))]
        self._check_kpis()
        self._pending_again("part", [part for part, _, _ in damaged])
        for part, runs, why in damaged:
            (self.out / PARTS / part).unlink(missing_ok=True)
            self.notes.append(f"{self.out / PARTS / part} was {why}; its {runs} run{'s' * (runs != 1)} will run again")

    def _check_kpis(self) -> None:
        """Finished runs whose KPIs in the ledger are not finite (or missing where never undefined) run again."""
        bad = bad_kpi_runs(self.conn, self.kpis)
        if not bad:
            return
        self._pending_again("run_id", bad)
        self.notes.append(f"{self.out / LEDGER}: {len(bad)} finished run{'s' * (len(bad) != 1)} had KPIs that are "
                          f"not finite numbers (e.g. {bad[0]}); {'they' if len(bad) != 1 else 'it'} will run again")

    def _pending_again(self, column: str, keys: list[str]) -> None:
        """Runs whose ``column`` is one of ``keys`` become pending again, their results forgotten."""
        if not keys:
            return
        sets = ", ".join(f"{kpi_column(k)} = NULL" for k in self.kpis)
        with transaction(self.conn):
            self.conn.executemany(f"UPDATE runs SET status = 'pending', part = NULL, elapsed = NULL, worker = NULL, "
                                  f"finished = NULL, {sets} WHERE {column} = ?", [(k,) for k in keys])

    # -- reading the plan ----------------------------------------------------------
    def counts(self) -> dict[str, int]:
        """Runs by status (pending, done, failed)."""
        return _counts(self.conn)

    def pending(self) -> Iterator[Run]:
        """Runs not done yet, in plan order, read a page at a time."""
        last = 0
        while True:
            rows = self.conn.execute(
                "SELECT seq, run_id, arm, overrides, replication, seed, first_replication FROM runs "
                "WHERE status != 'done' AND seq > ? ORDER BY seq LIMIT ?", (last, PAGE)).fetchall()
            if not rows:
                return
            for seq, run_id, arm, overrides, replication, seed, first in rows:
                last = seq
                yield Run(run_id, arm, json.loads(overrides), replication, seed, first)

    # -- writing results -------------------------------------------------------------
    def add(self, output: Output, attempts: int = 1) -> None:
        """Keep a finished run's results (written at the next flush); ``attempts``: tries it took."""
        self._done.append((output, attempts))

    def add_failure(self, run: Run, error: str) -> None:
        """Record a run that failed on its last allowed attempt (``run.attempts`` tries this session)."""
        self._failed.append((run, error))

    def maybe_flush(self) -> None:
        """Flush when enough runs wait, or they have waited long enough."""
        waiting = len(self._done) + len(self._failed)
        if waiting >= FLUSH_RUNS or (waiting and time.monotonic() - self._since >= FLUSH_SECONDS):
            self.flush()

    def flush(self) -> None:
        """Write waiting runs: their weekly series as one part, then their ledger rows in one transaction."""
        if not self._done and not self._failed:
            return
        try:
            self._write_batch()
        except (OSError, sqlite3.Error, UserError) as exc:
            raise UserError(f"{self.out}: could not save finished runs ({reason(exc)}); the runs saved before are "
                            "kept: free disk space and run the same command to resume") from None
        self._done.clear()
        self._failed.clear()
        self._since = time.monotonic()

    def _write_batch(self) -> None:
        part = None
        frames = [o.timeseries.assign(run_id=o.run_id) for o, _ in self._done if o.timeseries is not None]
        if frames:
            part = f"part-{self._next_part:06d}.parquet"
            self._next_part += 1
            write_table(pd.concat(frames, ignore_index=True), self.out / PARTS / part)  # Parquet, by the part's name
        now = datetime.now(UTC).isoformat(timespec="seconds")
        sets = ", ".join(f"{kpi_column(k)} = ?" for k in self.kpis)
        try:
            with transaction(self.conn):
                self.conn.executemany(
                    f"UPDATE runs SET status = 'done', attempts = attempts + ?, error = NULL, elapsed = ?, worker = ?, "
                    f"finished = ?, part = ?, {sets} WHERE run_id = ?",
                    [(n, o.elapsed, o.worker, now, part if o.timeseries is not None else None,
                      *(o.kpis[k] for k in self.kpis), o.run_id) for o, n in self._done])
                self.conn.executemany(
                    "UPDATE runs SET status = 'failed', attempts = attempts + ?, error = ?, finished = ? WHERE run_id = ?",
                    [(run.attempts, error, now, run.run_id) for run, error in self._failed])
        except BaseException:
            if part is not None:  # no run points to it: remove it now rather than on resume
                (self.out / PARTS / part).unlink(missing_ok=True)
            raise

    def close(self, flush: bool = True) -> None:
        """Flush (unless told not to: after a failure), then release the folder."""
        try:
            if flush:
                self.flush()
        finally:
            self.conn.close()
            os.close(self._lock)


def _lock(out: Path) -> int:
    """Take the folder's lock (released by the system even when the process is killed)."""
    path = out / LOCK
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)  # never through a planted link
    except OSError as exc:
        raise UserError(f"{path}: cannot open the folder's lock file ({exc.strerror})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
        os.close(fd)
        raise UserError(f"{out}: another `cxsim sweep` (pid {holder}) is writing to this folder; "
                        "wait for it to finish or stop it first") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)
    return fd


def _create(conn: sqlite3.Connection, spec: SweepSpec, design: pd.DataFrame) -> None:
    """Write the sweep's plan in one transaction (a kill part-way leaves nothing to resume from)."""
    kpis = spec.file.outputs.kpis
    names = list(spec.parameters)
    with transaction(conn):
        for table in TABLES:
            conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        conn.execute("CREATE TABLE points (point INTEGER PRIMARY KEY, parameters TEXT, unit TEXT)")
        conn.execute("CREATE TABLE tasks (point INTEGER, arm TEXT, replication INTEGER, run_id TEXT, "
                     "PRIMARY KEY (point, arm, replication))")
        kpi_columns = "".join(f", {kpi_column(k)} REAL" for k in kpis)
        conn.execute(
            "CREATE TABLE runs (seq INTEGER PRIMARY KEY, run_id TEXT UNIQUE NOT NULL, arm TEXT, overrides TEXT, "
            "replication INTEGER, seed INTEGER, first_replication INTEGER, status TEXT NOT NULL DEFAULT 'pending', "
            f"attempts INTEGER NOT NULL DEFAULT 0, error TEXT, elapsed REAL, worker TEXT, finished TEXT, part TEXT"
            f"{kpi_columns})")
        conn.execute("CREATE INDEX runs_status ON runs (status, seq)")
        conn.executemany("INSERT INTO points VALUES (?, ?, ?)", (
            (int(row["point"]), json.dumps({n: plain(row[n]) for n in names}),
             json.dumps([float(row[UNIT + n]) for n in names])) for _, row in design.iterrows()))
        for batch in itertools.batched(plan(spec, design), 10_000):
            conn.executemany("INSERT INTO tasks VALUES (?, ?, ?, ?)",
                             [(point, r.arm, r.replication, r.run_id) for point, r in batch])
            conn.executemany("INSERT OR IGNORE INTO runs (run_id, arm, overrides, replication, seed, first_replication) "
                             "VALUES (?, ?, ?, ?, ?, ?)",
                             [(r.run_id, r.arm, json.dumps(r.overrides), r.replication, r.seed, r.first_replication)
                              for _, r in batch])
        meta = {"fingerprint": spec.fingerprint(), "spec": spec.to_json(), "kpis": json.dumps(kpis),
                "metrics": json.dumps(spec.file.outputs.metrics), "arms": json.dumps(list(spec.arms)),
                "created": datetime.now(UTC).isoformat(timespec="seconds"), "cxsim": __version__}
        conn.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())


# -- reading a results folder ------------------------------------------------------------

def _open_results(out: str | Path) -> sqlite3.Connection:
    ledger = Path(out) / LEDGER
    if not ledger.is_file():
        raise UserError(f"{out}: not a sweep results folder (no {LEDGER}); run `cxsim sweep FILE --out {out}` first")
    damage = ledger_damage(ledger)
    if damage:
        raise UserError(f"{ledger}: the sweep ledger is damaged ({damage}); run the sweep command on {out} again: "
                        "it sets the damaged file aside and runs the sweep again")
    conn = connect(ledger, readonly=True)
    if "fingerprint" not in _meta(conn):
        conn.close()
        raise UserError(f"{out}: the sweep was stopped before its plan was saved; run it again")
    return conn


def read_spec(out: str | Path) -> SweepSpec:
    """The sweep a results folder holds (as it was when the folder was started)."""
    with closing(_open_results(out)) as conn:
        return SweepSpec.from_json(_meta(conn)["spec"])


def status_counts(out: str | Path) -> dict[str, int]:
    """Runs of a results folder by status."""
    with closing(_open_results(out)) as conn:
        return _counts(conn)


def load_design(out: str | Path) -> pd.DataFrame:
    """The design points: ``point``, each parameter's value and its unit coordinate (``u:NAME``)."""
    with closing(_open_results(out)) as conn:
        spec = SweepSpec.from_json(_meta(conn)["spec"])
        rows = conn.execute("SELECT point, parameters, unit FROM points ORDER BY point").fetchall()
    names = list(spec.parameters)
    frame = pd.DataFrame([json.loads(p) for _, p, _ in rows], columns=names)
    frame.insert(0, "point", [r[0] for r in rows])
    unit = pd.DataFrame([json.loads(u) for _, _, u in rows], columns=[UNIT + n for n in names])
    return pd.concat([frame, unit], axis=1)


def load_results(out: str | Path, status: str | None = "done") -> pd.DataFrame:
    """One row per run: run id, point, variant, replication, seed, parameters and KPIs.

    Args:
        out: the sweep's results folder.
        status: ``"done"`` (default) for finished runs only; ``None`` for every run,
            with ``status``, ``attempts`` and ``error`` columns.

    Budget-split parameters also get a column for each scenario key they set.
    A run shared by two design points (the same parameters) appears under both.
    """
    with closing(_open_results(out)) as conn:
        meta = _meta(conn)
        spec = SweepSpec.from_json(meta["spec"])
        kpis = json.loads(meta["kpis"])
        where = "" if status is None else "WHERE r.status = ?"
        query = (f"SELECT t.run_id, t.point, t.arm AS variant, t.replication, r.seed, r.status, r.attempts, r.error, "
                 f"{', '.join('r.' + kpi_column(k) for k in kpis)} FROM tasks t JOIN runs r ON r.run_id = t.run_id {where}")
        bad = bad_kpi_runs(conn, kpis)
        if bad:
            raise UserError(f"{Path(out) / LEDGER}: {len(bad)} finished run{'s' * (len(bad) != 1)} have KPIs that "
                            f"are not finite numbers (e.g. {bad[0]}); run the sweep command on {out} again: it runs "
                            "them again")
        runs = pd.read_sql_query(query, conn, params=() if status is None else (status,))
        points = conn.execute("SELECT point, parameters FROM points").fetchall()
    runs = runs.rename(columns={f"kpi_{k}": k for k in kpis})
    values = pd.DataFrame([{"point": p, **_with_derived(spec, json.loads(v))} for p, v in points])
    frame = runs.merge(values, on="point", how="left") if len(values) else runs
    params = [c for c in values.columns if c != "point"]
    order = {arm: i for i, arm in enumerate(json.loads(meta["arms"]))}
    frame = frame.assign(_arm=frame["variant"].map(order)).sort_values(["point", "_arm", "replication"])
    front = ["run_id", "point", "variant", "replication", "seed", *params]
    status_columns = ["status", "attempts", "error"] if status is None else []
    return frame[front + kpis + status_columns].reset_index(drop=True)


def _with_derived(spec: SweepSpec, values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    for name, value in values.items():
        if spec.parameters[name].budget_split is not None:
            out.update(spec.overrides({name: value}))
    return out


def load_timeseries(out: str | Path) -> pd.DataFrame:
    """Weekly metrics of finished runs: run id, point, variant, replication, step and the metrics kept."""
    with closing(_open_results(out)) as conn:
        runs_of = _runs_by_part(conn)
        tasks = pd.read_sql_query("SELECT run_id, point, arm AS variant, replication FROM tasks", conn)
        metrics = json.loads(_meta(conn)["metrics"])
    if not metrics:
        raise UserError(f"{out}: this sweep kept no weekly metrics (set [outputs] timeseries in the sweep file)")
    frames = []
    for part, ids in sorted(runs_of.items()):
        damage = part_damage(Path(out) / PARTS / part, ids)
        if damage:
            raise UserError(f"{Path(out) / PARTS / part}: the weekly metrics of {len(ids)} runs are {damage}; run "
                            f"the sweep command on {out} again: it runs them again")
        frame = pd.read_parquet(Path(out) / PARTS / part)
        frames.append(frame[frame["run_id"].isin(ids)])
    if not frames:
        return pd.DataFrame(columns=["run_id", "point", "variant", "replication", "step", *metrics])
    series = pd.concat(frames, ignore_index=True).merge(tasks, on="run_id")
    series = series.sort_values(["point", "variant", "replication", "step"], ignore_index=True)
    return series[["run_id", "point", "variant", "replication", "step", *metrics]]


def kpi_summary(out: str | Path) -> pd.DataFrame:
    """Mean, min and max of each KPI over finished runs, per variant (computed in the ledger)."""
    with closing(_open_results(out)) as conn:
        meta = _meta(conn)
        kpis = json.loads(meta["kpis"])
        parts = ", ".join(f"AVG({kpi_column(k)}), MIN({kpi_column(k)}), MAX({kpi_column(k)})" for k in kpis)
        rows = conn.execute(f"SELECT arm, COUNT(*), {parts} FROM runs WHERE status = 'done' GROUP BY arm").fetchall()
    order = json.loads(meta["arms"])
    columns = ["variant", "runs", *(f"{k}_{s}" for k in kpis for s in ("mean", "min", "max"))]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.set_index("variant").reindex([a for a in order if a in set(frame["variant"])])


def failures(out: str | Path) -> pd.DataFrame:
    """Runs that failed on their last allowed attempt: run id, variant, replication, attempts, error."""
    with closing(_open_results(out)) as conn:
        return pd.read_sql_query("SELECT run_id, arm AS variant, replication, overrides, attempts, error FROM runs "
                                 "WHERE status = 'failed' ORDER BY seq", conn)
