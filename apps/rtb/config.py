"""What the exchange reads per request besides the inventory index, held per process.

Exchange rates, the site/app → zone mappings and the demand partners are small tables that
staff edit in the admin. Each process keeps them in one immutable snapshot, reloaded (three
small queries) when it is older than ``RTB_CONFIG_SECONDS``, so a bid request reads no table.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings

logger = logging.getLogger(__name__)
_serials = itertools.count(1)


@dataclass(frozen=True, slots=True)
class PartnerConfig:
    id: int
    name: str
    endpoint_url: str
    seat: str
    timeout_ms: int
    qps_cap: int
    currency: str
    all_zones: bool
    zone_ids: frozenset[int]
    website_ids: frozenset[int]

    def offers(self, zone_id: int, website_id: int) -> bool:
        return self.all_zones or zone_id in self.zone_ids or website_id in self.website_ids


@dataclass(frozen=True, slots=True)
class RtbConfig:
    loaded_at: float
    platform_currency: str
    # Units of each currency per one unit of the platform currency (the platform's is 1).
    rates: dict[str, Decimal]
    # (source, external id) -> [(tagid or "", zone uuid)]
    mappings: dict[tuple[str, str], tuple[tuple[str, str], ...]] = field(default_factory=dict)
    partners: tuple[PartnerConfig, ...] = ()
    serial: int = field(default_factory=lambda: next(_serials))  # distinct per snapshot

    @property
    def money_key(self) -> tuple:
        """What compiled bids depend on: equal across reloads that changed no rate."""
        key = self._money_key
        if key is None:
            key = (self.platform_currency, tuple(sorted(self.rates.items())))
            object.__setattr__(self, "_money_key", key)
        return key

    _money_key: tuple | None = None

    # --- Money ----------------------------------------------------------------------------

    def rate(self, currency: str) -> Decimal | None:
        return self.rates.get(currency)

    def to_platform(self, micros: int, currency: str) -> int | None:
        """``micros`` of ``currency`` in platform micros (rounded down); None if no rate."""
        if not currency or currency == self.platform_currency:
            return micros
        rate = self.rates.get(currency)
        return None if rate is None else int(Decimal(micros) / rate)

    def from_platform(self, micros: int, currency: str) -> int | None:
        """Platform micros in ``currency`` (rounded down); None if no rate."""
        if not currency or currency == self.platform_currency:
            return micros
        rate = self.rates.get(currency)
        return None if rate is None else int(Decimal(micros) * rate)


def config_load() -> RtbConfig:
    from apps.accounts.platform_settings import setting_get

    from .models import DemandPartner, ExchangeRate, SupplyMapping

    platform = str(setting_get("currency"))
    rates = {code: rate for code, rate in ExchangeRate.objects.values_list("currency", "rate")}
    rates[platform] = Decimal(1)
    mappings: dict[tuple[str, str], list[tuple[str, str]]] = {}
    rows = SupplyMapping.objects.values_list("source", "external_id", "tagid", "zone__uuid")
    for source, external_id, tagid, zone_uuid in rows.order_by("id"):
        mappings.setdefault((source, external_id), []).append((tagid, str(zone_uuid)))
    partners = []
    for partner in DemandPartner.objects.filter(enabled=True).prefetch_related("zones", "websites"):
        partners.append(
            PartnerConfig(
                id=partner.pk,
                name=partner.name,
                endpoint_url=partner.endpoint_url,
                seat=partner.seat or partner.name,
                timeout_ms=partner.timeout_ms,
                qps_cap=partner.qps_cap,
                currency=partner.currency,
                all_zones=partner.all_zones,
                zone_ids=frozenset(z.pk for z in partner.zones.all()),
                website_ids=frozenset(w.pk for w in partner.websites.all()),
            )
        )
    return RtbConfig(
        loaded_at=time.monotonic(),
        platform_currency=platform,
        rates=rates,
        mappings={k: tuple(v) for k, v in mappings.items()},
        partners=tuple(partners),
    )


_lock = threading.Lock()
_current: RtbConfig | None = None


def rtb_config() -> RtbConfig:
    """The process's snapshot, reloaded when older than ``RTB_CONFIG_SECONDS``; if a reload
    fails (the database is down) the previous snapshot keeps serving."""
    global _current
    current = _current
    if current is not None and time.monotonic() - current.loaded_at < settings.RTB_CONFIG_SECONDS:
        return current
    with _lock:
        if _current is not current:
            return _current
        try:
            _current = config_load()
        except Exception:
            if current is None:
                raise
            logger.exception("Reloading the RTB configuration failed; keeping the previous one")
            _current = RtbConfig(
                loaded_at=time.monotonic(),
                platform_currency=current.platform_currency,
                rates=current.rates,
                mappings=current.mappings,
                partners=current.partners,
            )
        return _current


def config_reset() -> None:
    """Forget the snapshot (tests, and after the admin changes something in this process)."""
    global _current
    with _lock:
        _current = None
