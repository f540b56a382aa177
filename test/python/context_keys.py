"""The task context keys Airflow fills a TaskFlow function's parameters from, for
test/engines/operator-params.test.ts: KNOWN_CONTEXT_KEYS, which the @task decorator gives a default of
None when it binds a call to the function (so a parameter named for one is never missing).
Prints them as a sorted JSON list.
"""

import json

try:
    from airflow.sdk.definitions.context import KNOWN_CONTEXT_KEYS
except ImportError:
    from airflow.utils.context import KNOWN_CONTEXT_KEYS

print(json.dumps(sorted(KNOWN_CONTEXT_KEYS)))
