"""Batch sweeps: many runs over parameter ranges, streamed to disk, resumable, on one machine or Dask.

``load_sweep`` reads a sweep file; ``run_sweep`` runs it into a results folder;
``load_results`` and ``load_timeseries`` read the folder back. See docs/sweeps.md.
"""

from cxsim.sweep.runner import SweepReport, run_sweep
from cxsim.sweep.spec import SweepSpec, load_sweep, parse_sweep
from cxsim.sweep.store import failures, load_design, load_results, load_timeseries, read_spec

__all__ = [
    "SweepReport", "SweepSpec", "failures", "load_design", "load_results", "load_sweep", "load_timeseries",
    "parse_sweep", "read_spec", "run_sweep",
]
