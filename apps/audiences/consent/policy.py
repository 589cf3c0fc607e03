"""What serving may do with a visitor, given the consent signals of the request and the
website's CMP settings (PRODUCT.md "Consent and user keys").

- GDPR applies where the website says always, where the visitor's country is in the EU, the
  EEA or the UK, where the request says ``gdpr=1``, or where ``gpp_sid`` names the TCF EU
  section. ``gdpr=0`` does not switch it off where one of the others says it applies.
- Where it applies, a TC string that decodes and gives our vendor (the website's vendor id,
  else ``TCF_VENDOR_ID``; with neither, the platform acts as the publisher's first party and
  reads the purposes the visitor consented to) is valid consent. Purpose 1 gates the user
  key (reading or setting the cookie, frequency caps by user), purposes 3 and 4 gate
  segments, retargeting and personalised ads, purpose 7 (consent or legitimate interest)
  gates per-user measurement; aggregate counts are always kept. Without valid consent
  nothing user-keyed happens: contextual ads only, or no ad where the website says so.
- A US Privacy opt-out (``1-Y-``, or a malformed string) or ``Sec-GPC: 1`` removes every
  user-keyed use the same way (anywhere).

``consent_decide`` is cached by its inputs; a request without any signal, outside the EEA,
on a website with the default settings costs a few dictionary lookups (``ALLOW_ALL``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .gpp import TCF_EU_V2, US_PRIVACY_V1, gpp_decode
from .tcf import tcf_decode
from .usp import usp_decode

# EU member states, the other EEA states (Iceland, Liechtenstein, Norway) and the UK.
GDPR_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
        "IS",
        "LI",
        "NO",
        "GB",
    ]
)
# The Greek ISO code is GR; some GeoIP databases say EL. UK is sometimes used for GB.
GDPR_COUNTRIES |= {"EL", "UK"}
MAX_SIGNAL_LENGTH = 8192


@dataclass(frozen=True, slots=True)
class CmpSettings:
    """A website's CMP configuration as serving reads it (``WebsiteConsentSettings``)."""

    gdpr_applies: str = "country"  # "country" or "always"
    vendor_id: int | None = None
    without_consent: str = "contextual"  # "contextual" or "none"


DEFAULT_CMP = CmpSettings()


@dataclass(frozen=True, slots=True)
class ConsentSignals:
    """The signals of one request, as received."""

    gdpr: int | None = None  # the gdpr parameter: 1, 0 or absent
    gdpr_consent: str = ""
    us_privacy: str = ""
    gpp: str = ""
    gpp_sid: tuple[int, ...] = ()
    gpc: bool = False

    @property
    def empty(self) -> bool:
        return not (
            self.gdpr is not None
            or self.gdpr_consent
            or self.us_privacy
            or self.gpp
            or self.gpp_sid
            or self.gpc
        )


NO_SIGNALS = ConsentSignals()


@dataclass(frozen=True, slots=True)
class ConsentDecision:
    gdpr_applies: bool = False
    tcf_valid: bool | None = None  # None: no TC string (or GDPR does not apply)
    vendor_id: int | None = None
    opted_out: bool = False  # US Privacy opt-out or GPC
    user_key: bool = True  # a user key may be read and written (cookie, frequency caps)
    personalised: bool = True  # segments, retargeting, personalised ads
    measurement: bool = True  # per-user measurement (user keys on raw events)
    blocked: bool = False  # the website serves nothing without consent

    @property
    def restricted(self) -> bool:
        return self is not ALLOW_ALL and (
            not self.user_key or not self.personalised or not self.measurement or self.blocked
        )


ALLOW_ALL = ConsentDecision()


def effective_strings(signals: ConsentSignals) -> tuple[str, str]:
    """The TC string and US Privacy string to apply: the parameters, else GPP's sections."""
    tcf, usp = signals.gdpr_consent, signals.us_privacy
    if signals.gpp and (not tcf or not usp):
        gpp = gpp_decode(signals.gpp)
        if gpp.valid:
            tcf = tcf or gpp.sections.get(TCF_EU_V2, "")
            usp = usp or gpp.sections.get(US_PRIVACY_V1, "")
    return tcf, usp


def gdpr_applies(signals: ConsentSignals, cmp: CmpSettings, country: str | None) -> bool:
    return (
        signals.gdpr == 1
        or cmp.gdpr_applies == "always"
        or (country is not None and country in GDPR_COUNTRIES)
        or TCF_EU_V2 in signals.gpp_sid
    )


def consent_decide(
    signals: ConsentSignals,
    cmp: CmpSettings = DEFAULT_CMP,
    country: str | None = None,
    *,
    default_vendor_id: int | None = None,
) -> ConsentDecision:
    """What serving may do (see the module docstring)."""
    applies = gdpr_applies(signals, cmp, country)
    if signals.empty and not applies:
        return ALLOW_ALL
    return _decide(signals, cmp, applies, cmp.vendor_id or default_vendor_id or None)


@lru_cache(maxsize=8192)
def _decide(
    signals: ConsentSignals, cmp: CmpSettings, applies: bool, vendor_id: int | None
) -> ConsentDecision:
    tcf_string, usp_string = effective_strings(signals)
    opted_out = signals.gpc or (bool(usp_string) and usp_decode(usp_string).opt_out)
    if not applies:
        if not opted_out:
            return ALLOW_ALL
        return ConsentDecision(
            opted_out=True, user_key=False, personalised=False, measurement=False
        )
    tcf = tcf_decode(tcf_string) if tcf_string else None
    valid = tcf is not None and tcf.valid
    if valid and vendor_id is not None:
        valid = tcf.vendor_consent(vendor_id) or tcf.vendor_legitimate_interest(vendor_id)
    user_key = valid and tcf.purpose_allowed(1, vendor_id) and not opted_out
    personalised = (
        user_key and tcf.purpose_allowed(3, vendor_id) and tcf.purpose_allowed(4, vendor_id)
    )
    measurement = user_key and tcf.purpose_allowed(7, vendor_id)
    return ConsentDecision(
        gdpr_applies=True,
        tcf_valid=None if tcf is None else tcf.valid,
        vendor_id=vendor_id,
        opted_out=opted_out,
        user_key=user_key,
        personalised=personalised,
        measurement=measurement,
        blocked=cmp.without_consent == "none" and not valid,
    )
