"""Decode and validate an OpenRTB 2.6 bid request.

``request_parse`` answers the typed request or an ``InvalidRequestError`` listing every problem
with its path (``["imp", 0, "banner", "w"]``); the endpoint turns that into a 400 with
``{"error", "details": [{"path", "message"}], "nbr": 2}`` (2 = "Invalid Request" in the
spec's no-bid reasons). A wrong JSON type is reported by the decoder (one problem, its
path); the rules below (what the 2.6 text requires) are all checked and all reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import msgspec

from .openrtb import Banner, BidRequest, Format, request_decoder

NBR_INVALID_REQUEST = 2
# Larger than any screen or player; bigger numbers are a broken request, not an ad slot.
MAX_DIMENSION = 65_535
CURRENCY = re.compile(r"^[A-Z]{3}$")
_PATH_TOKEN = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\.\"((?:[^\"\\]|\\.)*)\"")

Path = list[str | int]


@dataclass
class InvalidRequestError(Exception):
    details: list[dict] = field(default_factory=list)

    def add(self, path: Path, message: str) -> None:
        self.details.append({"path": path, "message": message})

    @property
    def summary(self) -> str:
        first = self.details[0]
        where = ".".join(str(p) for p in first["path"])
        text = f"{where}: {first['message']}" if where else first["message"]
        more = len(self.details) - 1
        return f"Invalid bid request: {text}" + (f" (and {more} more)" if more else "")

    def body(self) -> dict:
        return {"error": self.summary, "details": self.details, "nbr": NBR_INVALID_REQUEST}


def _json_path(text: str) -> Path:
    """``$.imp[0].banner.w`` -> ``["imp", 0, "banner", "w"]``."""
    path: Path = []
    for name, index, quoted in _PATH_TOKEN.findall(text.removeprefix("$")):
        if index:
            path.append(int(index))
        else:
            path.append(name or quoted)
    return path


def _decode_error(exc: msgspec.MsgspecError) -> InvalidRequestError:
    error = InvalidRequestError()
    message = str(exc)
    if isinstance(exc, msgspec.ValidationError):
        text, _, where = message.partition(" - at `")
        error.add(_json_path(where.rstrip("`")) if where else [], text)
    else:
        error.add([], f"Malformed JSON: {message}")
    return error


def request_parse(body: bytes) -> BidRequest:
    """The typed request; ``InvalidRequestError`` when it is not a valid OpenRTB 2.6 request."""
    if not body.strip():
        error = InvalidRequestError()
        error.add([], "The body is empty; expected an OpenRTB 2.6 bid request (JSON object).")
        raise error
    try:
        request = request_decoder.decode(body)
    except msgspec.MsgspecError as exc:
        raise _decode_error(exc) from None
    error = InvalidRequestError()
    _check(request, error)
    if error.details:
        raise error
    return request


# --- The rules -----------------------------------------------------------------------------


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


def _dimensions(error: InvalidRequestError, path: Path, obj, names: tuple[str, ...]) -> None:
    for name in names:
        value = getattr(obj, name, None)
        if value is None:
            continue
        if value < 0:
            error.add([*path, name], f"Must not be negative (got {value}).")
        elif value > MAX_DIMENSION:
            error.add([*path, name], f"Must be at most {MAX_DIMENSION} (got {value}).")


def _format_has_size(item: Format) -> bool:
    return bool(item.w and item.h) or bool(item.wratio and item.hratio and item.wmin)


def _banner(error: InvalidRequestError, path: Path, banner: Banner, *, need_size: bool) -> None:
    _dimensions(error, path, banner, ("w", "h", "wmax", "hmax", "wmin", "hmin"))
    for j, item in enumerate(banner.format or ()):
        _dimensions(error, [*path, "format", j], item, ("w", "h", "wratio", "hratio", "wmin"))
    has_size = bool(banner.w and banner.h) or any(_format_has_size(f) for f in banner.format or ())
    if need_size and not has_size:
        error.add(path, "A banner needs a size: w and h, or a format list.")


def _currency(error: InvalidRequestError, path: Path, value: str | None) -> None:
    if value is not None and not CURRENCY.match(value):
        error.add(path, f"Expected an ISO 4217 currency code such as 'USD' (got {value!r}).")


def _check(r: BidRequest, error: InvalidRequestError) -> None:
    if _blank(r.id):
        error.add(["id"], "Required: the bid request's id.")
    if r.imp is None:
        error.add(["imp"], "Required: at least one imp.")
    elif not r.imp:
        error.add(["imp"], "At least one imp is required.")
    seen: set[str] = set()
    for i, imp in enumerate(r.imp or ()):
        path: Path = ["imp", i]
        if _blank(imp.id):
            error.add([*path, "id"], "Required: the imp's id.")
        elif imp.id in seen:
            error.add([*path, "id"], f"Duplicate imp id {imp.id!r}.")
        else:
            seen.add(imp.id)
        if imp.banner is None and imp.video is None and imp.audio is None and imp.native is None:
            error.add(path, "An imp needs one of banner, video, audio or native.")
        if imp.banner is not None:
            _banner(error, [*path, "banner"], imp.banner, need_size=True)
        if imp.video is not None:
            video = imp.video
            _dimensions(error, [*path, "video"], video, ("w", "h"))
            if not video.mimes or any(_blank(m) for m in video.mimes):
                error.add([*path, "video", "mimes"], "Required: at least one MIME type.")
            for j, companion in enumerate(video.companionad or ()):
                _banner(error, [*path, "video", "companionad", j], companion, need_size=False)
            for name in ("minduration", "maxduration"):
                value = getattr(video, name)
                if value is not None and value < 0:
                    error.add([*path, "video", name], "Must not be negative.")
        if imp.audio is not None and (
            not imp.audio.mimes or any(_blank(m) for m in imp.audio.mimes)
        ):
            error.add([*path, "audio", "mimes"], "Required: at least one MIME type.")
        if imp.native is not None and _blank(imp.native.request):
            error.add([*path, "native", "request"], "Required: the native markup request.")
        if imp.bidfloor < 0:
            error.add([*path, "bidfloor"], "Must not be negative.")
        _currency(error, [*path, "bidfloorcur"], imp.bidfloorcur)
        for j, deal in enumerate((imp.pmp.deals if imp.pmp else None) or ()):
            if _blank(deal.id):
                error.add([*path, "pmp", "deals", j, "id"], "Required: the deal's id.")
            if deal.bidfloor < 0:
                error.add([*path, "pmp", "deals", j, "bidfloor"], "Must not be negative.")
            _currency(error, [*path, "pmp", "deals", j, "bidfloorcur"], deal.bidfloorcur)
    present = [name for name in ("site", "app", "dooh") if getattr(r, name) is not None]
    if not present:
        error.add(["site"], "One of site, app or dooh is required.")
    for name in present[1:]:
        error.add([name], f"Only one of site, app or dooh may be present (got {present}).")
    if r.tmax is not None and r.tmax < 0:
        error.add(["tmax"], "Must not be negative.")
    if r.at not in (1, 2) and r.at < 500:
        error.add(["at"], "Expected 1 (first price), 2 (second price) or an exchange value ≥ 500.")
    if r.regs is not None and r.regs.gdpr is not None and r.regs.gdpr not in (0, 1):
        error.add(["regs", "gdpr"], "Expected 0 or 1.")
    for j, code in enumerate(r.cur or ()):
        _currency(error, ["cur", j], code)
    if r.device is not None:
        _dimensions(error, ["device"], r.device, ("w", "h", "ppi"))
