"""FOCUS versions 1.0 to 1.4: the cost-and-usage columns of each, and how a header tells them apart.

Read from the specification's column tables (tags v1.0, v1.1, v1.2; the 1.3 and 1.4 column files
carry a "Version introduced" line). 1.3 deprecates ProviderName and PublisherName in favour of
ServiceProviderName and HostProviderName; 1.4 removes them.

>>> len(columns("1.0")), len(columns("1.2")), len(columns("1.3")), len(columns("1.4"))
(43, 57, 65, 65)
>>> detect(["BilledCost", "ServiceProviderName", "HostProviderName", "ProviderName"])
'1.3'
>>> detect(["BilledCost", "ServiceProviderName", "HostProviderName"])
'1.4'
"""

VERSIONS = ("1.0", "1.1", "1.2", "1.3", "1.4")

V10 = ("AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency",
       "BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription",
       "ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart", "CommitmentDiscountCategory",
       "CommitmentDiscountId", "CommitmentDiscountName", "CommitmentDiscountStatus", "CommitmentDiscountType",
       "ConsumedQuantity", "ConsumedUnit", "ContractedCost", "ContractedUnitPrice", "EffectiveCost",
       "InvoiceIssuerName", "ListCost", "ListUnitPrice", "PricingCategory", "PricingQuantity", "PricingUnit",
       "ProviderName", "PublisherName", "RegionId", "RegionName", "ResourceId", "ResourceName", "ResourceType",
       "ServiceCategory", "ServiceName", "SkuId", "SkuPriceId", "SubAccountId", "SubAccountName", "Tags")
ADDED = {
    "1.1": ("CapacityReservationId", "CapacityReservationStatus", "CommitmentDiscountQuantity",
            "CommitmentDiscountUnit", "ServiceSubcategory", "SkuMeter", "SkuPriceDetails"),
    "1.2": ("BillingAccountType", "InvoiceId", "PricingCurrency", "PricingCurrencyContractedUnitPrice",
            "PricingCurrencyEffectiveCost", "PricingCurrencyListUnitPrice", "SubAccountType"),
    "1.3": ("AllocatedMethodDetails", "AllocatedMethodId", "AllocatedResourceId", "AllocatedResourceName",
            "AllocatedTags", "ContractApplied", "HostProviderName", "ServiceProviderName"),
    "1.4": ("CommitmentProgramEligibilityDetails", "InvoiceDetailId"),
}
REMOVED = {"1.4": ("ProviderName", "PublisherName")}

# Mandatory columns of 1.0 (unchanged up to 1.2); 1.3 adds the two provider columns, 1.4 drops the old ones.
MANDATORY_10 = ("BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd",
                "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargePeriodEnd",
                "ChargePeriodStart", "ContractedCost", "EffectiveCost", "InvoiceIssuerName", "ListCost",
                "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName", "ServiceCategory", "ServiceName")
NEW_MANDATORY = {"1.3": ("HostProviderName", "ServiceProviderName")}

# ServiceCategory values of 1.2; each has the subcategory "Other (<category>)".
SERVICE_CATEGORIES = ("AI and Machine Learning", "Analytics", "Business Applications", "Compute", "Databases",
                      "Developer Tools", "Multicloud", "Identity", "Integration", "Internet of Things",
                      "Management and Governance", "Media", "Migration", "Mobile", "Networking", "Security",
                      "Storage", "Web", "Other")
# Names used before 1.0 (the 1.0 preview and converters of that time).
PRE_10 = ("provider", "publisher", "invoiceissuer", "usagequantity", "usageunit", "amortizedcost", "chargetype")


def _upto(version: str, table: dict) -> list[str]:
    return [name for v, names in table.items() if VERSIONS.index(v) <= VERSIONS.index(version) for name in names]


def columns(version: str) -> tuple[str, ...]:
    """The cost-and-usage columns of a version, in the specification's (alphabetical) order."""
    if version not in VERSIONS:
        raise ValueError(f"unknown FOCUS version {version!r}; known: {', '.join(VERSIONS)}")
    removed = set(_upto(version, REMOVED))
    return tuple(sorted(n for n in (*V10, *_upto(version, ADDED)) if n not in removed))


def mandatory(version: str) -> tuple[str, ...]:
    removed = set(_upto(version, REMOVED))
    return tuple(sorted(n for n in (*MANDATORY_10, *_upto(version, NEW_MANDATORY)) if n not in removed))


def introduced(name: str) -> str | None:
    """The version that added a column (None for names of no version)."""
    if name in V10:
        return "1.0"
    return next((v for v, names in ADDED.items() if name in names), None)


def detect(header: list[str]) -> str:
    """The lowest version whose columns explain the header (conditional columns may be absent).

    A 1.3 or 1.4 column decides first; a header without ProviderName but with ServiceProviderName is
    1.4. Older headers are told apart by the columns each version added; 'pre-1.0' for preview names.
    """
    lower = {c.lower() for c in header}

    def has(*names: str) -> bool:
        return any(n.lower() in lower for n in names)

    if has(*ADDED["1.4"]) or (has("ServiceProviderName") and not has("ProviderName")):
        return "1.4"
    for version in ("1.3", "1.2", "1.1"):
        if has(*ADDED[version]):
            return version
    return "pre-1.0" if has(*PRE_10) and not has("ProviderName") else "1.0"
