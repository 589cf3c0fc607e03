"""How report figures are computed from the rollups: one rounding rule for every number.

The rollups store whole numbers: counts, and money in **micros** (millionths of the currency,
so 2.50 CPM is 2,500 micros an impression). A report computes each figure from those exact
integers with ``Decimal`` arithmetic and **quantizes once, at the end, with
ROUND_HALF_EVEN** (banker's rounding), never rounding an intermediate value:

- money (``spend``, ``revenue``, ``conversion_value``, ``platform_revenue``): micros / 10^6,
  quantized to 2 places and answered as a decimal string (``"12.34"``);
- ``ecpm`` = money / impressions * 1000 and ``ecpc`` = money / clicks, as money strings;
  ``"0.00"`` when there are no impressions (clicks). The money is the view's own: spend in
  advertiser views (campaigns, ads, and any report of a caller who sees spend), revenue in
  publisher views (publishers, zones, and reports of publisher-role callers);
- ``avg_winning_cpm`` (floor report) = spend / impressions * 1000, compared with the zone's
  floor price, which is a CPM too;
- percentages, quantized to 2 places and answered as JSON numbers (``2.4`` is 2.40 %):
  ``ctr`` = clicks / impressions * 100, ``conversion_rate`` = conversions / clicks * 100,
  ``viewable_rate`` = viewable impressions / impressions * 100, ``fill_rate`` = fills /
  requests * 100, video ``start_rate`` = starts / impressions * 100 and every quartile's rate
  (``completion_rate`` included) = that quartile / starts * 100. A percentage whose
  denominator is 0 is 0. ``conversion_rate`` may pass 100: one click may convert for several
  goals.

Each figure is rounded from its own exact sum, so rounded daily values need not add up to the
rounded total (the total is the exact sum of the micros, rounded once).

Who sees which money: ``spend`` is what advertisers were charged, ``revenue`` the publishers'
share of it (their earnings). Advertisers and partners see spend (and the value their
conversions reported), publishers see revenue, admins and finance see both and also
``platform_revenue`` = spend - revenue.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

CENT = Decimal("0.01")
MICROS = Decimal(1_000_000)
HUNDRED = Decimal(100)
THOUSAND = Decimal(1000)
ZERO = Decimal(0)


def _quantize(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


def money(micros: int) -> str:
    """``"12.34"`` from an exact sum of micros."""
    return str(_quantize(Decimal(micros) / MICROS))


def money_per(micros: int, count: int, *, per: int = 1) -> str:
    """Money per ``count`` units (* ``per``: 1000 for a CPM); ``"0.00"`` when ``count`` is 0."""
    if not count:
        return str(_quantize(ZERO))
    return str(_quantize(Decimal(micros) * per / (MICROS * count)))


def percent(part: int, whole: int) -> Decimal:
    """``part`` / ``whole`` * 100 to 2 places (a JSON number); 0 when ``whole`` is 0."""
    if not whole:
        return _quantize(ZERO)
    return _quantize(Decimal(part) * HUNDRED / Decimal(whole))


def cpm_from_price(price: Decimal) -> str:
    """A stored 2-place CPM (a zone's floor price) as a money string."""
    return str(_quantize(Decimal(price)))
