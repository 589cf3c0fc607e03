"""A tiny OpenRTB bidder on loopback for the sell-side tests: it answers each request as
told (a bid after a delay, no bid, garbage, a 500, a slow drip, a redirect) and keeps what
it received."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakePartner:
    def __init__(self) -> None:
        self.mode = "bid"
        self.delay = 0.0
        self.price = 3.0
        self.received: list[dict] = []
        self.notices: list[str] = []  # paths of the notices (GET) it received
        self.notice_base = "https://p.example"  # where its bids' notice URLs point
        self.headers: list[dict] = []
        partner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                partner.notices.append(self.path)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                request = json.loads(body)
                partner.received.append(request)
                partner.headers.append(dict(self.headers))
                time.sleep(partner.delay)
                # The exchange may give up on us (as it should): a broken pipe is fine.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    partner.answer(self, request)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/bid"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _send(self, handler, status: int, body: bytes = b"", headers=None) -> None:
        handler.send_response(status)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def answer(self, handler, request: dict) -> None:
        if self.mode == "bid":
            imp = request["imp"][0]
            response = {
                "id": request["id"],
                "cur": request["cur"][0],
                "seatbid": [
                    {
                        "seat": "partner-seat",
                        "bid": [
                            {
                                "id": "pbid-1",
                                "impid": imp["id"],
                                "price": self.price,
                                "adid": "pad-1",
                                "adm": "<img src='https://p.example/i?p=${AUCTION_PRICE}"
                                "&a=${AUCTION_ID}'>",
                                "nurl": self.notice_base
                                + "/win?p=${AUCTION_PRICE}&c=${AUCTION_CURRENCY}"
                                "&a=${AUCTION_ID}&b=${AUCTION_BID_ID}&i=${AUCTION_IMP_ID}"
                                "&s=${AUCTION_SEAT_ID}&ad=${AUCTION_AD_ID}",
                                "burl": self.notice_base + "/bill?p=${AUCTION_PRICE}",
                                "lurl": self.notice_base + "/loss?r=${AUCTION_LOSS}"
                                "&m=${AUCTION_MIN_TO_WIN}",
                                "adomain": ["partner.example"],
                                "crid": "pcr-1",
                                "w": 300,
                                "h": 250,
                            }
                        ],
                    }
                ],
            }
            self._send(
                handler, 200, json.dumps(response).encode(), {"Content-Type": "application/json"}
            )
        elif self.mode == "nobid":
            self._send(handler, 204)
        elif self.mode == "garbage":
            self._send(handler, 200, b"<html>definitely not openrtb</html>")
        elif self.mode == "500":
            self._send(handler, 500, b"oops")
        elif self.mode == "redirect":
            self._send(handler, 302, b"", {"Location": "http://127.0.0.1:1/elsewhere"})
        elif self.mode == "drip":
            handler.send_response(200)
            handler.send_header("Content-Length", "1000")
            handler.end_headers()
            for _ in range(100):
                handler.wfile.write(b" ")
                handler.wfile.flush()
                time.sleep(0.02)
