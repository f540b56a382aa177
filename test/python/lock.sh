#!/usr/bin/env bash
# Re-locks the engine venvs from their .in files (run after editing a requirements*.in).
# The locks are committed; setup-engines.sh installs exactly what they say.
set -euo pipefail
cd "$(dirname "$0")"
uv pip compile requirements.in --python-version 3.11 -o requirements.lock >/dev/null
uv pip compile requirements-airflow2.in --python-version 3.11 -o requirements-airflow2.lock >/dev/null
# The kfp lock carries hashes: uv pip sync then refuses any artifact whose sha256 differs.
uv pip compile requirements-kfp.in --python-version 3.11 --generate-hashes -o requirements-kfp.lock >/dev/null
# mlgen dev's managed venv: the same versions as the engine venv, fewer packages.
(cd ../../packages/cli/dev && uv pip compile requirements.in --python-version 3.11 \
  -c ../../../test/python/requirements.lock -o requirements.lock >/dev/null)
