"""Exact money: Decimal amounts, cents rounding by largest remainder, formatting.

Amounts stay unrounded Decimals until a person reads them; then ``round_lines``
rounds every line to cents so that the lines add up exactly to the rounded total.

>>> round_lines([Decimal("0.333"), Decimal("0.333"), Decimal("0.334")])
[Decimal('0.33'), Decimal('0.33'), Decimal('0.34')]
"""

from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
# ISO 4217 active codes: a billing or budget currency must be one of them.
_ISO_4217 = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF
CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD
HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD
MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN
PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY
TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
"""
CURRENCIES = frozenset(_ISO_4217.split())
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "NOK": "kr ", "INR": "₹"}


def to_decimal(value) -> Decimal:
    """A database or text value as a Decimal (None -> 0); floats are refused."""
    if value is None:
        return Decimal(0)
    if isinstance(value, float):
        raise TypeError("money must not pass through float")
    return value if isinstance(value, Decimal) else Decimal(str(value))


def round_total(amount: Decimal) -> Decimal:
    return to_decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def round_lines(amounts: list[Decimal], total: Decimal | None = None) -> list[Decimal]:
    """Round each amount to cents so the parts add up to the rounded total.

    Each line is floored to a cent; the cents still missing go to the lines with the
    largest remainders (ties to the earlier line). Works for negative amounts too.
    """
    amounts = [to_decimal(a) for a in amounts]
    target = round_total(sum(amounts, Decimal(0)) if total is None else total)
    floors = [a.quantize(CENT, rounding=ROUND_FLOOR) for a in amounts]
    missing = int((target - sum(floors, Decimal(0))) / CENT)
    order = sorted(range(len(amounts)), key=lambda i: (-(amounts[i] - floors[i]), i))
    step = CENT if missing >= 0 else -CENT
    for k in range(abs(missing)):
        floors[order[k % len(order)] if missing >= 0 else order[-1 - k % len(order)]] += step
    return floors


def split(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split an amount into cents in proportion to weights; the parts add up to the amount."""
    total = sum(weights, Decimal(0))
    if not weights or total == 0:
        raise ValueError("split needs weights with a non-zero sum")
    return round_lines([to_decimal(amount) * w / total for w in weights], amount)


def fmt(amount, currency: str = "", places: int = 2) -> str:
    """'$1,234.50', '-€12.00', 'kr 3.10'; currency codes without a symbol are appended."""
    value = to_decimal(amount).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    body = f"{abs(value):,.{places}f}"
    symbol = SYMBOLS.get(currency)
    if symbol:
        return f"{sign}{symbol}{body}"
    return f"{sign}{body} {currency}".rstrip()
