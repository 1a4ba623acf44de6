"""Money: largest-remainder rounding makes lines add up to the rounded total."""

from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from lib.core.money import fmt, round_lines, split


def test_thirds_add_up():
    assert split(D("100"), [D(1), D(1), D(1)]) == [D("33.34"), D("33.33"), D("33.33")]
    assert round_lines([D("0.333"), D("0.333"), D("0.334")]) == [D("0.33"), D("0.33"), D("0.34")]


@given(st.lists(st.decimals(min_value=-10**6, max_value=10**6, places=6, allow_nan=False, allow_infinity=False),
                min_size=1, max_size=40))
def test_rounded_lines_always_add_up_to_the_rounded_total(amounts):
    lines = round_lines(amounts)
    assert sum(lines) == sum(amounts).quantize(D("0.01"), rounding="ROUND_HALF_UP")
    assert all(abs(line - a) < D("0.01") for line, a in zip(lines, amounts))


def test_formatting():
    assert fmt(D("-1234.5"), "USD") == "-$1,234.50"
    assert fmt(D("3"), "CHF") == "3.00 CHF"
