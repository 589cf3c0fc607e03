"""The one rounding rule: exact micros, quantized once, half-even."""

from decimal import Decimal

from apps.reporting.money import money, money_per, percent


def test_money_rounds_half_even_once():
    assert money(0) == "0.00"
    assert money(5_000) == "0.00"  # 0.005 -> even 0.00
    assert money(15_000) == "0.02"  # 0.015 -> even 0.02
    assert money(25_000) == "0.02"
    assert money(25_001) == "0.03"
    assert money(12_345_678) == "12.35"
    assert money(29_990_000) == "29.99"


def test_money_per_unit_and_per_mille():
    assert money_per(17_500, 7, per=1000) == "2.50"  # eCPM
    assert money_per(17_500, 2) == "0.01"  # eCPC 0.00875
    assert money_per(1_000_000, 0) == "0.00"
    # Rounded once: 1/3 of a cent per click is 0.00, not a sum of rounded parts.
    assert money_per(10_000, 3) == "0.00"


def test_percentages():
    assert percent(2, 7) == Decimal("28.57")
    assert percent(1, 8) == Decimal("12.50")
    assert percent(1, 0) == Decimal("0.00")
    assert percent(1, 3) == Decimal("33.33")
    assert percent(2, 3) == Decimal("66.67")
    assert percent(1, 800) == Decimal("0.12")  # 0.125 -> even 0.12
    assert percent(3, 800) == Decimal("0.38")  # 0.375 -> even 0.38
