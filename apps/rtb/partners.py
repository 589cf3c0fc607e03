"""Calling demand partners: concurrent, bounded by a hard deadline, SSRF-checked, with a
circuit breaker and a QPS cap per partner.

Each call runs on a bounded thread pool (``RTB_FANOUT_THREADS``) and the caller waits for
all of them at most until the deadline, then takes what has arrived: a partner that would
answer later is abandoned, never waited for (its socket times out at the deadline, and a
slow drip is cut there too). A partner's URL passes the webhooks' SSRF checks
(``apps.webhooks.urlsafety``): https and public addresses only, unless
``WEBHOOK_ALLOW_PRIVATE_URLS``; the address checked is the one connected to, and it is
re-resolved at most every ``RTB_PARTNER_DNS_SECONDS``. Redirects are not followed.

Every outcome is one of: a bid response, a no-bid (with its reason), or an error/timeout,
and is counted in the partner's statistics. ``RTB_BREAKER_FAILURES`` errors or timeouts in a
row open the partner's breaker for ``RTB_BREAKER_OPEN_SECONDS``; then one trial request is
let through, and its success closes it again.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

import msgspec
from django.conf import settings

from apps.webhooks.urlsafety import UnsafeUrlError, url_check_on_save, url_target

from .config import PartnerConfig
from .openrtb import BidResponse, response_decoder

MAX_RESPONSE_BYTES = 512 * 1024
READ_CHUNK = 16 * 1024


def partner_url_check(url: str) -> None:
    """The checks a partner URL must pass when it is saved (``ValueError`` says why)."""
    try:
        url_check_on_save(url)
    except UnsafeUrlError as exc:
        raise ValueError(str(exc)) from None


# --- Outcomes --------------------------------------------------------------------------------


class Outcome:
    """Reason codes of a partner call that brought no bid."""

    NO_BID = "no_bid"
    TIMEOUT = "timeout"
    HTTP_ERROR = "http_error"  # any status but 200/204, e.g. http_500
    REDIRECT = "redirect"
    GARBAGE = "garbage"
    CONNECT = "connect_error"
    UNSAFE = "unsafe_url"
    CIRCUIT_OPEN = "circuit_open"
    QPS = "qps_capped"
    TOO_LATE = "no_time_left"


@dataclass(slots=True)
class CallResult:
    partner: PartnerConfig
    response: BidResponse | None = None
    reason: str | None = None  # why there is no response
    error: bool = False  # an error or a timeout (counts toward the breaker)
    timeout: bool = False
    latency_ms: float | None = None


# --- Breaker -------------------------------------------------------------------------------


class Breaker:
    def __init__(self) -> None:
        self.failures = 0
        self.opened_at: float | None = None
        self.trial = False
        self.lock = threading.Lock()

    def allow(self, now: float) -> bool:
        with self.lock:
            if self.opened_at is None:
                return True
            if now - self.opened_at < settings.RTB_BREAKER_OPEN_SECONDS:
                return False
            if self.trial:
                return False  # one trial request at a time while half open
            self.trial = True
            return True

    def record(self, *, failed: bool, now: float) -> None:
        with self.lock:
            self.trial = False
            if not failed:
                self.failures = 0
                self.opened_at = None
                return
            self.failures += 1
            if self.opened_at is not None or self.failures >= settings.RTB_BREAKER_FAILURES:
                self.opened_at = now

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None


_breakers: dict[int, Breaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(partner_id: int) -> Breaker:
    found = _breakers.get(partner_id)
    if found is None:
        with _breakers_lock:
            found = _breakers.setdefault(partner_id, Breaker())
    return found


def breakers_reset() -> None:
    with _breakers_lock:
        _breakers.clear()


# --- Addresses -------------------------------------------------------------------------------

_targets: dict[str, tuple[float, tuple]] = {}


def _target(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, vetted address), re-resolved every RTB_PARTNER_DNS_SECONDS."""
    now = time.monotonic()
    found = _targets.get(url)
    if found is None or now - found[0] > settings.RTB_PARTNER_DNS_SECONDS:
        scheme, host, port, addresses = url_target(url)
        found = (now, (scheme, host, port, str(addresses[0])))
        _targets[url] = found
    return found[1]


class _Pinned(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


@cache
def _tls() -> ssl.SSLContext:
    return ssl.create_default_context()


class _PinnedTls(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=_tls())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


# --- One call ------------------------------------------------------------------------------


def _call(partner: PartnerConfig, body: bytes, deadline: float) -> CallResult:
    started = time.monotonic()
    result = CallResult(partner)

    def remaining() -> float:
        return deadline - time.monotonic()

    if remaining() <= 0.001:
        result.reason = Outcome.TOO_LATE
        return result
    try:
        scheme, host, port, address = _target(partner.endpoint_url)
    except UnsafeUrlError:
        result.reason, result.error = Outcome.UNSAFE, True
        return result
    except OSError:
        result.reason, result.error = Outcome.CONNECT, True
        return result
    parts = urlsplit(partner.endpoint_url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    kind = _PinnedTls if scheme == "https" else _Pinned
    conn = kind(host, port, address=address, timeout=max(0.001, remaining()))
    try:
        conn.request(
            "POST",
            path,
            body=body,
            headers={
                "Content-Type": "application/json",
                "x-openrtb-version": "2.6",
                "Connection": "close",
            },
        )
        conn.sock.settimeout(max(0.001, remaining()))
        answer = conn.getresponse()
        chunks, size = [], 0
        while True:
            left = remaining()
            if left <= 0:
                raise TimeoutError
            conn.sock.settimeout(left)
            chunk = answer.read1(READ_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_RESPONSE_BYTES:
                result.reason, result.error = Outcome.GARBAGE, True
                return result
            chunks.append(chunk)
        status = answer.status
    except TimeoutError:
        result.reason, result.error, result.timeout = Outcome.TIMEOUT, True, True
        return result
    except (OSError, http.client.HTTPException):
        if remaining() <= 0:
            result.reason, result.error, result.timeout = Outcome.TIMEOUT, True, True
        else:
            result.reason, result.error = Outcome.CONNECT, True
        return result
    finally:
        conn.close()
    result.latency_ms = (time.monotonic() - started) * 1000
    payload = b"".join(chunks)
    if status == 204 or (status == 200 and not payload.strip()):
        result.reason = Outcome.NO_BID
        return result
    if 300 <= status < 400:
        result.reason, result.error = Outcome.REDIRECT, True
        return result
    if status != 200:
        result.reason, result.error = f"http_{status}", True
        return result
    try:
        response = response_decoder.decode(payload)
    except msgspec.MsgspecError:
        result.reason, result.error = Outcome.GARBAGE, True
        return result
    if not response.seatbid or not any(s.bid for s in response.seatbid):
        result.reason = f"no_bid_{response.nbr}" if response.nbr is not None else Outcome.NO_BID
        return result
    result.response = response
    return result


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                _pool = ThreadPoolExecutor(
                    max_workers=settings.RTB_FANOUT_THREADS, thread_name_prefix="rtb-fanout"
                )
    return _pool


def fan_out(calls: list[tuple[PartnerConfig, bytes]], deadline: float) -> list[CallResult]:
    """Call every partner at once, each until the deadline or its own timeout, whichever
    comes first; answers a result for each, timeouts for the late ones."""
    now = time.monotonic()
    results: list[CallResult] = []
    futures = {}
    last = now
    for partner, body in calls:
        breaker = breaker_for(partner.id)
        if not breaker.allow(now):
            results.append(CallResult(partner, reason=Outcome.CIRCUIT_OPEN))
            continue
        own = min(deadline, now + partner.timeout_ms / 1000)
        last = max(last, own)
        futures[_executor().submit(_call, partner, body, own)] = partner
    if futures:
        done, late = futures_wait(futures, timeout=max(0.0, last - time.monotonic()))
        for future in done:
            results.append(future.result())
        for future in late:  # abandoned: answered after the deadline, if ever
            results.append(
                CallResult(futures[future], reason=Outcome.TIMEOUT, error=True, timeout=True)
            )
    finished = time.monotonic()
    for result in results:
        if result.reason != Outcome.CIRCUIT_OPEN and result.reason != Outcome.TOO_LATE:
            breaker_for(result.partner.id).record(failed=result.error, now=finished)
    return results
