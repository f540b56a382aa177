#!/usr/bin/env bash
# The headless Chromium that test/engines/graph-html.test.ts opens `mlgen graph --format html`
# pages in: MLGEN_CHROMIUM, else `chromium` on PATH, else Debian's chromium package installed
# with apt-get (as root; nothing else is downloaded). Prints the executable's path.
set -euo pipefail
if [[ -n "${MLGEN_CHROMIUM:-}" ]]; then
  [[ -x "$MLGEN_CHROMIUM" ]] || { echo "setup-browser: MLGEN_CHROMIUM=$MLGEN_CHROMIUM is not executable" >&2; exit 1; }
  echo "$MLGEN_CHROMIUM"
  exit 0
fi
for name in chromium chromium-browser; do
  if command -v "$name" >/dev/null 2>&1; then
    command -v "$name"
    exit 0
  fi
done
if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
  echo "setup-browser: installing Debian's chromium (headless browser for the graph HTML test)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends chromium >&2 || {
    apt-get update >&2
    apt-get install -y --no-install-recommends chromium >&2
  }
  command -v chromium
  exit 0
fi
echo "setup-browser: no Chromium. Install Debian's chromium package (apt-get install chromium)," >&2
echo "or set MLGEN_CHROMIUM to a Chromium or Chrome executable." >&2
exit 1
