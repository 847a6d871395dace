"""A stand-in for a Jupyter server, so the manager's rules are tested in milliseconds.

Usage: python fake_jupyter.py PORT MODE. MODE `ok` answers /api/status 200 with the token
from JUPYTER_TOKEN and 403 without; `open` answers 200 to anyone; `exit` prints and exits 3;
`hang` never listens.
"""

from __future__ import annotations

import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        token = os.environ["JUPYTER_TOKEN"]
        allowed = MODE == "open" or self.headers.get("Authorization") == f"token {token}" \
            or self.path.endswith(f"token={token}")
        self.send_response(200 if allowed else 403)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


if __name__ == "__main__":
    PORT, MODE = int(sys.argv[1]), sys.argv[2]
    if MODE == "exit":
        print("boom: bad config", flush=True)
        sys.exit(3)
    if MODE == "hang":
        time.sleep(600)
    ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
