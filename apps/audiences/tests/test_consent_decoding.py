"""TCF, US Privacy and GPP strings decode correctly, and malformed ones are invalid."""

import time
from datetime import UTC, datetime

import pytest
from iab_tcf import decode_v2

from apps.audiences.consent.gpp import gpp_decode, gpp_sid_parse
from apps.audiences.consent.tcf import MAX_TCF_LENGTH, tcf_decode
from apps.audiences.consent.usp import usp_decode

from .tcf_strings import ALL_PURPOSES, Bits, tc_string

# A published example string of the iab-tcf project's test suite, with the values the IAB's
# reference decoder gives for it.
IAB_EXAMPLE = (
    "CG6MJgNIvJb0TAUAEBENAzCMAFvAAG7AAAJYGUlUcVlfByPiu55Ad8JQeAgftrYDE6QzDgEJs8wJQB9WxJwQpEMgKB"
    "X4BoIIiRYEsnLAAAYkHAFcDQAAQIkVqSCsYkyMCyFCJJJEghIKM2ZYGG0OkcVQIRAY4wMsHeYAA2OrevzrigZOQCYQ"
    "FYAAkJQwEg0KRQIgQADAgUA4AIKEYUiSQ0JHBDMjAINAAAAEBiAhAgAAgCgBgAAAgAASEBACACAgEAAAAgABACNAQg"
    "AAkAQSAEAQBAAKgIEgBEEEoAgBgMBACgAARIpFBIIDQgAWAAEAAwAPgArAB3AH4AToA8QCEgEtAKSCgBwABABSAFwA"
    "XYAzAB_QFTBAEIACAAFAAcAA8AC0AGQAOwApgBzAD0AIaASoBLACaAGGAMgAewA-AB9gEIAI0AVAA4AB8gEVAI7ATE"
    "AmUBSIC2AF5AL-AYMAwggAJAAWAEEAWIBnADqAK-AW0AuABk4cAUAA4AEQAJwAkgDnAL8AtEBcQDIgGSBgB4AEgAn"
    "gCJAHkARgAkwBKwCvAG8AOOAeoBJYCbAFigLoJQCAAKACIAI4AWkAxQBuAEXgJECQAwAKgKwAYeUAIAAXAAyACoAL"
    "gAiwBJgCjAFKAVsBJACmwFbALkAXcAxkBkBSAKACAAGgA0gChgLtHAEAAUQBGAEcALAAmABsgDvAJaAdMBQgChwFLg"
    "KsAWyAxIBjEDHAMdGAAQAWEgBYAMQAhABMACgAG0ApoBZwFUgLxAXmAx4dAPAB5AEMARAAqgCEAFIANEAcQA_QCUgF"
    "iALyAYQA2gC7wGGlQAIATSYAIAKgCmRIAYALYAYgA3gFZANQAusWACADMAjoUAEADwAMoAfIBaBUAEARw0AIAJkAa"
    "oA4AEgjwBgArQBZQDjAOQAdYA8QDbAHtASiAq8BYgCyQF2BoA4AywBqAFLAKuAawBDYCdiEAUAb4BAwC5gHoAU0R"
    "ADgEuAJwAV-A_YD-AIiAS8AvYRACAYEAwkA.IGVtd_X9fb2vj-_599_t0eY1f9_63t-wzjheNs-8NyZ_X_J4Xv2M"
    "yvB34pqYKmR4kunbBAQdtHGncTQgBwIlVqTLsYk2MjzNKJ7JEmlsbe2dYGH9Pn8XT_ZKZ70-v___7v3______7oA"
)


def test_the_iab_example_decodes_to_its_published_values():
    tcf = tcf_decode(IAB_EXAMPLE)
    assert tcf.valid
    assert (tcf.version, tcf.cmp_id, tcf.cmp_version, tcf.vendor_list_version) == (2, 20, 4, 51)
    assert tcf.policy_version == 2
    assert tcf.created == datetime(1993, 7, 5, 11, 23, 32, tzinfo=UTC).replace(
        microsecond=tcf.created.microsecond
    )
    assert tcf.publisher_cc == "BL"
    assert tcf.special_features == {1, 2}
    assert tcf.purposes_consent == {2, 4, 5, 7, 8, 9, 10}
    assert tcf.purposes_li == {2, 3, 5, 6, 7, 9, 10}
    for vendor in (2, 4, 6, 8, 12, 809):
        assert tcf.vendor_consent(vendor)
    for vendor in (1, 3, 5, 7, 810):
        assert not tcf.vendor_consent(vendor)
    assert tcf.vendor_legitimate_interest(11) and not tcf.vendor_legitimate_interest(12)
    assert tcf.restriction(1, 4) == 0  # vendor 1, purpose 4: not allowed
    assert tcf.restriction(2, 2) == 2  # vendor 2, purpose 2: legitimate interest required


def test_the_example_agrees_with_the_iab_tcf_library():
    ours, theirs = tcf_decode(IAB_EXAMPLE), decode_v2(IAB_EXAMPLE)
    assert ours.cmp_id == theirs.cmp_id
    assert ours.purposes_consent == {k for k, v in theirs.purposes_consent.items() if v}
    assert all(ours.vendor_consent(v) == theirs.is_vendor_allowed(v) for v in range(1, 900))
    assert all(
        ours.vendor_legitimate_interest(v) == theirs.is_interest_allowed(v) for v in range(1, 900)
    )


@pytest.mark.parametrize("vendor_ranges", [False, True])
@pytest.mark.parametrize("policy_version", [4, 5])  # TCF 2.2 and 2.3
def test_encoded_strings_round_trip(policy_version, vendor_ranges):
    value = tc_string(
        purposes=(1, 3, 4, 7),
        purposes_li=(2, 7),
        special_features=(1,),
        vendors=(8, 42, 755),
        vendors_li=(42,),
        vendor_ranges=vendor_ranges,
        restrictions=[(3, 0, [(100, 200)])],
        disclosed=(8, 42, 755, 900) if policy_version == 5 else None,
        publisher_purposes=(1, 2) if policy_version == 5 else None,
        policy_version=policy_version,
    )
    tcf = tcf_decode(value)
    assert tcf.valid, tcf.error
    assert tcf.policy_version == policy_version
    assert (tcf.cmp_id, tcf.cmp_version, tcf.vendor_list_version) == (31, 2, 150)
    assert tcf.purposes_consent == {1, 3, 4, 7} and tcf.purposes_li == {2, 7}
    assert tcf.special_features == {1}
    assert [v for v in range(1, 1000) if tcf.vendor_consent(v)] == [8, 42, 755]
    assert [v for v in range(1, 1000) if tcf.vendor_legitimate_interest(v)] == [42]
    assert tcf.restriction(150, 3) == 0 and tcf.restriction(99, 3) is None
    theirs = decode_v2(value.split(".")[0])  # the library as an oracle for the core
    assert theirs.tcf_policy_version == policy_version
    assert {k for k, v in theirs.purposes_consent.items() if v} == {1, 3, 4, 7}
    assert [v for v in range(1, 1000) if theirs.is_vendor_allowed(v)] == [8, 42, 755]
    if policy_version == 5:
        assert tcf.vendor_disclosed(900) and not tcf.vendor_disclosed(901)
        assert tcf.publisher_purposes_consent == {1, 2}


def test_purposes_need_the_vendor_and_respect_restrictions():
    tcf = tcf_decode(
        tc_string(
            purposes=(1, 3, 4),
            purposes_li=(7,),
            vendors=(42,),
            vendors_li=(42,),
            restrictions=[(4, 0, [(42, 42)])],
        )
    )
    assert tcf.purpose_allowed(1, 42) and tcf.purpose_allowed(3, 42)
    assert not tcf.purpose_allowed(4, 42)  # the publisher does not allow it for vendor 42
    assert tcf.purpose_allowed(7, 42)  # by legitimate interest
    assert not tcf.purpose_allowed(1, 43)  # another vendor has no consent
    assert tcf.purpose_allowed(4, None)  # first party: the purposes alone


def test_a_vendor_the_disclosed_segment_leaves_out_has_no_consent():
    tcf = tcf_decode(tc_string(purposes=ALL_PURPOSES, vendors=(42,), disclosed=(7,)))
    assert tcf.valid and not tcf.vendor_consent(42)


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("", "empty"),
        ("not a tc string!", "not_base64url"),
        ("BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA", "unsupported_version_1"),  # TCF v1.1
        ("C" + "A" * 10, "truncated"),
        (tc_string(purposes=(1,)) + ".4AAA", "unknown_segment"),
        ("x" * (MAX_TCF_LENGTH + 1), "too_long"),
    ],
)
def test_malformed_strings_are_invalid(value, error):
    tcf = tcf_decode(value)
    assert not tcf.valid and tcf.error == error
    assert not tcf.purpose_allowed(1, None)


def test_a_string_cut_short_is_never_consent():
    full = tc_string(purposes=ALL_PURPOSES, vendors=(42,))
    for cut in range(8, len(full) - 4, 7):
        tcf = tcf_decode(full[:cut])
        assert not tcf.valid, cut  # iab-tcf 0.2.2 reads the missing bits as "yes"


def test_huge_counts_cost_nothing():
    bomb = Bits().int(2, 6).int(0, 36 * 2 + 12 * 2 + 6 + 12 + 12 + 6 + 2 + 12 + 48 + 1 + 12)
    bomb.int(0, 16).bool(False).int(0, 16).bool(False).int(4095, 12)  # 4,095 restrictions
    for _ in range(3):
        bomb.int(1, 6).int(0, 2).int(4095, 12)  # each claiming 4,095 ranges
    started = time.perf_counter()
    assert tcf_decode(bomb.encode()).error == "truncated"
    assert time.perf_counter() - started < 0.05


def test_us_privacy():
    assert usp_decode("1YNN") == usp_decode("1ynn")
    assert not usp_decode("1YNN").opt_out and usp_decode("1YNN").valid
    assert usp_decode("1YYN").opt_out
    assert not usp_decode("1---").opt_out
    assert usp_decode("2YYN") == usp_decode("garbage")  # invalid: treated as opted out
    assert usp_decode("garbage").opt_out and not usp_decode("garbage").valid


def test_gpp_headers_sections_and_sids():
    tcf = tc_string(purposes=(1,), vendors=(1,))
    single = gpp_decode(f"DBABMA~{tcf}")
    assert single.valid and single.section_ids == (2,) and single.sections[2] == tcf
    both = gpp_decode(f"DBACNY~{tcf}~1YNN")
    assert both.section_ids == (2, 6) and both.sections[6] == "1YNN"
    assert gpp_decode("DBABTA~1YYN").sections == {6: "1YYN"}
    assert not gpp_decode("DBABMA").valid  # a section short
    assert not gpp_decode("@@@~1YNN").valid
    assert not gpp_decode("AAAA~x").valid  # not a GPP header
    assert gpp_sid_parse("2,6, 7,x") == (2, 6, 7)
