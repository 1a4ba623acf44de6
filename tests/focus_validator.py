"""The FinOps Foundation's focus-validator 2.2.1, run on Costbook's exports, and what its findings mean.

The validator lives in its own Python 3.12 environment (.venv-fv, built by `make setup-fv`; `make test`
sets COSTBOOK_FOCUS_VALIDATOR and then a missing validator fails instead of skipping). It ships the FOCUS
1.2 rule model only and runs offline (--block-download). Its exit code is 0 whatever it finds, so the
console report is parsed: `- <rule>: violations=N; <message>` per failed rule.

Which rules apply depends on "applicability criteria", the features a data generator declares. Costbook
declares a feature when the exported data carries it (`criteria`): a feature whose columns a source
leaves empty (the legacy CUR has no account names) is not claimed.

A finding is excused only when it is one of the validator's own false positives (FALSE_POSITIVES, read
in its rule model and confirmed on hand-made files), a SHOULD/RECOMMENDED finding (FOCUS allows them:
they are listed, not failed), a composite whose failing parts are all excused, a rule that fires only
because the validator ORs criteria the specification ANDs, or a breach a test shows is in the source
file itself (`allowed`).
"""

import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from tests.paths import ROOT

VALIDATOR = os.path.abspath(os.environ.get("COSTBOOK_FOCUS_VALIDATOR") or ROOT / ".venv-fv" / "bin" / "focus-validator")
FALSE_POSITIVES = {
    "InvoiceId-C-004-C": "the rule model gives it no condition, so 'InvoiceId MUST be null' is checked on every row "
                         "(only the parent InvoiceId-C-003-C, one of C-004/C-005, is meaningful)",
    "InvoiceId-C-005-C": "likewise 'InvoiceId MUST NOT be null' on every row, with no condition",
    "BilledCost-C-005-C": "reads ProviderName <> InvoiceIssuerName as a marketplace purchase (BilledCost must be 0); "
                          "every AWS and Microsoft row names the provider and the issuing company differently",
    "CommitmentDiscountStatus-C-004-C": "its condition is 'CommitmentDiscountId IS NULL' where the specification "
                                        "says not null and ChargeCategory Usage: it wants a status on every row "
                                        "without a commitment, contradicting CommitmentDiscountStatus-C-003-C",
    "CapacityReservationStatus-C-003-C": "its condition is malformed in the model and dropped",
    "CapacityReservationStatus-C-004-C": "its condition is malformed in the model and dropped",
}
# CSV only: the validator infers column types from the text, so numeric-looking ids become integers.
CSV_TYPE_INFERENCE = {"BillingAccountId-C-002-M", "SubAccountId-C-001-M", "InvoiceId-C-001-M",
                      "ConsumedQuantity-C-001-M", "CommitmentDiscountQuantity-C-001-M", "PricingQuantity-C-001-M"}
ADVISORY = ("SHOULD", "SHOULD NOT", "RECOMMENDED", "MAY", "OPTIONAL")
FAILURE = re.compile(r"^- (\S+): violations=(\d+); (.*)$")
CHILDREN = re.compile(r"failed child rules: \[(.*)\]")


def available() -> bool:
    return Path(VALIDATOR).is_file()


def require() -> None:
    """Skip without the validator, unless the run says it must be there (make test)."""
    if not available():
        if os.environ.get("COSTBOOK_FOCUS_VALIDATOR"):
            pytest.fail(f"focus-validator not found at {VALIDATOR}")
        pytest.skip("focus-validator is not installed: make setup-fv")


def model() -> dict:
    site = next(Path(VALIDATOR).resolve().parents[1].glob("lib/python3.12/site-packages/focus_validator"))
    return json.loads((site / "rules" / "model-1.2.0.1.json").read_text())["ModelRules"]


def criteria(path: str) -> list[str]:
    """The applicability criteria the exported data supports: a feature is claimed when its columns are filled."""
    con = duckdb.connect()
    src = f"read_parquet('{path}')" if path.endswith(".parquet") else f"read_csv('{path}', all_varchar = true)"
    checks = {
        "ACCOUNT_NAMING_SUPPORTED": "count(*) = count(BillingAccountName)",
        "AVAILABILITY_ZONE_SUPPORTED": "count(AvailabilityZone) > 0",
        "CAPACITY_RESERVATION_SUPPORTED": "count(CapacityReservationId) > 0",
        "COMMITMENT_DISCOUNT_SUPPORTED": "count(CommitmentDiscountId) > 0",
        "MULTIPLE_PRICING_CATEGORIES_SUPPORTED": "count(distinct PricingCategory) > 1",
        "MULTIPLE_SUB_ACCOUNT_TYPES_SUPPORTED": "count(SubAccountType) > 0 and count(SubAccountType) = count(SubAccountId)",
        "MULTIPLE_BILLING_ACCOUNT_TYPES_SUPPORTED": "count(*) = count(BillingAccountType)",
        "NEGOTIATED_PRICING_SUPPORTED": "count(ContractedUnitPrice) > 0",
        "PUBLIC_PRICE_LIST_SUPPORTED": "count(ListUnitPrice) > 0",
        "USAGE_MEASUREMENT_SUPPORTED": "count(ConsumedQuantity) > 0",
        "UNIT_PRICING_SUPPORTED": "count(ListUnitPrice) + count(ContractedUnitPrice) > 0",
        "SUB_ACCOUNT_SUPPORTED": "count(SubAccountId) > 0 and count(SubAccountId) = count(SubAccountName)",
        "BILLING_BASED_ON_PROVISIONED_RESOURCES_SUPPORTED": "count(ResourceId) > 0",
        "RESOURCE_TYPE_ASSIGNMENT_SUPPORTED": "count(ResourceType) > 0 and count(ResourceId) = count(ResourceType)",
        "PRICING_BILLING_CURRENCY_DIFFERENCES_SUPPORTED": "count_if(PricingCurrency <> BillingCurrency) > 0",
        "REGION_SUPPORTED": "count(RegionId) > 0 and count(RegionId) = count(RegionName)",
        "TAGGING_SUPPORTED": "count(Tags) > 0",
    }
    row = con.execute(f"select {', '.join(checks.values())} from {src}").fetchone()
    return [name for name, ok in zip(checks, row) if ok]


@dataclass(frozen=True)
class Report:
    totals: str  # 'Total: 578 | Pass: P | Fail: F | Skipped: S'
    failed: dict[str, tuple[int, str]]  # rule -> (violations, message)


def run(path: str, crit: list[str], workdir: Path) -> Report:
    """Validate a file against FOCUS 1.2 offline, from a folder where the validator finds its package data."""
    site = next(Path(VALIDATOR).resolve().parents[1].glob("lib/python3.12/site-packages/focus_validator"))
    workdir.mkdir(parents=True, exist_ok=True)
    link = workdir / "focus_validator"  # it opens focus_validator/rules/currency_codes.csv from the cwd
    if not link.exists():
        link.symlink_to(site)
    args = [VALIDATOR, "--data-file", str(Path(path).resolve()), "--validate-version", "1.2", "--block-download"]
    if crit:
        args += ["--applicability-criteria", ",".join(crit)]
    done = subprocess.run(args, cwd=workdir, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    totals = next(line for line in lines if line.startswith("Total:"))
    failed = {m[1]: (int(m[2]), m[3]) for m in map(FAILURE.match, lines) if m}
    return Report(totals, failed)


def _excused(rule: str, report: Report, rules: dict, crit: set[str], csv: bool, allowed: dict, seen=()) -> str | None:
    """Why a failed rule is not a conformance failure, or None."""
    if rule in allowed:
        return "in the source data: " + allowed[rule]
    if rule in FALSE_POSITIVES:
        return "false positive: " + FALSE_POSITIVES[rule]
    if csv and rule in CSV_TYPE_INFERENCE:
        return "CSV type inference: numeric-looking text read as an integer"
    spec = rules.get(rule, {})
    if spec.get("ValidationCriteria", {}).get("Keyword") in ADVISORY:
        return "advisory (" + spec["ValidationCriteria"]["Keyword"] + ")"
    root = rules.get(rule.split("-C-")[0] + "-C-000-" + rule[-1]) or rules.get(rule, {})
    needs = set(root.get("ApplicabilityCriteria") or [])
    if needs and not needs <= crit:
        return "applies only with " + " and ".join(sorted(needs)) + " (the validator ORs them)"
    children = CHILDREN.search(report.failed[rule][1])
    if children and rule not in seen:
        names = [c.strip() for c in children[1].split(",") if c.strip()]
        if all(c not in report.failed or _excused(c, report, rules, crit, csv, allowed, (*seen, rule)) for c in names):
            return "composite of excused rules"
    return None


def findings(report: Report, crit: list[str], csv: bool = False,
             allowed: dict[str, str] | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """({failed rule: message} not excused, {failed rule: why excused}); `allowed`: rules a test has shown the
    source data itself breaks, {rule: how}."""
    rules = model()
    unexplained, excused = {}, {}
    for rule, (count, message) in sorted(report.failed.items()):
        why = _excused(rule, report, rules, set(crit), csv, allowed or {})
        if why:
            excused[rule] = why
        else:
            unexplained[rule] = f"{count} violation(s): {message}"
    return unexplained, excused
