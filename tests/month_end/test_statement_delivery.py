"""Statements by e-mail through a real local SMTP server: once per recipient, failures retried."""

import email
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller

from lib.core import access
from lib.month_end import statement_mail
from tests import statement_helpers as h


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def company(store, con, tmp_path, monkeypatch):
    h.setup_company(store, con, tmp_path)
    port = free_port()
    monkeypatch.setenv("COSTBOOK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("COSTBOOK_SMTP_PORT", str(port))
    monkeypatch.setenv("COSTBOOK_MAIL_DOMAIN", "example.com")
    return store, con, port


def test_statements_sent_once_and_failures_retried(company):
    store, con, port = company
    # Nobody listens yet: every delivery fails and is recorded.
    outcomes, problems = statement_mail.deliver(store, con, access.CLI, "2026-10")
    assert problems == [] and {o for *_, o in outcomes} == {"failed"}

    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        outcomes, _ = statement_mail.deliver(store, con, access.CLI, "2026-10", with_csv=True)
        again, _ = statement_mail.deliver(store, con, access.CLI, "2026-10")
    finally:
        server.stop()
    assert sorted((team, to) for team, to, o in outcomes if o == "sent") == [
        ("platform", "dora@example.com"), ("search", "dana@example.com"), ("web", "dana@example.com"),
        ("web", "wes@example.com")]
    assert {o for *_, o in again} == {"skipped"}  # nothing is sent twice
    assert len(inbox.messages) == 4
    web = next(m for m in inbox.messages if m["To"] == "wes@example.com")
    assert web["Subject"] == "Cloud chargeback statement CB-2026-10-web-1 (Web, 2026-10)"
    files = {part.get_filename(): part.get_payload(decode=True) for part in web.iter_attachments()}
    assert set(files) == {"statement-2026-10-web.pdf", "statement-2026-10-web.csv"}
    assert files["statement-2026-10-web.pdf"].startswith(b"%PDF-")
    assert b",summary,total,,,,,,,,138.01," in files["statement-2026-10-web.csv"]


def test_delivery_needs_export_permission(company):
    store, con, _ = company
    with pytest.raises(access.PermissionDenied):
        statement_mail.deliver(store, con, access.User("vic", "viewer"), "2026-10")


def test_a_credit_reads_as_money_in_the_mail_body(company, tmp_path):
    store, con, port = company
    credit = h.charge("2026-11", 2, "AWS", "acme-payer", "USD", "Amazon EC2", "Compute", "111111111111", "shop-prod",
                      "-12.004", team="web", invoice="INV-AWS-2611")
    h.load_bill(store, con, tmp_path, [credit], "november.csv")
    h.prepare(store, con)
    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        outcomes, problems = statement_mail.deliver(store, con, access.CLI, "2026-11")
    finally:
        server.stop()
    assert problems == [] and {o for *_, o in outcomes} == {"sent"}
    body = next(m for m in inbox.messages if m["To"] == "wes@example.com").get_body().get_content()
    assert "Amount charged:\r\n  USD: -$12.00\r\n" in body and "'" not in body
