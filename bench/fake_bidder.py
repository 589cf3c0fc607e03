"""A fake OpenRTB demand partner for the fan-out benchmark: answers every bid request with
one bid after a fixed delay.

    python bench/fake_bidder.py --port 8071 --delay-ms 20 [--price 3.0]
"""

from __future__ import annotations

import argparse
import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay-ms", type=float, default=0.0)
    parser.add_argument("--price", type=float, default=3.0)
    args = parser.parse_args()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a) -> None:
            pass

        def do_POST(self) -> None:
            request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            time.sleep(args.delay_ms / 1000)
            imp = request["imp"][0]
            body = json.dumps(
                {
                    "id": request["id"],
                    "cur": request.get("cur", ["USD"])[0],
                    "seatbid": [
                        {
                            "seat": f"fake-{args.port}",
                            "bid": [
                                {
                                    "id": "b1",
                                    "impid": imp["id"],
                                    "price": args.price,
                                    "adm": "<div>partner ad ${AUCTION_PRICE}</div>",
                                    "nurl": "http://127.0.0.1/win?p=${AUCTION_PRICE}",
                                    "crid": "c1",
                                    "w": 300,
                                    "h": 250,
                                }
                            ],
                        }
                    ],
                }
            ).encode()
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the exchange stopped waiting for us: that is the point

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.request_queue_size = 1024
    server.serve_forever()


if __name__ == "__main__":
    main()
