"""OpenRTB 2.6 objects as msgspec Structs: the bid request we decode, the response we encode.

Only fields the exchange reads (or validates) are declared, with the spec's types, so a
wrong JSON type there is refused; every other field, ``ext`` included, is tolerated. The
request's raw JSON is kept beside the typed object (``Incoming.raw``) and is what the sell
side forwards, so unknown fields and extensions travel unchanged.
"""

from __future__ import annotations

from typing import Any

import msgspec

Ext = dict[str, Any] | None


class _Obj(msgspec.Struct, kw_only=True, omit_defaults=True):
    pass


class Format(_Obj):
    w: int | None = None
    h: int | None = None
    wratio: int | None = None
    hratio: int | None = None
    wmin: int | None = None
    ext: Ext = None


class Banner(_Obj):
    format: list[Format] | None = None
    w: int | None = None
    h: int | None = None
    wmax: int | None = None
    hmax: int | None = None
    wmin: int | None = None
    hmin: int | None = None
    btype: list[int] | None = None
    battr: list[int] | None = None
    pos: int | None = None
    mimes: list[str] | None = None
    id: str | None = None
    ext: Ext = None

    def sizes(self) -> list[tuple[int, int]]:
        """Every (w, h) the slot takes: ``w``/``h`` first, then each ``format``."""
        found: list[tuple[int, int]] = []
        if self.w and self.h:
            found.append((self.w, self.h))
        for item in self.format or ():
            if item.w and item.h and (item.w, item.h) not in found:
                found.append((item.w, item.h))
        return found


class Video(_Obj):
    mimes: list[str] | None = None
    minduration: int | None = None
    maxduration: int | None = None
    protocols: list[int] | None = None
    w: int | None = None
    h: int | None = None
    startdelay: int | None = None
    plcmt: int | None = None
    placement: int | None = None
    linearity: int | None = None
    battr: list[int] | None = None
    companionad: list[Banner] | None = None
    ext: Ext = None


class Audio(_Obj):
    mimes: list[str] | None = None
    minduration: int | None = None
    maxduration: int | None = None
    ext: Ext = None


class Native(_Obj):
    request: str | None = None
    ver: str | None = None
    battr: list[int] | None = None
    ext: Ext = None


class Deal(_Obj):
    id: str | None = None
    bidfloor: float = 0.0
    bidfloorcur: str = "USD"
    at: int | None = None
    wseat: list[str] | None = None
    wadomain: list[str] | None = None
    ext: Ext = None


class Pmp(_Obj):
    private_auction: int = 0
    deals: list[Deal] | None = None
    ext: Ext = None


class Imp(_Obj):
    id: str | None = None
    banner: Banner | None = None
    video: Video | None = None
    audio: Audio | None = None
    native: Native | None = None
    pmp: Pmp | None = None
    tagid: str | None = None
    bidfloor: float = 0.0
    bidfloorcur: str = "USD"
    instl: int | None = None
    secure: int | None = None
    ext: Ext = None


class Publisher(_Obj):
    id: str | None = None
    name: str | None = None
    domain: str | None = None
    ext: Ext = None


class Site(_Obj):
    id: str | None = None
    name: str | None = None
    domain: str | None = None
    cat: list[str] | None = None
    page: str | None = None
    publisher: Publisher | None = None
    ext: Ext = None


class App(_Obj):
    id: str | None = None
    name: str | None = None
    bundle: str | None = None
    domain: str | None = None
    cat: list[str] | None = None
    publisher: Publisher | None = None
    ext: Ext = None


class Dooh(_Obj):
    id: str | None = None
    name: str | None = None
    publisher: Publisher | None = None
    ext: Ext = None


class Geo(_Obj):
    lat: float | None = None
    lon: float | None = None
    country: str | None = None
    region: str | None = None
    city: str | None = None
    ext: Ext = None


class Device(_Obj):
    ua: str | None = None
    geo: Geo | None = None
    dnt: int | None = None
    lmt: int | None = None
    ip: str | None = None
    ipv6: str | None = None
    devicetype: int | None = None
    make: str | None = None
    model: str | None = None
    os: str | None = None
    osv: str | None = None
    w: int | None = None
    h: int | None = None
    ppi: int | None = None
    ifa: str | None = None
    ext: Ext = None


class User(_Obj):
    id: str | None = None
    buyeruid: str | None = None
    consent: str | None = None
    geo: Geo | None = None
    ext: Ext = None


class Regs(_Obj):
    coppa: int | None = None
    gdpr: int | None = None
    us_privacy: str | None = None
    gpp: str | None = None
    gpp_sid: list[int] | None = None
    ext: Ext = None


class SupplyChainNode(_Obj):
    asi: str | None = None
    sid: str | None = None
    hp: int | None = None
    rid: str | None = None
    name: str | None = None
    domain: str | None = None
    ext: Ext = None


class SupplyChain(_Obj):
    complete: int | None = None
    nodes: list[SupplyChainNode] | None = None
    ver: str | None = None
    ext: Ext = None


class Source(_Obj):
    fd: int | None = None
    tid: str | None = None
    schain: SupplyChain | None = None
    ext: Ext = None


class BidRequest(_Obj):
    id: str | None = None
    imp: list[Imp] | None = None
    site: Site | None = None
    app: App | None = None
    dooh: Dooh | None = None
    device: Device | None = None
    user: User | None = None
    test: int = 0
    at: int = 2
    tmax: int | None = None
    wseat: list[str] | None = None
    bseat: list[str] | None = None
    cur: list[str] | None = None
    bcat: list[str] | None = None
    badv: list[str] | None = None
    bapp: list[str] | None = None
    source: Source | None = None
    regs: Regs | None = None
    ext: Ext = None


# --- The response --------------------------------------------------------------------------


class Bid(_Obj):
    id: str
    impid: str
    price: float
    nurl: str | None = None
    burl: str | None = None
    lurl: str | None = None
    adm: str | None = None
    adid: str | None = None
    adomain: list[str] | None = None
    bundle: str | None = None
    iurl: str | None = None
    cid: str | None = None
    crid: str | None = None
    cat: list[str] | None = None
    attr: list[int] | None = None
    dealid: str | None = None
    w: int | None = None
    h: int | None = None
    mtype: int | None = None
    exp: int | None = None
    ext: Ext = None


class SeatBid(_Obj):
    bid: list[Bid]
    seat: str | None = None
    group: int | None = None
    ext: Ext = None


class BidResponse(_Obj):
    id: str
    seatbid: list[SeatBid] | None = None
    bidid: str | None = None
    cur: str | None = None
    nbr: int | None = None
    ext: Ext = None


# Creative types of a bid (``mtype``, 2.6): what the markup is.
MTYPE_BANNER, MTYPE_VIDEO, MTYPE_AUDIO, MTYPE_NATIVE = 1, 2, 3, 4

request_decoder = msgspec.json.Decoder(BidRequest)
raw_decoder = msgspec.json.Decoder()
response_decoder = msgspec.json.Decoder(BidResponse)
encoder = msgspec.json.Encoder()
