"""Logging in, in a real browser: how long the login form takes to appear, and login to a drawn Overview.

    python bench/bench_login.py --data-dir <a demo store, e.g. built by `python -m lib demo`> [--runs 5]

Starts `streamlit run app.py` on the store (a fresh server), drives Debian's Chromium with
Playwright and, per role (finance, a department head):
  form_s      from opening the address to the login form being usable: the Login button shown
              and no script run going on (Streamlit reruns once its components have loaded; typing
              during a rerun can be lost); the first run after the server starts is a cold start
  overview_s  from clicking Login to the Overview drawn: its title and every chart rendered, and
              no script run going on
Each run is a new browser context (no cookie: a real login). Prints one JSON line per role
with the median and every run, and the load average.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import ARGS, CHROMIUM, served  # noqa: E402

BUSY = "() => !!document.querySelector('[data-testid=\"stStatusWidget\"]')"  # a script run is going on
# Every chart on the page drawn: as many rendered plots as chart elements (at least one).
CHARTS = ("() => { const n = document.querySelectorAll('[data-testid=\"stPlotlyChart\"]').length; "
          "return n > 0 && document.querySelectorAll('[data-testid=\"stPlotlyChart\"] .js-plotly-plot .main-svg:first-child').length >= n; }")
IDLE = 1.0  # a page is drawn once no script has run for this long (Streamlit reruns after its components load)


def drawn(page, started: float, ready) -> float:
    """Seconds from `started` to the last moment the page was busy, once it has been idle IDLE s and ready()."""
    last_busy = time.perf_counter()
    while True:
        now = time.perf_counter()
        if page.evaluate(BUSY) or not ready():
            last_busy = now
        elif now - last_busy >= IDLE:
            return last_busy - started
        if now - started > 120:
            raise TimeoutError("the page did not settle")
        time.sleep(0.02)


def one_login(browser, url: str, username: str, password: str) -> tuple[float, float]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        button = page.get_by_role("button", name="Login", exact=True)
        started = time.perf_counter()
        page.goto(url)
        form = drawn(page, started, lambda: button.count() == 1)
        page.get_by_role("textbox", name="Username").fill(username)
        page.get_by_role("textbox", name="Password").fill(password)
        started = time.perf_counter()
        button.click()
        heading = page.get_by_role("heading", name="Overview")
        return form, drawn(page, started, lambda: heading.count() == 1 and page.evaluate(CHARTS))
    except Exception:
        page.screenshot(path="/tmp/shots/bench-fail.png")
        raise
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from lib.people.users import DEMO_PASSWORD

    roles = {"finance": "finance", "department_head": "head-engineering"}
    with served(Path(args.data_dir)) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for role, username in roles.items():
            runs = [one_login(browser, url, username, DEMO_PASSWORD) for _ in range(args.runs)]
            forms, overviews = [r[0] for r in runs], [r[1] for r in runs]
            print(json.dumps({"role": role, "form_s_median": round(statistics.median(forms), 2),
                              "overview_s_median": round(statistics.median(overviews), 2),
                              "form_s": [round(f, 2) for f in forms], "overview_s": [round(o, 2) for o in overviews],
                              "load_avg": round(os.getloadavg()[0], 2)}), flush=True)
        browser.close()


if __name__ == "__main__":
    main()
