"""Benchmark of the planner's first visit and of its robust answer, as a strategist meets them.

Run with ``.venv/bin/python benchmarks/bench_interactive.py`` (Chromium at /usr/bin/chromium, as the
browser tests use). Two measurements, each a median over cold repeats with the spread beside it:

- **First visit**: a freshly started server, Chromium at 1440 x 900 opening the page the moment the
  server answers its health check, the seconds until the verdict sentence is on the screen. Served
  by ``app/serve.py`` (``make app``: the landing page computed before the port opens) and by plain
  ``streamlit run`` (computed on the first visit), alternately, so both see the same machine.
- **Lever change**: on a warm server, the ad budget changed in the sidebar: the seconds until the verdict
  sentence is the new plan's (today's plan and each lever moved, computed first) and until the page has
  finished (the variants and the comparison table after it); at least 5 changes.
- **Robust answer**: the flagship's four plans over 40 plausible worlds as the planner runs them
  (``planner_runs.run_robust``: the server's worker processes, started when it starts, the first answer
  after 8 worlds) against one
  ``robust_compare`` in one process (how the planner ran them before): seconds to the first
  sentence and to all 40 worlds, and whether the final answers are identical.

Writes ``benchmarks/results-interactive.md``.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
OPTIONS = ["--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--client.toolbarMode", "minimal"]


def spread(values: list[float]) -> str:
    """Median and range of repeated timings: "2.1 s (1.9-2.6)"."""
    return f"{statistics.median(values):.1f} s ({min(values):.1f}-{max(values):.1f})"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(command: list[str]) -> Iterator[str]:
    """A fresh server started by ``command`` on a free port: its address once it answers its health check."""
    port = free_port()
    proc = subprocess.Popen([*command, *OPTIONS, "--server.port", str(port)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read() == b"ok":
                        break
            except OSError:
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def laptop_page(pw):
    """A Chromium page at 1440 x 900 (close its browser when done)."""
    browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                 args=["--no-sandbox", "--headless", "--disable-gpu"])
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.set_default_timeout(180_000)
    return browser, page


def first_visit(warmed: bool) -> float:
    """Seconds from the first request to a fresh server until the verdict is on the screen."""
    from playwright.sync_api import sync_playwright

    command = ([sys.executable, str(ROOT / "app" / "serve.py")] if warmed else
               [sys.executable, "-m", "streamlit", "run", str(ROOT / "app" / "streamlit_app.py")])
    with served(command) as url, sync_playwright() as pw:
        browser, page = laptop_page(pw)
        start = time.perf_counter()
        page.goto(url)
        page.wait_for_selector(".cx-verdict", state="visible")
        seconds = time.perf_counter() - start
        browser.close()
    return seconds


def lever_changes(repeats: int) -> tuple[list[float], list[float]]:
    """In Chromium on a warm server: after a change of the ad budget, the seconds until the verdict sentence
    is the new plan's, and until the page has finished (the comparison table included)."""
    from playwright.sync_api import sync_playwright

    verdicts, pages = [], []
    with served([sys.executable, str(ROOT / "app" / "serve.py")]) as url, sync_playwright() as pw:
        browser, page = laptop_page(pw)
        page.goto(url)
        finished(page)
        for i in range(repeats):
            before = [page.locator(".cx-verdict").first.inner_text(),
                      page.locator("table.cx-compare").first.inner_text()]
            box = page.get_by_role("spinbutton", name="Ad budget per week", exact=True)
            box.fill(str(3000 + 100 * i))
            start = time.perf_counter()
            box.press("Enter")
            page.wait_for_function("b => { const v = document.querySelector('.cx-verdict'); "
                                   "return v && v.innerText !== b[0]; }", arg=before, polling=20)
            verdicts.append(time.perf_counter() - start)
            page.wait_for_function("b => { const t = document.querySelector('table.cx-compare'); "
                                   "return t && t.innerText !== b[1] && "
                                   "!document.querySelector('[data-testid=\"stProgress\"]'); }",
                                   arg=before, polling=20)
            pages.append(time.perf_counter() - start)
            finished(page)
        browser.close()
    return verdicts, pages


def finished(page) -> None:
    """Wait until the page has its comparison table and no progress bar, and stays so for a second."""
    page.wait_for_selector("table.cx-compare")
    quiet_since = None
    while True:
        if page.locator('[data-testid="stProgress"]').count() > 0:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.perf_counter()
        elif time.perf_counter() - quiet_since > 1.0:
            return
        page.wait_for_timeout(20)


def robust_times(draws: int) -> tuple[float, float, float, bool]:
    """The planner's anytime robust answer, run by the page's own function on the workers a server started
    (``planner_runs.warm_landing``, as ``make app`` does), and the one-process run before it, on the flagship."""
    from cxsim import parse_scenario
    from cxsim.decide.robust import robust_compare
    from cxsim.decide.uncertainty import worlds_for
    from cxsim.views import planner

    sys.path.insert(0, str(ROOT / "app"))
    import planner_runs

    text, source, variants, _ = planner_runs.landing_request()
    base = parse_scenario(text, source)
    for started in planner_runs.start_robust_workers(base):  # as a server does when it starts (untimed)
        started.result()
    plans = [base, *(base.with_variant(v) for v in variants)]
    worlds = worlds_for(base, uncertain=True, draws=draws, seed=0)
    start = time.perf_counter()
    first = None
    for answer in planner_runs.run_robust(text, source, tuple(variants), draws, 0, None):
        first, last = first or time.perf_counter() - start, answer
    anytime = time.perf_counter() - start
    start = time.perf_counter()
    whole = robust_compare(plans, worlds, planner.WORLD_REPLICATIONS, 0, workers=1, progress=False)
    before = time.perf_counter() - start
    return first, anytime, before, bool(np.array_equal(last.values, whole.values))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="cold starts and robust runs of each (default 3)")
    parser.add_argument("--draws", type=int, default=40, help="plausible worlds of the robust answer (default 40)")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    warm, cold = [], []
    for _ in range(args.repeats):
        warm.append(first_visit(True))
        cold.append(first_visit(False))
        print(f"first visit: warmed {warm[-1]:.1f} s, computed on the visit {cold[-1]:.1f} s", flush=True)
    verdicts, pages = lever_changes(max(5, args.repeats))
    print(f"lever change: verdict {spread(verdicts)}, whole page {spread(pages)}", flush=True)
    firsts, wholes, befores, same = [], [], [], []
    for _ in range(args.repeats):
        first, whole, before, identical = robust_times(args.draws)
        firsts.append(first)
        wholes.append(whole)
        befores.append(before)
        same.append(identical)
        print(f"robust: first answer {first:.1f} s, all {args.draws} worlds {whole:.1f} s, "
              f"one process {before:.1f} s, identical {identical}", flush=True)
    load_after = os.getloadavg()[0]
    from cxsim.views import planner

    ratios = [b / w for b, w in zip(befores, wholes, strict=True)]
    text = f"""# The planner at the speed of a conversation

Written by `benchmarks/bench_interactive.py`. Machine: {os.cpu_count()} cores, load average
{load_before:.1f} before and {load_after:.1f} after. Medians of {args.repeats} repeats, the range in brackets.

| | seconds |
|---|---|
| First visit, server started by `make app` (`app/serve.py`): first request to the verdict on screen | {spread(warm)} |
| First visit, plain `streamlit run` (computed on the visit), same machine, alternating | {spread(cold)} |
| Lever change in the browser (ad budget, warm server): the new verdict on screen | {spread(verdicts)} |
| Lever change in the browser: the whole page finished (the comparison table included) | {spread(pages)} |
| Robust answer, {args.draws} worlds: the first sentence (after {planner.FIRST_WORLDS} worlds) | {spread(firsts)} |
| Robust answer, all {args.draws} worlds, as the planner runs them (the server's worker processes) | {spread(wholes)} |
| Robust answer, all {args.draws} worlds in one process (the planner before) | {spread(befores)} |

Speed-up of the whole robust answer, run by run: {statistics.median(ratios):.2f}x
({min(ratios):.2f}-{max(ratios):.2f}). The final answers are identical to the one-process run's: {all(same)}.
"""
    (ROOT / "benchmarks" / "results-interactive.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
