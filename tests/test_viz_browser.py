"""The live view in a real browser: ``cxsim viz`` on 127.0.0.1 driven by Debian's Chromium,
and the same view in a JupyterLab notebook cell.

The page is Mesa's SolaraViz: the network of a few hundred people coloured by stage,
the funnel and NPS, sliders, and Reset / Play / Step. Screenshots go to ``artifacts/``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request

import pytest

from .conftest import ROOT
from .test_app_browser import ARTIFACTS, CHROMIUM, free_port

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.skipif(not CHROMIUM.exists() and os.environ.get("CI", "").lower() != "true",
                       reason="Chromium is not installed (scripts/test-deps.sh installs it; under CI=true this fails)"),
]
TIMEOUT_MS = 120_000
STAGES = ("unaware", "aware", "customer", "repeat", "lapsed")


@pytest.fixture(scope="module")
def viz_url():
    """``cxsim viz`` on a free local port, stopped afterwards."""
    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / "viz.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "cxsim.cli.main", "viz", "--port", str(port)], cwd=ROOT,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"cxsim viz did not start (exit {proc.poll()}); see artifacts/viz.log")
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(proc.pid, 15)  # the command and the solara server it started
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, driven by Playwright, for the whole module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                      args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def page(browser, viz_url):
    """A Chromium page on the live view, the network drawn."""
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    pg.goto(viz_url)
    pg.wait_for_selector("svg.cxsim-network circle.person")
    yield pg
    context.close()


def funnel(page) -> str:
    return page.locator(".cxsim-funnel").inner_text()


def week(page) -> int:
    return int(re.match(r"Week (\d+):", funnel(page)).group(1))


def stage_counts(page) -> dict[str, int]:
    return {s: page.locator(f'circle.person[data-stage="{s}"]').count() for s in STAGES}


def test_the_network_shows_a_few_hundred_people_coloured_by_stage(page):
    people = page.locator("svg.cxsim-network circle.person")
    assert people.count() == 300
    counts = stage_counts(page)
    assert sum(counts.values()) == 300
    assert counts["customer"] == 9 and counts["unaware"] == 291  # week 0: 3% are customers
    fills = {s: page.locator(f'circle.person[data-stage="{s}"]').first.get_attribute("fill")
             for s in ("unaware", "customer")}
    assert fills["unaware"] != fills["customer"]
    assert funnel(page).startswith("Week 0: unaware 291 · aware 0 · first-time customer 9")
    page.screenshot(path=str(ARTIFACTS / "viz-start.png"))


def test_play_moves_the_market_and_the_funnel(page):
    before = funnel(page)
    page.get_by_role("button", name="▶").click()
    page.wait_for_function("() => { const f = document.querySelector('.cxsim-funnel');"
                           " const m = f && f.innerText.match(/^Week (\\d+):/); return m && +m[1] >= 12; }")
    page.get_by_role("button", name="❚❚").click()
    page.wait_for_timeout(500)
    after = funnel(page)
    assert after != before
    assert week(page) >= 12
    counts = stage_counts(page)
    assert counts["unaware"] < 291  # ads and word-of-mouth have made people aware
    assert counts["aware"] + counts["customer"] + counts["repeat"] + counts["lapsed"] > 9
    page.screenshot(path=str(ARTIFACTS / "viz-played.png"))


def test_a_slider_and_reset_start_a_new_run_with_the_new_value(page):
    assert "ads 4,000/week" in funnel(page)
    slider = page.locator(".v-input", has_text="Ad budget per week").locator(".v-slider__thumb-container")
    slider.focus()
    for _ in range(8):  # 8 steps of 250 to the right
        page.keyboard.press("ArrowRight")
    page.get_by_role("button", name="Reset").click()
    page.wait_for_function("() => document.querySelector('.cxsim-funnel').innerText.includes('ads 6,000/week')")
    assert week(page) == 0
    assert stage_counts(page)["customer"] == 9
    page.screenshot(path=str(ARTIFACTS / "viz-reset.png"))


@pytest.fixture(scope="module")
def lab_url(tmp_path_factory):
    """JupyterLab on a copy of lesson 05 (JupyterLab saves what it opens), on a free local port, stopped afterwards."""
    folder = tmp_path_factory.mktemp("lessons")
    shutil.copy(ROOT / "notebooks" / "05_play_with_the_market.ipynb", folder)
    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / "jupyterlab.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--ServerApp.token=", "--ServerApp.password=",
         f"--ServerApp.root_dir={folder}", "--LabApp.news_url=None"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/lab", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"jupyter lab did not start (exit {proc.poll()}); see artifacts/jupyterlab.log")
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
        log.close()


def test_the_live_view_runs_in_a_notebook_cell(browser, lab_url):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context = browser.new_context(viewport={"width": 1500, "height": 1400})
    try:
        pg = context.new_page()
        pg.set_default_timeout(TIMEOUT_MS)
        pg.route(re.compile(r"^https?://(?!127\.0\.0\.1)"), lambda route: route.abort())  # nothing from outside
        pg.goto(f"{lab_url}/lab/tree/05_play_with_the_market.ipynb")
        pg.wait_for_selector(".jp-Notebook .jp-CodeCell")
        try:  # JupyterLab may ask which kernel to start (it does on a first visit)
            pg.get_by_role("button", name="Select", exact=True).click(timeout=15_000)
        except PlaywrightTimeout:
            pass
        cells = pg.locator(".jp-Notebook .jp-CodeCell")
        try:
            for i in range(2):  # the imports, then live_view()
                cells.nth(i).locator(".jp-InputArea-editor").click()
                pg.keyboard.press("Control+Enter")
                cells.nth(i).locator(".jp-InputArea-prompt", has_text=re.compile(r"\[\d+\]")).wait_for()
            pg.wait_for_function("() => document.querySelectorAll('.jp-OutputArea svg.cxsim-network "
                                 "circle.person').length === 300")
            assert pg.locator(".jp-OutputArea .cxsim-funnel").inner_text().startswith("Week 0: unaware 291")
        finally:
            pg.screenshot(path=str(ARTIFACTS / "viz-in-jupyterlab.png"))
    finally:
        context.close()
