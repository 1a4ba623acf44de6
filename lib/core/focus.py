"""The charge schema as stored in the lake: FOCUS 1.2, the 1.3/1.4 cost-and-usage columns, Costbook's x_ columns.

Every importer produces exactly these columns, in this order, with these types; a file's own
``x_`` columns travel in x_ProviderExtras, so every lake file of a lake schema has one set of
columns and other engines can read the lake without a mapping step. Which columns each FOCUS
version has is lib.core.focus_versions.

>>> COLUMN_TYPES["BilledCost"]
'decimal(38,12)'
"""

MONEY = "decimal(38,12)"
QTY = "decimal(38,12)"

# (name, DuckDB type, required): required columns must be non-null on every row.
COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("AvailabilityZone", "varchar", False),
    ("BilledCost", MONEY, True),
    ("BillingAccountId", "varchar", True),
    ("BillingAccountName", "varchar", False),
    ("BillingAccountType", "varchar", False),
    ("BillingCurrency", "varchar", True),
    ("BillingPeriodEnd", "timestamp", True),
    ("BillingPeriodStart", "timestamp", True),
    ("CapacityReservationId", "varchar", False),
    ("CapacityReservationStatus", "varchar", False),
    ("ChargeCategory", "varchar", True),
    ("ChargeClass", "varchar", False),
    ("ChargeDescription", "varchar", False),
    ("ChargeFrequency", "varchar", False),
    ("ChargePeriodEnd", "timestamp", True),
    ("ChargePeriodStart", "timestamp", True),
    ("CommitmentDiscountCategory", "varchar", False),
    ("CommitmentDiscountId", "varchar", False),
    ("CommitmentDiscountName", "varchar", False),
    ("CommitmentDiscountQuantity", QTY, False),
    ("CommitmentDiscountStatus", "varchar", False),
    ("CommitmentDiscountType", "varchar", False),
    ("CommitmentDiscountUnit", "varchar", False),
    ("ConsumedQuantity", QTY, False),
    ("ConsumedUnit", "varchar", False),
    ("ContractedCost", MONEY, False),
    ("ContractedUnitPrice", QTY, False),
    ("EffectiveCost", MONEY, True),
    ("InvoiceId", "varchar", False),
    ("InvoiceIssuerName", "varchar", False),
    ("ListCost", MONEY, False),
    ("ListUnitPrice", QTY, False),
    ("PricingCategory", "varchar", False),
    ("PricingCurrency", "varchar", False),
    ("PricingCurrencyContractedUnitPrice", QTY, False),
    ("PricingCurrencyEffectiveCost", MONEY, False),
    ("PricingCurrencyListUnitPrice", QTY, False),
    ("PricingQuantity", QTY, False),
    ("PricingUnit", "varchar", False),
    ("ProviderName", "varchar", True),
    ("PublisherName", "varchar", False),
    ("RegionId", "varchar", False),
    ("RegionName", "varchar", False),
    ("ResourceId", "varchar", False),
    ("ResourceName", "varchar", False),
    ("ResourceType", "varchar", False),
    ("ServiceCategory", "varchar", False),
    ("ServiceName", "varchar", True),
    ("ServiceSubcategory", "varchar", False),
    ("SkuId", "varchar", False),
    ("SkuMeter", "varchar", False),
    ("SkuPriceDetails", "varchar", False),
    ("SkuPriceId", "varchar", False),
    ("SubAccountId", "varchar", False),
    ("SubAccountName", "varchar", False),
    ("SubAccountType", "varchar", False),
    ("Tags", "varchar", False),
    # FOCUS 1.3 provider columns, kept beside the deprecated ProviderName.
    ("ServiceProviderName", "varchar", False),
    ("HostProviderName", "varchar", False),
    # Lake schema 2: the other FOCUS 1.3 and 1.4 columns (JSON columns as text) and the provider's extras.
    ("AllocatedMethodDetails", "varchar", False),
    ("AllocatedMethodId", "varchar", False),
    ("AllocatedResourceId", "varchar", False),
    ("AllocatedResourceName", "varchar", False),
    ("AllocatedTags", "varchar", False),
    ("ContractApplied", "varchar", False),
    ("CommitmentProgramEligibilityDetails", "varchar", False),
    ("InvoiceDetailId", "varchar", False),
    ("x_ProviderExtras", "varchar", False),  # the file's own x_ columns as one JSON object {name: value}
    # Costbook extras.
    ("x_Source", "varchar", True),  # the configured source or file format that delivered the row
    ("x_BillingPeriod", "varchar", True),  # 'YYYY-MM' of BillingPeriodStart: the lake partition key
)

NAMES = tuple(name for name, _, _ in COLUMNS)
# Lake files record the schema they were written with; older files lack the columns added since.
LAKE_SCHEMA = 2
ADDED_IN_SCHEMA = {2: NAMES[NAMES.index("AllocatedMethodDetails"):NAMES.index("x_ProviderExtras") + 1]}
COLUMN_TYPES = {name: typ for name, typ, _ in COLUMNS}
REQUIRED = tuple(name for name, _, req in COLUMNS if req)

CHARGE_CATEGORIES = ("Usage", "Purchase", "Tax", "Credit", "Adjustment")
CHARGE_FREQUENCIES = ("One-Time", "Recurring", "Usage-Based")

# Cost bases a user may choose, and THE check of one. On the `allocated` view each basis is a column
# of its own name; over raw charges it is the FOCUS column below. 'list' falls back to BilledCost where
# a provider publishes no ListCost (FOCUS: credit and tax rows carry BilledCost only).
METRICS = ("effective", "billed", "list")
COST_COLUMNS = {"effective": "EffectiveCost", "billed": "BilledCost", "list": "coalesce(ListCost, BilledCost)"}


def metric(name: str) -> str:
    """The cost basis, checked: 'effective', 'billed' or 'list' (a ValueError for anything else)."""
    if name not in METRICS:
        raise ValueError(f"unknown cost basis {name!r}: use one of {', '.join(METRICS)}")
    return name


def cost_column(name: str) -> str:
    """The SQL expression of a cost basis over FOCUS charges.

    >>> cost_column("list")
    'coalesce(ListCost, BilledCost)'
    """
    return COST_COLUMNS[metric(name)]


def snake(name: str) -> str:
    """FOCUS column name to the snake_case used in rules: 'SubAccountId' -> 'sub_account_id'."""
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and not name[i - 1].isupper():
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


SNAKE_TO_COLUMN = {snake(n): n for n in NAMES if not n.startswith("x_")}
