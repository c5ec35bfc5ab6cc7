"""Worker processes start clean whatever the host runs as ``__main__``."""

from __future__ import annotations

import sys
import types

import numpy as np

from cxsim import parse_scenario
from cxsim.decide.runs import evaluate


def test_workers_never_run_the_hosts_main_script_again(tmp_path, monkeypatch):
    """A Streamlit page runs as ``__main__``; a worker that re-ran it (as multiprocessing does with a main
    script) would fail here, since this script refuses to run."""
    script = tmp_path / "page.py"
    script.write_text("raise SystemExit('a worker ran the host page again')\n")
    page = types.ModuleType("__main__")
    page.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", page)
    plans = [parse_scenario("[market]\npopulation = 200\nweeks = 4\n", "s.toml")] * 2
    on_workers = evaluate(plans, None, 2, 7, workers=2, progress=False)
    here = evaluate(plans, None, 2, 7, workers=1, progress=False)
    np.testing.assert_array_equal(on_workers, here)
