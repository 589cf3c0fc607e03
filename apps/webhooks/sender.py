"""One signed HTTP POST to a webhook URL, bounded in time, never following redirects.

Built on ``http.client`` so the connection can be pinned to the address ``urlsafety`` vetted
while the ``Host`` header, SNI and certificate check use the URL's name.

A failure is recorded (and shown to the webhook's owner through the API) as one of a few
fixed sentences (``ERRORS``); the exception's own text, which names resolvers, sockets and
library internals, is logged here instead.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import http.client
import logging
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from .models import ERROR_MAX_LENGTH, RESPONSE_BODY_MAX_LENGTH
from .urlsafety import UnsafeUrlError, url_target

USER_AGENT = "AdServerX-Webhooks/1.0"
SIGNATURE_HEADER = "X-AdServerX-Signature"
EVENT_HEADER = "X-AdServerX-Event"
DELIVERY_HEADER = "X-AdServerX-Delivery"
TIMESTAMP_HEADER = "X-AdServerX-Timestamp"
RETRYABLE_STATUS_CODES = frozenset({408, 429})

logger = logging.getLogger(__name__)

# What a delivery records when sending failed, by kind. Stable, and free of library text.
ERRORS = {
    "dns": "DNS: the webhook URL's host name could not be resolved.",
    "connect": "Connection failed: the webhook URL's host refused or did not answer.",
    "tls_certificate": "TLS: the webhook URL's certificate is not trusted or does not name "
    "its host.",
    "tls": "TLS: the secure connection to the webhook URL could not be set up.",
    "io": "I/O: the connection to the webhook URL broke before its answer arrived.",
    "http": "Invalid HTTP response: the webhook URL did not answer with valid HTTP.",
    "internal": "Internal error while sending; the delivery will be retried.",
}


def _logged(kind: str, url: str, exc: BaseException) -> str:
    """The fixed sentence for ``kind``; the exception itself goes to the log."""
    logger.warning("Webhook POST to %s failed (%s): %r", urlsplit(url).netloc, kind, exc)
    return ERRORS[kind]


def signature(secret: str, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256 of the raw body keyed with the webhook secret>``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SendResult:
    status_code: int | None = None
    duration_ms: int = 0
    error: str = ""
    response_body: str = ""
    retryable: bool = False
    retry_after: int | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """Verifies the certificate against the URL's host name (shared: loading CAs is slow)."""
    return ssl.create_default_context()


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=_tls_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = sock  # reachable by the deadline during the handshake
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _abort(conn: http.client.HTTPConnection) -> None:
    """Deadline reached: unblock whatever the sending thread is waiting for."""
    sock = conn.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _retry_after(value: str | None) -> int | None:
    if value and value.strip().isdigit():
        return int(value.strip())
    return None


def _target_path(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _classify(status: int, body: bytes, retry_after: int | None, started: float) -> SendResult:
    duration = int((time.monotonic() - started) * 1000)
    text = _truncate(body.decode("utf-8", "replace"), RESPONSE_BODY_MAX_LENGTH)
    if 200 <= status < 300:
        return SendResult(status_code=status, duration_ms=duration, response_body=text)
    if 300 <= status < 400:
        error = f"HTTP {status}: redirects are not followed; point the webhook at the final URL."
        return SendResult(status, duration, error, text, retryable=False)
    retryable = status >= 500 or status in RETRYABLE_STATUS_CODES
    return SendResult(status, duration, f"HTTP {status}", text, retryable, retry_after)


def post_signed(
    *, url: str, body: bytes, secret: str, headers: dict[str, str], timeout: float
) -> SendResult:
    """POST ``body`` to ``url`` signed with ``secret``; never raises, never exceeds ``timeout``.

    ``timeout`` bounds the whole exchange (resolve, connect, send, response head and the first
    KiB of the body), not just each socket operation, so a receiver that trickles bytes or
    answers garbage frees the worker on time.
    """
    started = time.monotonic()

    def failed(error: str, *, retryable: bool) -> SendResult:
        duration = int((time.monotonic() - started) * 1000)
        return SendResult(
            duration_ms=duration, error=_truncate(error, ERROR_MAX_LENGTH), retryable=retryable
        )

    try:
        scheme, host, port, addresses = url_target(url)
    except UnsafeUrlError as exc:  # our own words about the owner's URL
        return failed(f"Refused: {exc}", retryable=False)
    except OSError as exc:
        return failed(_logged("dns", url, exc), retryable=True)

    request_headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: signature(secret, body),
        **headers,
    }
    connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    last_error = ERRORS["connect"]
    for address in addresses:
        remaining = timeout - (time.monotonic() - started)
        if remaining <= 0:
            return failed(f"Timed out after {timeout:g}s", retryable=True)
        conn = connection_class(host, port, address=str(address), timeout=remaining)
        watchdog = threading.Timer(remaining, _abort, args=(conn,))
        watchdog.daemon = True
        watchdog.start()
        try:
            try:
                conn.connect()
            except (TimeoutError, ConnectionError, OSError) as exc:
                if isinstance(exc, ssl.SSLCertVerificationError):
                    return failed(_logged("tls_certificate", url, exc), retryable=True)
                if isinstance(exc, ssl.SSLError):
                    return failed(_logged("tls", url, exc), retryable=True)
                last_error = _logged("connect", url, exc)
                continue  # the next address of the host, if any
            conn.request("POST", _target_path(url), body=body, headers=request_headers)
            response = conn.getresponse()
            snippet = response.read(RESPONSE_BODY_MAX_LENGTH)
            return _classify(
                response.status, snippet, _retry_after(response.getheader("Retry-After")), started
            )
        except TimeoutError:
            return failed(f"Timed out after {timeout:g}s", retryable=True)
        except (http.client.HTTPException, OSError) as exc:
            if time.monotonic() - started >= timeout:
                return failed(f"Timed out after {timeout:g}s", retryable=True)
            kind = "http" if isinstance(exc, http.client.HTTPException) else "io"
            return failed(_logged(kind, url, exc), retryable=True)
        finally:
            watchdog.cancel()
            conn.close()
    return failed(last_error, retryable=True)
