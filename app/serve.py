"""Serve the cxsim app with its landing page computed before the first visitor.

``python app/serve.py [streamlit run options]`` (``make app``) first runs the landing page's plans
and their marginal returns into the page's caches (``planner_runs.warm_landing``), then starts
``streamlit run app/streamlit_app.py`` in the same process: the port opens with the answer
ready, so the first person to open the page meets it as quickly as the second.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

APP = Path(__file__).resolve().parent


def warm() -> None:
    """Compute the landing page into the caches (a failure only costs the warm start: the page computes it)."""
    sys.path.insert(0, str(APP))
    quiet = logging.getLogger("streamlit.runtime.caching.cache_data_api")  # "no runtime yet": that is the point
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    print("cxsim: computing the landing page before serving it...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    try:
        import planner_runs

        planner_runs.warm_landing()
    except Exception as exc:
        print(f"cxsim: could not compute the landing page ahead of the first visit: {exc}", file=sys.stderr)
        return
    finally:
        quiet.setLevel(level)
    print(f"cxsim: the landing page's plans are ready ({time.perf_counter() - started:.1f} s)", file=sys.stderr,
          flush=True)


def main(argv: list[str]) -> None:
    from streamlit.web import cli

    warm()
    sys.argv = ["streamlit", "run", str(APP / "streamlit_app.py"), *argv]
    cli.main()


if __name__ == "__main__":
    main(sys.argv[1:])
