"""A statement as tidy CSV rows: one line item per row, with the rule and share that put it there.

Every row repeats who, when and what (statement number, period, subject, currency, cost
basis), so the file can be filtered or pivoted as it is. Text cells that a spreadsheet would
run as a formula are neutralized (lib.core.exports). The content hash (also printed in the PDF footer) is the
SHA-256 of every row except the hash row itself, so both formats prove the same content.

>>> HEADER[:4]
('statement', 'period', 'kind', 'subject')
"""

import hashlib

from lib.core.exports import csv_text
from lib.month_end.statement_records import Statement

HEADER = ("statement", "period", "kind", "subject", "department", "cost_center", "currency", "cost_basis",
          "section", "item", "team", "provider", "service", "account_id", "account_name", "rule", "share", "amount", "note")
def rows(st: Statement) -> list[tuple]:
    """Every row of the statement except the content hash row, in a stable order."""
    out = []
    for b in st.blocks:
        head = (st.number, st.period, st.kind, st.subject, st.department, st.cost_center, b.currency, st.metric)
        summary = [("total", b.total), ("previous_total", b.previous), ("change", b.change),
                   ("budget", b.budget), ("budget_variance", b.variance), ("amount_due", b.due)]
        out += [(*head, "summary", item, "", "", "", "", "", "", "", "" if v is None else v, "") for item, v in summary]
        for li in (li for li in b.lines if li.amount != 0):  # a share that rounds to nothing is no line
            out.append((*head, "line", "charge", li.team, li.provider, li.service, li.account_id, li.account_name,
                        li.rule, li.share.normalize(), li.amount, ""))
        for a in b.adjustments:
            out.append((*head, "adjustment", "restatement", a.team, a.provider, "", "", "", "", "", a.amount,
                        f"difference restated by the provider for {a.source_period}, after it was closed"))
        for u in b.usage:  # the usage a split followed: the month, then each day with usage
            out.append((*head, "usage_share", st.period, u.team, "", "", "", "", u.rule, u.share.normalize(), "",
                        u.text(st.period)))
            out += [(*head, "usage_share", day.isoformat(), u.team, "", "", "", "", u.rule, share.normalize(), "",
                     text) for day, share, text in u.day_texts(st.period)]
        for rid, name, service, amount in (r for r in b.resources if r[-1] != 0):
            out.append((*head, "top_resource", rid, "", "", service, "", "", "", "", amount, name))
        for period, amount in b.trend:
            out.append((*head, "trend", period, "", "", "", "", "", "", "", amount, ""))
    head = (st.number, st.period, st.kind, st.subject, st.department, st.cost_center, "", st.metric)
    meta = [("organization", st.organization), ("subject_name", st.subject_name),
            ("department_name", st.department_name), ("status", st.status),
            ("rules_version", st.rules_version), ("data_version", st.data_version)]
    out += [(*head, "meta", item, "", "", "", "", "", "", "", "", "" if value is None else value)
            for item, value in meta]
    return out


def content_hash(st: Statement) -> str:
    """SHA-256 of the statement's content (the CSV rows before the hash row)."""
    return hashlib.sha256(_text(rows(st)).encode("utf-8")).hexdigest()


def _text(body: list[tuple], header: bool = True) -> str:
    # Amounts and shares are Decimals we wrote ourselves: a leading minus is a sign, not a formula.
    text = csv_text(HEADER, body)
    return text if header else text.split("\n", 1)[1]


def render(st: Statement) -> bytes:
    """The CSV file: UTF-8, a header, the rows, and a last meta row carrying the content hash."""
    body = rows(st)
    digest = hashlib.sha256(_text(body).encode("utf-8")).hexdigest()
    head = (st.number, st.period, st.kind, st.subject, st.department, st.cost_center, "", st.metric)
    last = (*head, "meta", "content_hash", "", "", "", "", "", "", "", "", digest)
    return (_text(body) + _text([last], header=False)).encode("utf-8")
