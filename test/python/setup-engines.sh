#!/usr/bin/env bash
# Builds (or reuses) the project-local engine venv from the committed lock.
# One venv serves every real-engine test file; uv's cache makes repeat runs fast.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="${MLGEN_ENGINE_VENV:-$root/.venv-engines}"
lock="$root/test/python/requirements.lock"
stamp="$venv/.lock-sha256"
want="$(sha256sum "$lock" | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi
if ! command -v uv >/dev/null 2>&1; then
  echo "setup-engines: installing uv with pip" >&2
  python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv
  export PATH="$HOME/.local/bin:$PATH"
fi
echo "setup-engines: building $venv from test/python/requirements.lock" >&2
[[ -d "$venv" ]] || uv venv --quiet --python "$(command -v python3.11 || command -v python3)" "$venv"
VIRTUAL_ENV="$venv" uv pip sync --quiet --python "$venv/bin/python" "$lock"
echo "$want" > "$stamp"
