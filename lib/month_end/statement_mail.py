"""E-mail each team's statement to its owners and its department heads.

Uses the alert e-mail settings and the delivery log (lib.notify): a statement issue
(its number) is sent once per recipient; a failed send is recorded and retried by the
next run, and what was sent is never sent twice. Every run is audited.

>>> outcomes = deliver(store, con, user, "2026-10")       # doctest: +SKIP
>>> outcomes[0]                                            # doctest: +SKIP
('web', 'wes@example.com', 'sent')
"""

from functools import partial

from lib.core import access, money
from lib.core.periods import period_problem
from lib.month_end import statement_csv, statements
from lib.month_end.statement_files import file_name, period_files
from lib.month_end.statement_records import Statement
from lib.notify import channels, recipients
from lib.store import audit
from lib.store.state import Store


def _message(st: Statement) -> tuple[str, str]:
    subject = f"Cloud chargeback statement {st.number} ({st.subject_name}, {st.period})"
    totals = "\n".join(f"  {b.currency}: {money.fmt(b.due, b.currency)}" for b in st.blocks)
    body = (f"Hello,\n\nattached is the cloud cost statement of {st.subject_name} ({st.department_name}) for "
            f"{st.period}{' (draft: the month is not closed yet)' if st.status == 'draft' else ''}.\n\n"
            f"Amount charged:\n{totals}\n\nStatement {st.number}, content hash {statement_csv.content_hash(st)}.\n")
    return subject, body


def deliver(store: Store, con, user: access.User, period: str, with_csv: bool = False,
            metric: str = "effective") -> tuple[list[tuple[str, str, str]], list[str]]:
    """Send every visible team's statement; ([(team, address, 'sent'|'failed'|'skipped')], problems)."""
    access.require(user, "export")
    problem = period_problem(period)
    formats = ("pdf", "csv") if with_csv else ("pdf",)
    built, problems = ([], [problem]) if problem else period_files(store, con, user, period, formats, metric)
    if problems or not built:
        return [], problems or [f"no charges for {period}"]
    org, smtp, out = statements.organization(store), channels.smtp_settings(), []
    for st, files in built:
        team = st.subject
        attachments = [(file_name(team, period, fmt), data, "application/pdf" if fmt == "pdf" else "text/csv")
                       for fmt, data in files.items()]
        subject, body = _message(st)
        for username in recipients.recipients(org, "team", team):
            address = recipients.email_of(store, username) or f"{username} (no e-mail address)"
            send = partial(channels.send_email, smtp, [address], subject, body, attachments)
            outcome = channels.deliver_once(store, f"statement:{st.number}:{metric}", "email", address, send,
                                          "statement", subject, body, st.department)
            out.append((team, address, outcome))
    audit.record(store, user, "statement.deliver", period,
                 {"metric": metric, "sent": sum(o == "sent" for *_, o in out),
                  "failed": sum(o == "failed" for *_, o in out), "skipped": sum(o == "skipped" for *_, o in out)})
    return out, []
