"""A stand-in for Slack's incoming webhooks: appends each POST as one JSON line to a file.

Usage: python webhook_sink.py <port> <out.jsonl>   (listens on 127.0.0.1; stop it with SIGTERM)
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


def main(port: int, out_file: str) -> None:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # readiness probe
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            with open(out_file, "a", encoding="utf-8") as f:
                f.write(json.dumps({"path": self.path, "body": json.loads(body or b"{}")}) + "\n")
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    HTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
