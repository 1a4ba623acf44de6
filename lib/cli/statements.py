"""Month-end verbs: statement, statements, journal, reconcile, close, reopen."""

import sys
from pathlib import Path

from lib.cli import add_verb, allocated, fail, progress_bar, write_csv
from lib.core import access, exports
from lib.core.periods import period_problem
from lib.month_end import close, journal, reconcile, statement_files, statement_mail, statements
from lib.store.lake import engine, new_duck

METRICS = ["effective", "billed", "list"]


def _engine(store, month: str):
    problem = period_problem(month)
    if problem:
        fail(problem)
    return allocated(store, engine(store, new_duck()))


def _write(path: str, data: bytes) -> None:
    try:
        Path(path).write_bytes(data)
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror}")
    print(f"wrote {path} ({len(data)} bytes)", file=sys.stderr)


def _check(problems: list[str]) -> None:
    if problems:
        for p in problems[1:]:
            print(p, file=sys.stderr)
        fail(problems[0])


def statement(store, args):
    con = _engine(store, args.month)
    data, problems = statement_files.export(store, con, access.CLI, args.team, args.month, args.format, args.metric)
    _check(problems)
    _write(args.out, data)


def statements_all(store, args):
    if not args.out and not args.send:
        fail("give --out FILE.zip, --send, or both")
    con = _engine(store, args.month)
    if args.out:
        with progress_bar(args, "statements") as progress:
            data, problems = statement_files.zip_period(store, con, access.CLI, args.month, args.metric,
                                                        progress=progress)
        _check(problems)
        _write(args.out, data)
    if args.send:
        outcomes, problems = statement_mail.deliver(store, con, access.CLI, args.month, args.with_csv,
                                                        args.metric)
        _check(problems)
        write_csv(["team", "recipient", "outcome"], outcomes)
        if any(o == "failed" for *_, o in outcomes):
            print("some deliveries failed; run again to retry them (sent ones are not repeated)", file=sys.stderr)
            return 1


def journal_cmd(store, args):
    con = _engine(store, args.month)
    lines, problems = journal.journal(store, con, access.CLI, args.month, args.metric)
    _check(problems)
    journal.record_download(store, access.CLI, args.month, len(lines))
    if args.out:
        try:
            with open(args.out, "w", newline="", encoding="utf-8") as f:
                exports.write_csv(f, journal.HEADER, journal.as_rows(lines))
        except OSError as exc:
            fail(f"cannot write {args.out}: {exc.strerror}")
        print(f"wrote {args.out} ({len(lines)} lines)", file=sys.stderr)
    else:
        write_csv(list(journal.HEADER), journal.as_rows(lines))


def reconcile_cmd(store, args):
    con = _engine(store, args.month)
    if not statements.has_data(con, args.month):
        fail(f"no charges for {args.month}")
    result = reconcile.reconcile(store, con, access.CLI, args.month, args.metric)
    write_csv(["provider", "billing_account", "currency", "invoiced", "ingested", "charges", "allocated",
               "unallocated", "statements", "adjustments", "journal", "difference", "status"],
              [(r.provider, r.billing_account or "(all accounts)", r.currency, *("" if v is None else v for v in (
                  r.invoiced, r.ingested, r.charges, r.allocated, r.unallocated, r.statements, r.adjustments,
                  r.journal, r.difference)), "pass" if r.passed else f"fail: {r.check}") for r in result.rows])
    print(f"invoiced amounts from: {result.invoiced_from}", file=sys.stderr)
    for f in result.freshness:
        print(f"source {f.source}: last refresh {f.last_refresh or 'never'}, data through {f.data_through}",
              file=sys.stderr)
    for d in result.differences:
        print(f"difference: {d}", file=sys.stderr)
        for line in d.lines:
            print(f"  {line}", file=sys.stderr)
    for r in result.restatements:
        print(f"note: {r}", file=sys.stderr)
    for c in result.corrections:
        print(f"correction to a closed period: {c}", file=sys.stderr)
    print("reconciles" if result.passed else "DOES NOT RECONCILE", file=sys.stderr)
    return 0 if result.passed else 1


def close_cmd(store, args):
    con = _engine(store, args.month)
    record, problems = close.close_month(store, con, access.CLI, args.month, args.override or "", args.metric)
    _check(problems)
    print(f"{args.month} closed (issue {record.issue}, data {record.data_fingerprint}, "
          f"rules version {record.rules_version})", file=sys.stderr)
    if args.no_send:
        return 0
    outcomes = close.send_after_close(store, con, access.CLI, args.month, args.metric)
    if outcomes:
        write_csv(["team", "recipient", "outcome"], outcomes)
    failed = sum(o == "failed" for *_, o in outcomes)
    if failed:
        print(f"{failed} statement e-mail(s) failed; `statements --month {args.month} --send` retries them",
              file=sys.stderr)


def reopen_cmd(store, args):
    _check(close.reopen_month(store, access.CLI, args.month, args.reason))
    print(f"{args.month} reopened", file=sys.stderr)


def register(sub) -> None:
    p = add_verb(sub, "statement")
    p.add_argument("--team", required=True)
    p.add_argument("--month", required=True)
    p.add_argument("--format", default="pdf", choices=["pdf", "csv"])
    p.add_argument("--out", required=True)
    p.add_argument("--metric", default="effective", choices=METRICS)
    p.set_defaults(run=statement)

    p = add_verb(sub, "statements")
    p.add_argument("--month", required=True)
    p.add_argument("--out", default=None, help="ZIP file to write")
    p.add_argument("--send", action="store_true", help="e-mail each statement to the team owners and heads")
    p.add_argument("--with-csv", action="store_true", help="attach the CSV too when sending")
    p.add_argument("--metric", default="effective", choices=METRICS)
    p.set_defaults(run=statements_all)

    p = add_verb(sub, "journal")
    p.add_argument("--month", required=True)
    p.add_argument("--out", default=None, help="CSV file (default: stdout)")
    p.add_argument("--metric", default="effective", choices=METRICS)
    p.set_defaults(run=journal_cmd)

    p = add_verb(sub, "reconcile")
    p.add_argument("--month", required=True)
    p.add_argument("--metric", default="effective", choices=METRICS)
    p.set_defaults(run=reconcile_cmd)

    p = add_verb(sub, "close")
    p.add_argument("--month", required=True)
    p.add_argument("--override", default=None, metavar="REASON", help="close although it does not reconcile")
    p.add_argument("--no-send", action="store_true", help="do not e-mail the statements (sent when SMTP is set up)")
    p.add_argument("--metric", default="effective", choices=METRICS)
    p.set_defaults(run=close_cmd)

    p = add_verb(sub, "reopen")
    p.add_argument("--month", required=True)
    p.add_argument("--reason", required=True)
    p.set_defaults(run=reopen_cmd)
