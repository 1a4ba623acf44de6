"""FOCUS datasets beside cost and usage: ContractCommitment (1.3), BillingPeriod and InvoiceDetail (1.4).

They are small (one row per commitment, per issuer and month, per invoice line) and are read
with the charges they describe, so they live in the state store: `focus_contract_commitments`,
`focus_billing_periods` (every status reported, oldest first) and `focus_invoice_details`. A file
replaces what it covers: the commitments of its contracts, the invoice lines of its (issuer,
billing period) pairs; billing period statuses are appended, so a Closed period that is later
corrected can be told. Rows are checked like charges: a problem names file, row and column.

>>> detect(["BillingPeriodStart", "BillingPeriodEnd", "BillingPeriodStatus", "InvoiceIssuerName"])
'BillingPeriod'
"""

from dataclasses import dataclass
from pathlib import Path

from lib.core.problems import MAX_PROBLEMS, Problem
from lib.core.sql import identifier, literal
from lib.sources.focus_checks import ISO_DATE, text
from lib.sources.focus_file import reader_sql
from lib.store.state import Store, now_iso, state


@dataclass(frozen=True)
class Field:
    column: str  # the FOCUS column
    store: str  # the state table's column
    kind: str = "text"  # text | decimal | time
    required: bool = True  # present and never empty


@dataclass(frozen=True)
class Dataset:
    name: str
    table: str
    marks: frozenset[str]  # lower-case columns a header of this dataset has
    fields: tuple[Field, ...]
    enums: tuple[tuple[str, tuple[str, ...]], ...] = ()
    replaces: tuple[str, ...] = ()  # stored rows sharing these values with the file's rows are replaced
    period: bool = True  # the table has a `period` column ('YYYY-MM' of period_start)
    after_run: bool = False  # the table records the latest ingest run at import (`after_run`)


DATASETS = {d.name: d for d in (
    Dataset("ContractCommitment", "focus_contract_commitments",
            frozenset({"contractcommitmentid", "contractid", "contractcommitmentcategory"}), (
                Field("ContractCommitmentId", "contract_commitment_id"), Field("ContractId", "contract_id"),
                Field("ContractCommitmentCategory", "category"), Field("ContractCommitmentType", "type"),
                Field("ContractCommitmentDescription", "description", required=False),
                Field("ContractCommitmentCost", "cost", "decimal", False),
                Field("ContractCommitmentQuantity", "quantity", "decimal", False),
                Field("ContractCommitmentUnit", "unit", required=False), Field("BillingCurrency", "billing_currency",
                                                                       required=False),
                Field("ContractCommitmentPeriodStart", "period_start", "time"),
                Field("ContractCommitmentPeriodEnd", "period_end", "time"),
                Field("ContractPeriodStart", "contract_period_start", "time"),
                Field("ContractPeriodEnd", "contract_period_end", "time")),
            (("ContractCommitmentCategory", ("Spend", "Usage")),), ("contract_id",), period=False),
    Dataset("BillingPeriod", "focus_billing_periods",
            frozenset({"billingperiodstatus", "billingperiodstart", "invoiceissuername"}), (
                Field("InvoiceIssuerName", "invoice_issuer"), Field("BillingPeriodStart", "period_start", "time"),
                Field("BillingPeriodEnd", "period_end", "time"), Field("BillingPeriodStatus", "status"),
                Field("BillingPeriodCreated", "created", "time"), Field("BillingPeriodLastUpdated", "last_updated", "time")),
            (("BillingPeriodStatus", ("Open", "Closed")),), after_run=True),
    Dataset("InvoiceDetail", "focus_invoice_details",
            frozenset({"invoicedetailid", "invoiceid", "billedcost", "invoiceissuername"}), (
                Field("InvoiceIssuerName", "invoice_issuer"), Field("InvoiceId", "invoice_id"),
                Field("InvoiceDetailId", "invoice_detail_id"), Field("BillingAccountId", "billing_account_id"),
                Field("BillingCurrency", "billing_currency"), Field("ChargeCategory", "charge_category"),
                Field("BillingPeriodStart", "period_start", "time"), Field("BillingPeriodEnd", "period_end", "time"),
                Field("BilledCost", "billed_cost", "decimal"), Field("InvoiceIssueStatus", "issue_status", required=False),
                Field("InvoiceIssueDate", "issue_date", "time", False),
                Field("InvoiceDetailDescription", "description", required=False)),
            (("ChargeCategory", ("Usage", "Purchase", "Tax", "Credit", "Adjustment")),),
            ("invoice_issuer", "period_start")),
)}


def detect(columns: list[str]) -> str | None:
    """The dataset a header belongs to (None for cost and usage, which has charge periods)."""
    lower = {c.lower() for c in columns}
    if "chargeperiodstart" in lower:
        return None
    return next((d.name for d in DATASETS.values() if d.marks <= lower), None)


def _value(field: Field, col: str) -> str:
    if field.kind == "decimal":
        return f"cast(try_cast({text(col)} as decimal(38,12)) as varchar)"
    if field.kind == "time":
        return f"strftime(try_cast({text(col)} as timestamptz), '%Y-%m-%dT%H:%M:%SZ')"
    return text(col)


def _checks(ds: Dataset, picked: dict[str, str]) -> list[str]:
    """SQL giving 'Column: reason' per bad value of a row."""
    out = []
    for f in ds.fields:
        if f.column not in picked:
            continue
        col, raw = identifier(picked[f.column]), text(identifier(picked[f.column]))
        if f.required:
            out.append(f"case when {raw} is null then '{f.column}: required value is empty' end")
        if f.kind == "decimal":
            out.append(f"case when {raw} is not null and {_value(f, col)} is null then "
                       f"'{f.column}: cannot read as a number: ' || {raw} end")
        if f.kind == "time":
            out.append(f"case when {raw} is not null and ({_value(f, col)} is null or not regexp_full_match({raw}, "
                       f"'{ISO_DATE}')) then '{f.column}: not an ISO 8601 date/time: ' || {raw} end")
    for column, allowed in ds.enums:
        if column in picked:
            raw = text(identifier(picked[column]))
            out.append(f"case when {raw} not in ({', '.join(map(literal, allowed))}) then "
                       f"'{column}: not one of {', '.join(allowed)}: ' || {raw} end")
    return out


def load(con, path: str, view: str, name: str) -> list[Problem]:
    """Create `view` (the dataset's state columns, `extra` and `_row`) from a file, or return its problems."""
    ds, file = DATASETS[name], Path(path).name
    header = [d[0] for d in con.execute(f"select * from {reader_sql(path)} limit 0").description]
    by_lower = {c.lower(): c for c in reversed(header)}
    picked = {f.column: by_lower[f.column.lower()] for f in ds.fields if f.column.lower() in by_lower}
    problems = [Problem(file, None, f.column, f"required in the FOCUS {ds.name} dataset, but the file has no such "
                                              "column") for f in ds.fields if f.required and f.column not in picked]
    if problems:
        return problems
    numbered = f"select row_number() over () + 1 as _row, * from {reader_sql(path)}"
    bad = (f"select _row, unnest(bad) from (select _row, list_filter([{', '.join(_checks(ds, picked))}], "
           f"x -> x is not null) as bad from ({numbered})) where len(bad) > 0 order by 1 limit {MAX_PROBLEMS}")
    found = [Problem(file, int(row), msg.split(": ", 1)[0], msg.split(": ", 1)[1])
             for row, msg in con.execute(bad).fetchall()]
    if found:
        return found
    others = [c for c in header if c not in picked.values()]
    extra = (f"cast(json_object({', '.join(f'{literal(c)}, {identifier(c)}' for c in others)}) as varchar)"
             if others else "'{}'")
    exprs = {f.store: _value(f, identifier(picked[f.column])) if f.column in picked else "null" for f in ds.fields}
    if ds.period:
        exprs["period"] = f"left({exprs['period_start']}, 7)"
    values = ", ".join(f"{expr} as {name}" for name, expr in exprs.items())
    con.execute(f"create or replace temp view {view} as select _row, {values}, {extra} as extra from ({numbered})")
    return []


def save(store: Store, con, loaded: list[tuple[str, str, str]]) -> dict[str, int]:
    """Write the checked views [(file name, view, dataset)] to the state store in one transaction."""
    counts: dict[str, int] = {}
    with state(store, write=True) as db:
        latest = db.execute("select coalesce(max(id), 0) from ingest_runs where outcome = 'ok'").fetchone()[0]
        for file, view, name in loaded:
            ds = DATASETS[name]
            cols = [f.store for f in ds.fields] + ["extra"] + (["period"] if ds.period else [])
            rows = con.execute(f"select {', '.join(cols)} from {view} order by _row").fetchall()
            if ds.replaces:
                keys = {tuple(r[cols.index(k)] for k in ds.replaces) for r in rows}
                db.executemany(f"delete from {ds.table} where {' and '.join(f'{k} = ?' for k in ds.replaces)}",
                               sorted(keys))
            mark = ["after_run"] if ds.after_run else []
            names = [*cols, "file", "imported_at", *mark]
            # A status already reported (same issuer, period, status and time) is not appended twice.
            verb = "insert or ignore" if name == "BillingPeriod" else "insert or replace"
            db.executemany(f"{verb} into {ds.table} ({', '.join(names)}) values ({', '.join('?' * len(names))})",
                           [(*r, file, now_iso(), *([latest] if mark else [])) for r in rows])
            counts[name] = counts.get(name, 0) + len(rows)
    return counts
