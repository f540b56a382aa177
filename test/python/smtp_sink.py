"""A stand-in mail server: appends each message it receives as one JSON line to a file.

Usage: python smtp_sink.py <port> <out.jsonl>   (listens on 127.0.0.1; stop it with SIGTERM)
Python 3.11's smtpd/asyncore (deprecated, but in the standard library of the pinned Python).
"""

from __future__ import annotations

import json
import sys
import warnings

warnings.simplefilter("ignore", DeprecationWarning)
import asyncore  # noqa: E402
import smtpd  # noqa: E402


class Sink(smtpd.SMTPServer):
    def __init__(self, port: int, out_file: str) -> None:
        super().__init__(("127.0.0.1", port), None, decode_data=True)
        self.out_file = out_file

    def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
        with open(self.out_file, "a", encoding="utf-8") as f:
            f.write(json.dumps({"from": mailfrom, "to": rcpttos, "data": data}) + "\n")


if __name__ == "__main__":
    Sink(int(sys.argv[1]), sys.argv[2])
    asyncore.loop()
