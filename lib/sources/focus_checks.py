"""The rules of a FOCUS version that a cost-and-usage file is read against, as problems naming column and row.

Not a conformance checker (that is the FinOps Foundation's validator): these are the rules
whose breach makes a file mean something else than it says. By column: a version declared in
metadata needs its mandatory columns and none it does not have; from 1.3 on, ServiceProviderName
and HostProviderName are mandatory. By row: dates read as ISO 8601 (YYYY-MM-DD first), the 1.3
provider columns are not empty, split-allocation rows name their AllocatedMethodId, the 1.3 JSON
columns have their shapes (AllocatedMethodDetails: {"Elements": [{"AllocatedRatio": 0..1}, …]},
ContractApplied: {"Elements": [{"ContractId", "ContractCommitmentId", …}]}, AllocatedTags a flat
object), and a 1.4 InvoiceDetailId belongs to an InvoiceId.

>>> [str(p) for p in column_problems("bill.csv", "1.4", "declared in metadata.json",
...                                  {"ProviderName": "ProviderName", "BilledCost": "BilledCost"})][:1]
['bill.csv, column BillingAccountId: required in FOCUS 1.4 (declared in metadata.json), but the file has no such column']
"""

from lib.core import focus_versions as fv
from lib.core.problems import MAX_PROBLEMS, Problem

DATES = ("BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd")
ISO_DATE = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(Z|z|UTC|[+-]\d{2}(:?\d{2})?)?$"
SPLIT = ("AllocatedMethodDetails", "AllocatedResourceId", "AllocatedResourceName", "AllocatedTags")
NUMBER = "('UBIGINT', 'BIGINT', 'DOUBLE')"


def _later(version: str, other: str) -> bool:
    return fv.VERSIONS.index(other) > fv.VERSIONS.index(version)


def column_problems(file: str, version: str, how: str, picked: dict[str, str]) -> list[Problem]:
    """Columns missing from, or foreign to, the version the file declares or shows."""
    if version not in fv.VERSIONS:
        if version == "pre-1.0":
            return []
        return [Problem(file, None, None, f"declares FOCUS version {version} ({how}); Costbook reads 1.0 to 1.4")]
    have = set(picked)
    out = []
    if how.startswith("declared"):
        out += [Problem(file, None, c, f"required in FOCUS {version} ({how}), but the file has no such column")
                for c in fv.mandatory(version) if c not in have]
        for name in sorted(have):
            since = fv.introduced(name)
            if since and _later(version, since):
                out.append(Problem(file, None, name, f"a FOCUS {since} column in a file {how} as FOCUS {version}"))
        if version == "1.4":
            out += [Problem(file, None, c, f"removed in FOCUS 1.4 (the file is {how} as 1.4); the provider is "
                                           "ServiceProviderName") for c in fv.REMOVED["1.4"] if c in have]
    elif not _later(version, "1.3"):
        out += [Problem(file, None, c, f"required since FOCUS 1.3, and the file has FOCUS {version} columns "
                                       f"({', '.join(sorted(n for n in have if fv.introduced(n) == version))})")
                for c in fv.NEW_MANDATORY["1.3"] if c not in have]
    return out


def _elements(col: str, bad: str) -> str:
    """SQL true when a JSON column is not {"Elements": [...]} with at least one element, or an element `e`
    is bad (the FOCUS 1.3 shape of AllocatedMethodDetails and ContractApplied)."""
    return (f"case when not json_valid({col}) or json_type({col}) <> 'OBJECT' then true "
            f"when json_type({col}, '$.Elements') is distinct from 'ARRAY' then true "
            f"when json_array_length({col}, '$.Elements') = 0 then true "
            f"else len(list_filter(json_extract({col}, '$.Elements[*]'), e -> {bad})) > 0 end")


def _allocated_details(col: str) -> str:
    return _elements(col, f"json_type(e, '$.AllocatedRatio') is null or json_type(e, '$.AllocatedRatio') not in "
                          f"{NUMBER} or cast(json_extract_string(e, '$.AllocatedRatio') as double) not between 0 and 1")


def _contract_applied(col: str) -> str:
    return _elements(col, "json_type(e, '$.ContractId') is distinct from 'VARCHAR' "
                          "or json_type(e, '$.ContractCommitmentId') is distinct from 'VARCHAR' "
                          f"or (json_type(e, '$.ContractCommitmentAppliedCost') not in {NUMBER} "
                          f"and json_type(e, '$.ContractCommitmentAppliedQuantity') not in {NUMBER})")


def _flat_object(col: str) -> str:
    return (f"case when not json_valid({col}) or json_type({col}) <> 'OBJECT' then true "
            f"else len(list_filter(json_keys({col}), k -> json_type({col}, '$.\"' || k || '\"') in ('OBJECT', "
            f"'ARRAY'))) > 0 end")


def text(col: str) -> str:
    """A column as trimmed text, null when empty."""
    return f"nullif(trim(cast({col} as varchar)), '')"


def _checks(columns: dict[str, str], version: str) -> list[tuple[str, str, str]]:
    """(column, SQL true on a bad row, reason) for the rules that apply to these columns."""
    # Text that reads as a date but not as ISO 8601 ('4/1/25' would become the year 4); unreadable text
    # is ingest's to report.
    out = [(c, f"try_cast({text(c)} as timestamptz) is not null and not regexp_full_match({text(c)}, '{ISO_DATE}')",
            "not an ISO 8601 date/time (FOCUS: YYYY-MM-DDTHH:mm:ssZ)") for c in DATES if columns.get(c) == "varchar"]
    if version in ("1.3", "1.4"):
        out += [(c, f"{text(c)} is null", f"required value is empty (FOCUS {version})")
                for c in fv.NEW_MANDATORY["1.3"] if c in columns]
    if "AllocatedMethodId" in columns:
        split = " or ".join(f"{text(c)} is not null" for c in SPLIT if c in columns) or "false"
        out.append(("AllocatedMethodId", f"{text('AllocatedMethodId')} is null and ({split})",
                    "empty on a row from a split cost allocation (its other Allocated columns are set)"))
    shapes = {"AllocatedMethodDetails": (_allocated_details, 'not {"Elements": [{"AllocatedRatio": 0 to 1}, ...]}'),
              "ContractApplied": (_contract_applied, 'not {"Elements": [{"ContractId", "ContractCommitmentId", '
                                                     'an applied cost or quantity}, ...]}'),
              "AllocatedTags": (_flat_object, "not a JSON object of tag keys and plain values")}
    for col, (sql, reason) in shapes.items():
        if col in columns:
            out.append((col, f"{text(col)} is not null and {sql(text(col))}", reason))
    if "InvoiceDetailId" in columns:
        invoice = f"{text('InvoiceId')} is null" if "InvoiceId" in columns else "true"
        out.append(("InvoiceDetailId", f"{text('InvoiceDetailId')} is not null and {invoice}",
                    "set on a charge without an InvoiceId"))
    return out


def row_problems(con, file: str, view: str, version: str) -> list[Problem]:
    """Rows of `view` (FOCUS names and _row) that break the version's rules, first MAX_PROBLEMS."""
    columns = {r[0]: r[1].lower() for r in con.execute(f"describe {view}").fetchall()}
    checks = _checks(columns, version)
    if not checks:
        return []
    cases = ", ".join(f"case when {sql} then '{col}' end" for col, sql, _ in checks)
    reasons = {col: reason for col, _, reason in checks}
    sql = (f"select _row, unnest(bad) from (select _row, list_filter([{cases}], x -> x is not null) as bad "
           f"from {view}) where len(bad) > 0 order by 1 limit {MAX_PROBLEMS}")
    return [Problem(file, int(row), col, reasons[col]) for row, col in con.execute(sql).fetchall()]
