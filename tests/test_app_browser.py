"""The planner in a real browser: ``streamlit run`` on 127.0.0.1 driven by Debian's Chromium.

Playwright never downloads a browser here: it drives ``/usr/bin/chromium``
(``scripts/test-deps.sh`` installs it). Screenshots go to ``artifacts/`` (ignored by git).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest

from .conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "artifacts"
TIMEOUT_MS = 180_000  # generous: a loaded CI machine runs the first comparison slowly
BAD_TOML = b"[market]\npopulation = 1000\n[advertising]\nweekly_spend = -5.0\n"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.skipif(not CHROMIUM.exists() and os.environ.get("CI", "").lower() != "true",
                       reason="Chromium is not installed (scripts/test-deps.sh installs it; under CI=true this fails)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url():
    """The planner served as ``make app`` serves it (``app/serve.py``) on a free local port, stopped afterwards."""
    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / "streamlit.log", "w")
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "app" / "serve.py"),  # what `make app` runs: the landing page warmed
         "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--client.toolbarMode", "minimal"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start (exit {proc.poll()}); see artifacts/streamlit.log")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def page(app_url):
    """A Chromium page on the planner, the first comparison finished."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        context = browser.new_context(viewport={"width": 1500, "height": 4400}, accept_downloads=True)
        pg = context.new_page()
        pg.set_default_timeout(TIMEOUT_MS)
        pg.goto(app_url)
        wait_until_done(pg)
        yield pg
        context.close()
        browser.close()


def wait_until_done(page) -> None:
    """Wait until the script has finished running and the comparison table is on the page."""
    page.wait_for_selector("table.cx-compare")
    # the status widget ("Running...") is shown while the script runs; wait for it to stay away
    quiet_since = None
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        running = page.locator('[data-testid="stStatusWidget"]').count() > 0
        if running:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 1.5:
            return
        page.wait_for_timeout(200)
    raise TimeoutError("the app kept running")


def customers_won(page, scenario: int = 0) -> str:
    row = page.locator("table.cx-compare tbody tr", has_text="Customers won")
    return row.locator("td .cx-mean").nth(scenario).inner_text()


def plan_headers(page) -> dict[str, str]:
    """Each plan's column header: its name and the spends under it."""
    heads = page.locator("table.cx-compare thead th.cx-plan")
    return {heads.nth(i).locator(".cx-name").inner_text(): heads.nth(i).locator(".cx-spends").inner_text()
            for i in range(heads.count())}


def download(page, label: str) -> bytes:
    with page.expect_download() as info:
        page.locator('[data-testid="stDownloadButton"]').get_by_role("button", name=label, exact=True).click()
    return Path(info.value.path()).read_bytes()


def test_first_screen_opens_on_the_verdict(app_url):
    """At 1440 x 900 the verdict sentence and the marginal-return chart are on the first screen."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=["--no-sandbox", "--headless", "--disable-gpu"])
        pg = browser.new_page(viewport={"width": 1440, "height": 900})
        pg.set_default_timeout(TIMEOUT_MS)
        pg.goto(app_url)
        wait_until_done(pg)
        verdict = pg.locator(".cx-verdict")
        assert verdict.inner_text().startswith("At today's plan the next $1,000 a week")
        box = verdict.bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 900
        pg.wait_for_selector(".js-plotly-plot .main-svg")
        chart = pg.locator(".js-plotly-plot").first.bounding_box()
        assert chart is not None and chart["y"] < 900  # the marginal-return chart starts on the first screen
        pg.screenshot(path=str(ARTIFACTS / "app-first-screen.png"))
        browser.close()


def test_no_title_in_the_comparison_table_is_cut_off(page):
    cut = page.evaluate("""() => [...document.querySelectorAll('table.cx-compare th, table.cx-compare td')]
        .filter(c => c.scrollWidth > c.clientWidth + 1 || getComputedStyle(c).textOverflow === 'ellipsis')
        .map(c => c.innerText)""")
    assert cut == []
    titles = page.locator("table.cx-compare tbody th.cx-kpi").all_inner_texts()
    assert "Ad cost per new customer (CAC)" in titles and "Value: NPV + the plan continued after the horizon" in titles
    assert plan_headers(page) == {
        "baseline": "ads 4,000 · staff 2,571 · training 0 a week",
        "more ads": "ads 5,500 · staff 2,571 · training 0 a week",
        "more people": "ads 4,000 · staff 3,321 · training 750 a week",
        "balanced": "ads 4,750 · staff 2,946 · training 375 a week",
    }
    # plotly has drawn its SVG: axes and traces
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 2", timeout=60_000)
    page.wait_for_selector(".js-plotly-plot .main-svg .scatterlayer .trace")
    assert page.locator(".js-plotly-plot .main-svg .xtick").count() > 0
    page.screenshot(path=str(ARTIFACTS / "app.png"), full_page=True)


def test_scenario_download(page):
    data = tomllib.loads(download(page, "Edited scenario (TOML)").decode())
    assert data["advertising"]["weekly_spend"] == 4000.0
    assert set(data["variants"]) == {"more ads", "more people", "balanced"}


def test_editing_a_lever_changes_a_kpi_and_every_plan_states_its_spends(page):
    before = customers_won(page)
    box = page.get_by_role("spinbutton", name="Ad budget per week", exact=True)
    box.fill("500")
    box.press("Enter")
    page.wait_for_function(
        """before => { const v = document.querySelector('table.cx-compare tbody tr:nth-child(4) td .cx-mean');
                       return v && v.innerText !== before; }""", arg=before)
    wait_until_done(page)
    after = customers_won(page)
    assert int(after.replace(",", "")) < int(before.replace(",", ""))  # 500 a week on ads instead of 4,000
    assert plan_headers(page) == {  # the variants add to the edited base: each header says so
        "baseline": "ads 500 · staff 2,571 · training 0 a week",
        "more ads": "ads 2,000 · staff 2,571 · training 0 a week",
        "more people": "ads 500 · staff 3,321 · training 750 a week",
        "balanced": "ads 1,250 · staff 2,946 · training 375 a week",
    }
    # the download buttons are drawn after the table: give the rerun a bounded time to reach them
    deadline = time.monotonic() + 30
    while True:
        data = tomllib.loads(download(page, "Edited scenario (TOML)").decode())
        if data["advertising"]["weekly_spend"] == 500.0 or time.monotonic() > deadline:
            break
        page.wait_for_timeout(500)
    assert data["advertising"]["weekly_spend"] == 500.0
    csv = download(page, "KPI table (CSV)").decode()
    assert csv.splitlines()[0] == "scenario,kpi,mean,lo,hi,diff,diff_lo,diff_hi"
    report = download(page, "HTML report").decode()
    assert report.startswith("<!DOCTYPE html>") and "more ads</b>: ads $2,000 a week" in report


def test_invalid_upload_shows_the_error(page):
    page.locator('[data-testid="stFileUploader"] input[type=file]').set_input_files(
        files=[{"name": "bad.toml", "mimeType": "application/toml", "buffer": BAD_TOML}])
    alert = page.locator('[data-testid="stAlert"]', has_text="bad.toml")
    alert.wait_for()
    text = alert.inner_text()
    assert "error: bad.toml: advertising.weekly_spend" in text
    page.wait_for_function("() => document.querySelectorAll('table.cx-compare').length === 0")
    page.screenshot(path=str(ARTIFACTS / "app-invalid-upload.png"))


def test_the_sidebar_names_both_pages_and_the_calibrate_page_opens(page, app_url):
    nav = page.locator('[data-testid="stSidebarNav"]')
    assert nav.locator("a", has_text="Planner").count() == 1
    assert nav.locator("a", has_text="Calibrate").count() == 1
    assert "streamlit" not in nav.inner_text().lower()
    other = page.context.new_page()
    try:
        other.goto(f"{app_url}/calibrate")
        other.get_by_role("heading", name="Calibrate a scenario on your data").wait_for()
        other.screenshot(path=str(ARTIFACTS / "app-calibrate.png"))
    finally:
        other.close()


def test_the_first_screen_at_a_laptops_size_shows_the_verdict_and_is_kept_for_the_gallery(app_url, page):
    """The planner as a person first sees it (1440 x 900): the verdict is on the first screen.

    The screenshot is kept in artifacts/planner-first-screen.png; the docs' gallery and the README
    show it (docs/img/planner-first-screen.png is a copy of it).
    """
    context = page.context.browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        pg = context.new_page()
        pg.set_default_timeout(TIMEOUT_MS)
        pg.goto(app_url)
        wait_until_done(pg)
        verdict = pg.get_by_text("earns most on", exact=False).first
        box = verdict.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 900, "the verdict is below the first screen"
        pg.screenshot(path=str(ARTIFACTS / "planner-first-screen.png"))
    finally:
        context.close()
    assert (ARTIFACTS / "planner-first-screen.png").stat().st_size > 10_000


def test_the_server_computes_the_landing_page_before_the_first_visit(app_url):
    """``app/serve.py`` runs the landing page's plans before it opens its port (the log says so)."""
    log = (ARTIFACTS / "streamlit.log").read_text()
    assert "the landing page's plans are ready" in log and "could not compute the landing page" not in log
    assert log.index("the landing page's plans are ready") < log.index("127.0.0.1")  # before the server's address
