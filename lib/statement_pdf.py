"""A statement as a print-ready PDF (A4 or Letter): fpdf2 for the pages, a matplotlib SVG for the chart.

The PDF shows the same rounded numbers as the CSV (both come from one Statement) and prints
the CSV's content hash in its footer. Rendering is deterministic: the same statement gives
the same bytes, so a frozen statement can be checked by its hash.

>>> data = render(statement)            # doctest: +SKIP
>>> data[:5]                            # doctest: +SKIP
b'%PDF-'
"""

import io
import re
from datetime import datetime, timezone
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.fonts import FontFace
from matplotlib.figure import Figure

from lib import money, statement_csv
from lib.statements import Block, Statement

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
INK, MUTED, RULE, ACCENT, LIGHT = (33, 37, 41), (108, 117, 125), (206, 212, 218), (31, 119, 180), (241, 243, 245)
BASIS = {"effective": "Effective cost (amortized)", "billed": "Billed cost (cash)", "list": "List cost"}
HEADINGS = FontFace(emphasis="B", color=INK, fill_color=LIGHT)


class _Doc(FPDF):
    def __init__(self, st: Statement, digest: str, page: str):
        super().__init__(orientation="P", unit="mm", format=page)
        self.st, self.digest = st, digest
        self.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=20)
        self.set_title(f"Chargeback statement {st.number}")
        self.set_author(st.organization)
        self.set_creator("Costbook")
        # A fixed date keeps the bytes stable for the same content (hash checks, re-downloads).
        self.set_creation_date(datetime(int(st.period[:4]), int(st.period[5:7]), 1, tzinfo=timezone.utc))

    def header(self):
        self.set_font("DejaVu", "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, f"{self.st.organization} · Chargeback statement {self.st.number}", align="L")
        self.cell(0, 5, "DRAFT (period open)" if self.st.status == "draft" else "Final", align="R",
                  new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(*RULE)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(3)

    def footer(self):
        self.set_y(-15)
        self.set_font("DejaVu", "", 6.5)
        self.set_text_color(*MUTED)
        st = self.st
        self.cell(0, 3.5, f"Content hash (SHA-256): {self.digest}", new_x="LMARGIN", new_y="NEXT")
        self.cell(0, 3.5, f"Data version {st.data_version or '-'} · rules version {st.rules_version or '-'} · "
                          f"amounts rounded to cents by largest remainder", align="L")
        self.cell(0, 3.5, f"Page {self.page_no()} of {{nb}}", align="R")


def render(st: Statement, page: str = "A4") -> bytes:
    """The statement as PDF bytes; page is 'A4' or 'Letter'."""
    doc = _Doc(st, statement_csv.content_hash(st), page)
    doc.add_page()
    _title(doc, st)
    for block in st.blocks:
        _block(doc, st, block)
    return bytes(doc.output())


def _title(doc: _Doc, st: Statement) -> None:
    doc.set_text_color(*INK)
    doc.set_font("DejaVu", "B", 16)
    doc.cell(0, 9, f"{st.subject_name} — {st.period}", new_x="LMARGIN", new_y="NEXT")
    facts = [("Statement", st.number), ("Organization", st.organization),
             ("Team" if st.kind == "team" else "Department", f"{st.subject_name} ({st.subject})"),
             ("Department", f"{st.department_name} ({st.department})"), ("Cost center", st.cost_center or "-"),
             ("Billing period", st.period), ("Cost basis", BASIS[st.metric]),
             ("Currency", ", ".join(b.currency for b in st.blocks)), ("Rules version", str(st.rules_version or "-"))]
    doc.set_font("DejaVu", "", 8.5)
    half = (doc.w - doc.l_margin - doc.r_margin) / 2
    for i, (label, value) in enumerate(facts):
        doc.set_text_color(*MUTED)
        doc.cell(26, 5, label)
        doc.set_text_color(*INK)
        doc.cell(half - 26, 5, value, new_x="LMARGIN" if i % 2 else "RIGHT", new_y="NEXT" if i % 2 else "TOP")
    doc.ln(8)


def _section(doc: _Doc, title: str) -> None:
    if doc.get_y() > doc.h - 45:
        doc.add_page()
    doc.ln(2)
    doc.set_font("DejaVu", "B", 10.5)
    doc.set_text_color(*ACCENT)
    doc.cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
    doc.set_text_color(*INK)
    doc.set_font("DejaVu", "", 8.5)


def _table(doc: _Doc, header: list[str], body: list[list[str]], widths: list[int], total: list[str] | None = None):
    aligns = ["RIGHT" if h in ("Amount", "Share", "% of total") else "LEFT" for h in header]
    with doc.table(col_widths=widths, headings_style=HEADINGS, borders_layout="HORIZONTAL_LINES",
                   line_height=5.2, text_align=aligns, repeat_headings=1, padding=(0.6, 1.5)) as table:
        table.row(header)
        for values in body + ([total] if total else []):
            row = table.row()
            for value, align in zip(values, aligns):
                row.cell(value, align=align, style=FontFace(emphasis="B") if values is total else None)
    doc.ln(2)


def _block(doc: _Doc, st: Statement, b: Block) -> None:
    cur = b.currency
    _section(doc, f"Summary ({cur})" if len(st.blocks) > 1 else "Summary")
    top = doc.get_y()
    _summary(doc, b)
    _chart(doc, b, top)
    _section(doc, "By provider and service")
    lines = b.by("provider", "service")
    _table(doc, ["Provider", "Service", "Amount", "% of total"],
           [[p, s, money.fmt(a, cur), _pct(a, b.total)] for p, s, a in lines], [35, 85, 35, 25],
           ["Total", "", money.fmt(b.total, cur), "100.0%" if b.total else ""])
    _section(doc, "By account / project")
    _table(doc, ["Account / project", "Name", "Amount"],
           [[i or "-", n or "-", money.fmt(a, cur)] for i, n, a in b.by("account_id", "account_name")],
           [60, 85, 35], ["Total", "", money.fmt(b.total, cur)])
    shared = b.shared()
    if shared:
        _section(doc, "Shared costs received")
        _table(doc, ["Rule", "Provider", "Service", "Share", "Amount"],
               [[li.rule, li.provider, li.service, f"{li.share * 100:.2f}%", money.fmt(li.amount, cur)]
                for li in shared], [50, 30, 50, 20, 30])
    if b.resources:
        _section(doc, f"Top {len(b.resources)} resources")
        _table(doc, ["Resource", "Name", "Service", "Amount"],
               [[rid, name or "-", svc, money.fmt(a, cur)] for rid, name, svc, a in b.resources], [70, 35, 45, 30])
    if b.adjustments:
        _section(doc, "Adjustments for restated closed periods")
        _table(doc, ["Restated period", "Provider", "Amount"],
               [[a.source_period, a.provider, money.fmt(a.amount, cur)] for a in b.adjustments], [60, 85, 35])


def _pct(part, total) -> str:
    return f"{part * 100 / total:.1f}%" if total else ""


def _summary(doc: _Doc, b: Block) -> None:
    cur = b.currency
    change = "-" if b.change is None else f"{money.fmt(b.change, cur)} ({_pct(b.change, b.previous) or 'n/a'})"
    facts = [("Total this period", money.fmt(b.total, cur)),
             ("Previous period", "-" if b.previous is None else money.fmt(b.previous, cur)),
             ("Change", change), ("Budget", "-" if b.budget is None else money.fmt(b.budget, cur)),
             ("Variance (budget left)", "-" if b.variance is None else money.fmt(b.variance, cur))]
    if b.adjustments:
        facts.append(("Adjustments", money.fmt(b.due - b.total, cur)))
    facts.append(("Amount charged", money.fmt(b.due, cur)))
    for label, value in facts:
        bold = label == "Amount charged"
        doc.set_font("DejaVu", "B" if bold else "", 9.5 if bold else 8.5)
        doc.cell(42, 6, label)
        doc.cell(45, 6, value, align="R", new_x="LMARGIN", new_y="NEXT")


def _chart(doc: _Doc, b: Block, top: float) -> None:
    if not b.trend:
        return
    end = doc.get_y()
    doc.image(io.BytesIO(trend_svg(b)), x=doc.w - doc.r_margin - 82, y=top, w=82)
    doc.set_y(max(end, top + 41))


def trend_svg(b: Block) -> bytes:
    """A small bar chart of the subject's last months, the statement's period highlighted."""
    matplotlib.rcParams["svg.hashsalt"] = "costbook"  # stable element ids: same chart, same bytes
    fig = Figure(figsize=(3.6, 1.8))
    ax = fig.add_subplot()
    periods = [p for p, _ in b.trend]
    values = [float(v) for _, v in b.trend]  # drawing only: the numbers a person reads are Decimals
    colors = ["#c6dbef"] * (len(values) - 1) + ["#1f77b4"]
    ax.bar(range(len(values)), values, color=colors, width=0.6)
    ax.set_xticks(range(len(values)), [p[2:] for p in periods], fontsize=7)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_title(f"Last {len(values)} months ({b.currency})", fontsize=8, loc="left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout(pad=0.4)
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    return re.sub(rb"<metadata>.*?</metadata>", b"", buf.getvalue(), flags=re.S)  # fpdf2 has no use for it
