"""Consent ledger rows from drained ``consent`` events (decoded once, written in batch)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from apps.delivery.events import TrackedEvent

from .consent.gpp import gpp_decode
from .consent.ledger import LedgerEntry, ledger_entry_decode
from .consent.policy import ConsentSignals, effective_strings
from .consent.tcf import tcf_decode
from .consent.usp import usp_decode
from .models import ConsentRecord


def consent_record_fields(entry: LedgerEntry) -> dict:
    """The decoded columns of a ledger row (shared with ``POST /consent``)."""
    signals = ConsentSignals(
        gdpr=entry.gdpr,
        gdpr_consent=entry.gdpr_consent,
        us_privacy=entry.us_privacy,
        gpp=entry.gpp,
        gpp_sid=tuple(entry.gpp_sid),
        gpc=entry.gpc,
    )
    tcf_string, usp_string = effective_strings(signals)
    fields: dict = {
        "gdpr_applies": entry.gdpr_applies,
        "gdpr_param": None if entry.gdpr is None else entry.gdpr == 1,
        "tcf_string": tcf_string,
        "us_privacy": usp_string[:8],
        "gpp": entry.gpp,
        "gpp_sid": list(entry.gpp_sid),
        "gpc": entry.gpc,
        "vendor_id": entry.vendor_id,
        "user_key_allowed": entry.user_key_allowed,
        "personalised": entry.personalised,
        "measurement": entry.measurement,
    }
    if tcf_string:
        tcf = tcf_decode(tcf_string)
        fields.update(tcf_valid=tcf.valid, tcf_error=tcf.error)
        if tcf.valid:
            fields.update(
                tcf_policy_version=tcf.policy_version,
                cmp_id=tcf.cmp_id,
                cmp_version=tcf.cmp_version,
                purposes_consent=sorted(tcf.purposes_consent),
                purposes_legitimate_interest=sorted(tcf.purposes_li),
                special_features=sorted(tcf.special_features),
            )
            if entry.vendor_id is not None:
                fields.update(
                    vendor_consent=tcf.vendor_consent(entry.vendor_id),
                    vendor_legitimate_interest=tcf.vendor_legitimate_interest(entry.vendor_id),
                    vendor_disclosed=tcf.vendor_disclosed(entry.vendor_id),
                )
    if usp_string:
        usp = usp_decode(usp_string)
        fields.update(us_privacy_valid=usp.valid, us_privacy_opt_out=usp.opt_out)
    if entry.gpp:
        gpp = gpp_decode(entry.gpp)
        fields.update(gpp_valid=gpp.valid, gpp_section_ids=list(gpp.section_ids))
    return fields


def consent_records_store(events: Sequence[TrackedEvent]) -> int:
    stored = {
        str(u)
        for u in ConsentRecord.objects.filter(uuid__in=[e.uuid for e in events]).values_list(
            "uuid", flat=True
        )
    }
    rows = []
    for e in events:
        if e.uuid in stored:
            continue
        entry = ledger_entry_decode(e.consent)
        rows.append(
            ConsentRecord(
                uuid=e.uuid,
                recorded_at=datetime.fromtimestamp(e.at, tz=UTC),
                source=entry.source,
                user_key=e.user_key[:64],
                website_id=entry.website_id,
                country=e.country[:2],
                **consent_record_fields(entry),
            )
        )
    ConsentRecord.objects.bulk_create(rows)
    return len(rows)
