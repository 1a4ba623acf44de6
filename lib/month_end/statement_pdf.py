"""A statement as a print-ready PDF (A4 or Letter), drawn with fpdf2 (tables and the small chart alike).

The PDF shows the same rounded numbers as the CSV (both come from one Statement) and prints
the CSV's content hash in its footer. Rendering is deterministic: the same statement gives
the same bytes, so a frozen statement can be checked by its hash.

>>> data = render(statement)            # doctest: +SKIP
>>> data[:5]                            # doctest: +SKIP
b'%PDF-'
"""

import pickle
import sys
from datetime import datetime, timezone

from fpdf import FPDF

from lib.core import money
from lib.month_end import statement_csv
from lib.month_end.pdf_fonts import fonts
from lib.month_end.statement_records import Block, Statement
from lib.reports import palette
from lib.reports.usage import percent

INK, MUTED, RULE, ACCENT, LIGHT = (33, 37, 41), (108, 117, 125), (206, 212, 218), (31, 119, 180), (241, 243, 245)
PALE = (198, 219, 239)
BASIS = {"effective": "Effective cost (amortized)", "billed": "Billed cost (cash)", "list": "List cost"}


class _Doc(FPDF):
    def __init__(self, st: Statement, digest: str, page: str):
        super().__init__(orientation="P", unit="mm", format=page)
        self.st, self.digest = st, digest
        regular, bold = fonts()
        self.add_font("DejaVu", "", regular)
        self.add_font("DejaVu", "B", bold)
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
        company = f"{self.st.organization} · " if self.st.organization else ""
        self.cell(0, 5, f"{company}Chargeback statement {self.st.number}", align="L")
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
                          f"cents rounded once per invoice, by largest remainder", align="L")
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
    facts = [("Statement", st.number), *([("Organization", st.organization)] if st.organization else []),
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
    """Rows of cells with rules between them; text too wide for its column wraps onto more lines (never
    cut), and the header repeats on every new page.

    Plain cells, not fpdf2's table(): a statement has a few hundred cells and this is
    several times faster, which matters when a month's 200 statements are built at once.
    """
    right = [h in ("Amount", "Share", "% of total") for h in header]
    height = 5.2

    def row(values: list[str], bold: bool = False, fill: bool = False) -> None:
        doc.set_font("DejaVu", "B" if bold else "", 8.5)
        cells = [_wrap(doc, value, width - 2 * doc.c_margin) for value, width in zip(values, widths)]
        lines = max(len(c) for c in cells)
        if not fill and doc.get_y() + height * lines > doc.page_break_trigger:
            doc.add_page()
            row(header, bold=True, fill=True)
            doc.set_font("DejaVu", "B" if bold else "", 8.5)
        left, top = doc.get_x(), doc.get_y()
        for texts, width, r in zip(cells, widths, right):
            x = doc.get_x()
            for k in range(lines):
                doc.set_xy(x, top + k * height)
                doc.cell(width, height, texts[k] if k < len(texts) else "", border="B" if k == lines - 1 else 0,
                         fill=fill, align="R" if r else "L")
            doc.set_xy(x + width, top)
        doc.set_xy(left, top + height * lines)

    doc.set_draw_color(*RULE)
    doc.set_fill_color(*LIGHT)
    row(header, bold=True, fill=True)
    for values in body + ([total] if total else []):
        row(values, bold=values is total)
    doc.set_font("DejaVu", "", 8.5)
    doc.ln(2)


def _wrap(doc: _Doc, text: str, width: float) -> list[str]:
    """The text as lines that fit the width: broken between words, and inside a word (an id) only when
    the word alone is wider than the column."""
    if doc.get_string_width(text) <= width:
        return [text]
    lines, current = [], ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if doc.get_string_width(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        while doc.get_string_width(word) > width:
            cut = len(word) - 1
            while cut > 1 and doc.get_string_width(word[:cut]) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    return lines + ([current] if current else [])


def _nonzero(rows: list, amount=lambda r: r[-1]) -> list:
    """Rows whose amount is not zero (a share of a shared cost can round to nothing)."""
    return [r for r in rows if amount(r) != 0]


def _block(doc: _Doc, st: Statement, b: Block) -> None:
    cur = b.currency
    _section(doc, f"Summary ({cur})" if len(st.blocks) > 1 else "Summary")
    top = doc.get_y()
    _summary(doc, b)
    _chart(doc, b, top)
    _section(doc, "By provider and service")
    lines = b.by("provider", "service")
    _table(doc, ["Provider", "Service", "Amount", "% of total"],
           [[p, s, money.fmt(a, cur), _pct(a, b.total)] for p, s, a in _nonzero(lines)], [35, 85, 35, 25],
           ["Total", "", money.fmt(b.total, cur), "100.0%" if b.total else ""])
    _section(doc, "By account / project")
    _table(doc, ["Account / project", "Name", "Amount"],
           [[i or "-", n or "-", money.fmt(a, cur)] for i, n, a in _nonzero(b.by("account_id", "account_name"))],
           [60, 85, 35], ["Total", "", money.fmt(b.total, cur)])
    shared = _nonzero(b.shared(), lambda li: li.amount)
    if shared:
        _section(doc, "Shared costs received")
        _table(doc, ["Rule", "Provider", "Service", "Share", "Amount"],
               [[li.rule, li.provider, li.service, f"{li.share * 100:.2f}%", money.fmt(li.amount, cur)]
                for li in shared], [50, 30, 50, 20, 30])
    if b.usage:
        _section(doc, f"Shared by usage in {st.period}")
        _table(doc, ["Rule", "Team", "Weighed by", "Namespaces / keys", "Share"],
               [[u.rule, u.team, u.what, ", ".join(u.keys), percent(u.share)] for u in b.usage],
               [45, 25, 45, 45, 20])
    if b.resources:
        _section(doc, f"Top {len(b.resources)} resources")
        _table(doc, ["Resource", "Name", "Service", "Amount"],
               [[rid, name or "-", svc, money.fmt(a, cur)] for rid, name, svc, a in _nonzero(b.resources)],
               [70, 35, 45, 30])
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
    """A small bar chart of the subject's last months beside the summary, the statement's period in the
    subject's colour (the one it has in the app's charts), the months before in a paler tone.

    Drawn with the PDF's own lines and rectangles: crisp at any zoom, and no plotting library per statement.
    """
    if not b.trend:
        return
    end = doc.get_y()
    width, height, left = 82, 40, doc.w - doc.r_margin - 82
    values = [v for _, v in b.trend]
    peak = max(max(values), 0) or 1
    doc.set_font("DejaVu", "", 7)
    doc.set_text_color(*INK)
    doc.set_xy(left, top)
    doc.cell(width, 4, f"Last {len(values)} months ({b.currency})" if len(values) > 1 else f"This month ({b.currency})")
    base, room = top + height - 6, height - 13  # baseline and the tallest bar's height
    step = width / len(values)
    colour = doc.st.colour  # the subject's colour in the app's charts
    accent, pale_tone = (palette.rgb(colour), palette.pale(colour)) if colour else (ACCENT, PALE)
    doc.set_font("DejaVu", "", 5.5)
    doc.set_text_color(*MUTED)
    doc.set_xy(left, top + 5)
    doc.cell(width, 3, f"max {money.fmt(max(values), b.currency)}", align="R")
    for i, (period, value) in enumerate(b.trend):
        x = left + i * step
        bar = room * float(max(value, 0) / peak)  # drawing only: the numbers a person reads are Decimals
        doc.set_fill_color(*(accent if i == len(values) - 1 else pale_tone))
        bar_width = min(step * 0.6, 9)
        if bar > 0:
            doc.rect(x + (step - bar_width) / 2, base - bar, bar_width, bar, style="F")
        doc.set_xy(x, base + 0.8)
        doc.cell(step, 3, period[2:], align="C")
    doc.set_draw_color(*RULE)
    doc.line(left, base, left + width, base)
    doc.set_text_color(*INK)
    doc.set_xy(doc.l_margin, max(end, top + height + 1))


def _serve() -> None:
    """A worker of lib.month_end.statement_files.render_all: pickled statements on stdin, their PDFs pickled on stdout."""
    sts = pickle.load(sys.stdin.buffer)
    pickle.dump([render(st) for st in sts], sys.stdout.buffer)


if __name__ == "__main__":
    _serve()
