"""Serve the cxsim app with its landing page computed before the first visitor.

``python app/serve.py [streamlit run options]`` (``make app``) starts ``streamlit run
app/streamlit_app.py`` and, as soon as the server is up, runs the landing page's plans and
their marginal returns into the page's caches (``planner_runs.warm_landing``) on a thread of
its own: the first person to open the page meets the answer as quickly as the second.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from pathlib import Path

APP = Path(__file__).resolve().parent
LOG = logging.getLogger("cxsim.serve")


def warm() -> None:
    """Wait for the server's runtime, then compute the landing page (a failure only costs the warm start)."""
    from streamlit.runtime import Runtime

    while not Runtime.exists():
        time.sleep(0.05)
    sys.path.insert(0, str(APP))
    try:
        import planner_runs

        started = time.perf_counter()
        planner_runs.warm_landing()
        LOG.warning("cxsim: the landing page's plans are ready (%.1f s)", time.perf_counter() - started)
    except Exception as exc:  # the page computes them itself on the first visit
        LOG.warning("cxsim: could not compute the landing page ahead of the first visit: %s", exc)


def main(argv: list[str]) -> None:
    from streamlit.web import cli

    threading.Thread(target=warm, name="cxsim-warm", daemon=True).start()
    sys.argv = ["streamlit", "run", str(APP / "streamlit_app.py"), *argv]
    cli.main()


if __name__ == "__main__":
    main(sys.argv[1:])
