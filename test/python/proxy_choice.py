"""Which proxy Python's requests sends each request through, for the proxy tests: reads JSON
cases [{"env": {...}, "url": "..."}] from stdin and prints, for each, the proxy URL requests
chooses (scheme added as requests adds it) or null for a direct request. Each case runs with
exactly its own proxy variables in os.environ.
"""

import json
import os
import sys

from requests.utils import get_environ_proxies, prepend_scheme_if_needed, select_proxy

NAMES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


def main() -> None:
    out = []
    for case in json.load(sys.stdin):
        for name in NAMES:
            os.environ.pop(name, None)
            os.environ.pop(name.upper(), None)
        os.environ.update(case["env"])
        chosen = select_proxy(case["url"], get_environ_proxies(case["url"]))
        out.append(None if chosen is None else prepend_scheme_if_needed(chosen, "http"))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
