"""Statement PDFs: page count, text (pdftotext), paging with repeated headers, stable bytes."""

import subprocess
from pathlib import Path

import pytest

from lib.core import access
from lib.month_end import statement_csv, statement_files, statement_pdf, statements
from tests import statement_helpers as h


def pdf_text(data: bytes, tmp_path: Path, page: int | None = None) -> str:
    path = tmp_path / "s.pdf"
    path.write_bytes(data)
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-layout", *pages, str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def page_count(data: bytes, tmp_path: Path) -> int:
    path = tmp_path / "c.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


@pytest.fixture
def company(store, con, tmp_path):
    h.setup_company(store, con, tmp_path)
    return store, con


def test_one_page_statement_says_what_the_csv_says(company, tmp_path):
    store, con = company
    st, _ = statements.build(store, con, access.CLI, "web", "2026-10")
    data = statement_pdf.render(st)
    assert data.startswith(b"%PDF-") and page_count(data, tmp_path) == 1
    text = pdf_text(data, tmp_path)
    for expected in ("CB-2026-10-web-1", "Web (web)", "CC-101", "Engineering", "Effective cost", "$138.01",
                     "$100.00", "$38.01 (38.0%)", "Shared networking", "60.00%", "shop-prod", "DRAFT",
                     statement_csv.content_hash(st)[:40], "Page 1 of 1"):
        assert expected in text, expected


def test_same_statement_same_bytes(company):
    store, con = company
    first, _ = statements.build(store, con, access.CLI, "platform", "2026-10")
    second, _ = statements.build(store, con, access.CLI, "platform", "2026-10")
    assert statement_pdf.render(first) == statement_pdf.render(second)


def test_euro_amounts_render(company, tmp_path):
    store, con = company
    st, _ = statements.build(store, con, access.CLI, "platform", "2026-10")
    assert "€80.00" in pdf_text(statement_pdf.render(st, "Letter"), tmp_path)


def test_long_statement_pages_with_repeated_table_headers(store, con, tmp_path):
    rows = [h.charge("2026-10", 1 + d % 27, "AWS", "acme-payer", "USD", f"Service {d:03d}", "Compute",
                     f"{d:012d}", f"account-{d:03d}", f"{d}.25", team="web") for d in range(1, 121)]
    assert h.save_org(store, h.ORG, access.CLI, "setup")[1] == []
    assert h.save_rules(store, h.RULES, access.CLI, "setup")[1] == []
    h.load_bill(store, con, tmp_path, rows)
    statements.prepare(store, con)
    st, _ = statements.build(store, con, access.CLI, "web", "2026-10")
    data = statement_pdf.render(st)
    pages = page_count(data, tmp_path)
    assert pages >= 3
    for n in range(2, pages + 1):  # every page continues a table and repeats its header row
        text = pdf_text(data, tmp_path, n)
        lines = [line for line in text.splitlines()[1:] if line.strip()]
        header = lines[1] if lines[0].startswith("By ") else lines[0]  # a section may open the page
        assert header.split()[:2] in (["Provider", "Service"], ["Account", "/"]), (n, header)
        assert f"Page {n} of {pages}" in text
    assert "$7,290.00" in pdf_text(data, tmp_path)  # 1..120 + 120 * 0.25


def test_statements_drawn_in_worker_processes_are_the_same_bytes(company):
    store, con = company
    sts, problems = statements.build_all(store, con, access.CLI, "2026-10")
    assert problems == [] and len(sts) >= 2
    in_workers = statement_files.render_all(sts, "pdf", per_worker=1)  # one spawned worker per core
    assert in_workers == [statement_pdf.render(st) for st in sts]


def test_build_all_gives_each_team_the_statement_it_gets_alone(company):
    store, con = company
    together, _ = statements.build_all(store, con, access.CLI, "2026-10")
    alone = [statements.build(store, con, access.CLI, st.subject, "2026-10")[0] for st in together]
    assert together == alone and {st.subject for st in together} == {"web", "search", "platform"}


def test_the_company_full_service_names_no_zero_lines_and_the_team_colour(company, tmp_path):
    """The organization's name from org.yaml; a long service name wraps instead of being cut in the middle;
    a shared-cost share that rounds to $0.00 is no line, in the PDF or the CSV; the chart is in the team's colour."""
    from dataclasses import replace
    from decimal import Decimal as D

    from lib.config import versions
    from lib.reports.palette import Palette, rgb

    store, con = company
    st, _ = statements.build(store, con, access.CLI, "web", "2026-10")
    (usd,) = st.blocks
    long_name = "Amazon Elastic Container Service for Kubernetes Compute Cloud (Extended Support)"
    lines = (*usd.lines, replace(usd.lines[0], service=long_name, amount=D("0")),
             replace(usd.lines[1], service="Zero shared", rule="Shared zero", share=D("0.001"), amount=D("0.00")),
             replace(usd.lines[0], service=long_name + " ", amount=D("5.00")))
    search, _ = statements.build(store, con, access.CLI, "search", "2026-10")
    assert search.colour == Palette.of(versions.current_org(store)).colour("team", "search") != st.colour
    st = replace(st, blocks=(replace(usd, lines=lines, total=usd.total + D(5)),), colour=search.colour)
    assert st.organization == "Example Corp"
    text = " ".join(pdf_text(statement_pdf.render(st), tmp_path).split())
    assert "Organization Example Corp" in text
    assert "Amazon Elastic Container Service for Kubernetes" in text and "Compute Cloud (Extended Support)" in text
    assert "…" not in text
    assert "Zero shared" not in text and "Shared zero" not in text
    csv = statement_csv.render(st).decode()
    assert "Zero shared" not in csv and csv.count(long_name) == 1
    assert rgb(st.colour) in _fill_colours(statement_pdf.render(st))


def _fill_colours(data: bytes) -> set[tuple[int, int, int]]:
    """Every fill colour the PDF's pages set (0-255 per channel)."""
    import re
    import zlib

    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S)
    text = b"".join(zlib.decompress(s) for s in streams if s[:1] == b"x")
    return {tuple(round(float(c) * 255) for c in m) for m in re.findall(rb"([\d.]+) ([\d.]+) ([\d.]+) rg", text)}
