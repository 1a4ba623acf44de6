"""The README's pictures: the Overview in Chromium and the first page of a statement PDF.

    .venv/bin/python scripts/screenshots.py [--data-dir DIR] [--out docs]

Without --data-dir it builds the demo company (seed 7) in a temporary folder. It serves the app
with `streamlit run`, logs in as the demo finance user, takes the Overview at 1400 px wide
(docs/overview.png), and draws the statement of the team with the largest spend in the latest
complete month, first page at 110 dpi (docs/statement.png, needs pdftoppm from poppler-utils).
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import browser, login, served, settle  # noqa: E402


def overview(data_dir: Path, out: Path) -> None:
    from lib.people.users import DEMO_PASSWORD

    with served(data_dir) as url, browser(height=1500) as page:
        login(page, url, "finance", DEMO_PASSWORD)
        page.get_by_role("heading", name="Overview").wait_for()
        page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= 5")
        settle(page)
        page.wait_for_timeout(1000)  # chart transitions
        page.screenshot(path=str(out))


def statement(data_dir: Path, out: Path) -> None:
    from lib.core import access
    from lib.month_end import statement_pdf, statements
    from lib.reports.through import data_through, default_period
    from lib.store.lake import new_duck
    from lib.store.state import open_store

    store = open_store(data_dir)
    con = statements.prepare(store, new_duck())
    periods = [r[0] for r in con.execute("select distinct x_BillingPeriod from allocated order by 1").fetchall()]
    period = default_period(periods, data_through(con))
    team = con.execute("select team from allocated where x_BillingPeriod = ? and team <> 'Unallocated' "
                       "group by 1 order by sum(effective) desc limit 1", [period]).fetchone()[0]
    st, problems = statements.build(store, con, access.CLI, team, period)
    if problems:
        raise SystemExit("; ".join(problems))
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "statement.pdf"
        pdf.write_bytes(statement_pdf.render(st))
        subprocess.run(["pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                        str(out.with_suffix(""))], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data_dir
        if data is None:
            data = Path(tmp) / "data"
            subprocess.run([sys.executable, "-m", "lib", "--data-dir", str(data), "--quiet", "demo"], cwd=ROOT,
                           check=True)
        overview(data, args.out / "overview.png")
        statement(data, args.out / "statement.png")
    print(f"wrote {args.out / 'overview.png'} and {args.out / 'statement.png'}", file=sys.stderr)


if __name__ == "__main__":
    main()
