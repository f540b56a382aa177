#!/usr/bin/env bash
# The whole test suite: build, lint, unit + type tests, and the real-engine tests
# (which build the pinned engine venv from test/python/requirements.lock first).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.local/bin:$PATH"

if [[ ! -d node_modules ]]; then
  echo "test: node_modules is missing; run 'npm run setup' first (see README)" >&2
  exit 1
fi

echo "== build (and the CLI's startup snapshot)"
tsc -b packages/cli packages/mocks
node packages/cli/dist/snapshot/make.js
echo "== typecheck (tests, examples, fixtures)"
tsc --noEmit -p tsconfig.json
echo "== lint (biome)"
biome check .
echo "== engines venv (test/python/requirements.lock)"
bash test/python/setup-engines.sh
echo "== headless Chromium (test/setup-browser.sh)"
MLGEN_CHROMIUM="$(bash test/setup-browser.sh)"
export MLGEN_CHROMIUM
echo "== vitest: unit, types, engines"
results="$(mktemp)"
status=0
vitest run --reporter=default --reporter=json --outputFile.json="$results" || status=$?
# One closing line in the plain 'N passed, N failed' form, whatever the runner printed.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`\nvitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
  if (r.numTotalTests === 0) { console.error("no test ran"); process.exit(1); }
' "$results" || status=1
rm -f "$results"
exit "$status"
