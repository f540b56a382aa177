#!/usr/bin/env bash
# Extracts the Airflow REST API v2 OpenAPI spec, byte for byte, from the apache-airflow-core
# wheel pinned in test/python/requirements.lock, and records where it came from.
#
#   specs/airflow/v2-rest-api.yaml    the spec, unmodified
#   specs/airflow/PROVENANCE.json     package, version, wheel name + sha256, path, spec sha256
#
# The wheel is fetched with `pip download --no-deps` into a temp dir (about 7 MB). The spec's
# sha256 is checked against the wheel's own RECORD, and against the engine venv's installed
# copy when that venv exists. Re-running with the same lock gives identical files.
# Usage: bash specs/airflow/extract.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
lock="$root/test/python/requirements.lock"
venv="${MLGEN_ENGINE_VENV:-$root/.venv-engines}"
package="apache-airflow-core"
inner="airflow/api_fastapi/core_api/openapi/v2-rest-api-generated.yaml"
out="$here/v2-rest-api.yaml"
prov="$here/PROVENANCE.json"

version="$(sed -n "s/^${package}==\([^ ;]*\).*/\1/p" "$lock")"
if [[ -z "$version" ]]; then
  echo "extract: ${package} is not pinned in ${lock}" >&2
  exit 1
fi

python="$(command -v python3)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "extract: downloading ${package}==${version} (wheel, no deps)" >&2
"$python" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
  --dest "$tmp" "${package}==${version}"

# Extraction, hashing and the provenance record in Python's stdlib (no unzip/jq needed).
"$python" - "$tmp" "$package" "$version" "$inner" "$out" "$prov" "$venv" <<'PY'
import base64, csv, glob, hashlib, io, json, os, sys, zipfile

tmp, package, version, inner, out, prov, venv = sys.argv[1:]
wheels = glob.glob(os.path.join(tmp, "*.whl"))
if len(wheels) != 1:
    sys.exit(f"extract: expected one wheel in {tmp}, found {wheels}")
wheel = wheels[0]
wheel_name = os.path.basename(wheel)
with open(wheel, "rb") as f:
    wheel_sha = hashlib.sha256(f.read()).hexdigest()

with zipfile.ZipFile(wheel) as z:
    data = z.read(inner)
    records = [n for n in z.namelist() if n.endswith(".dist-info/RECORD")]
    if len(records) != 1:
        sys.exit(f"extract: expected one RECORD in {wheel_name}, found {records}")
    record = {row[0]: row[1] for row in csv.reader(io.StringIO(z.read(records[0]).decode())) if row}

digest = hashlib.sha256(data).digest()
spec_sha = digest.hex()
want = record.get(inner, "")
got = "sha256=" + base64.urlsafe_b64encode(digest).decode().rstrip("=")
if want != got:
    sys.exit(f"extract: {inner} does not match the wheel RECORD ({want!r} != {got!r})")

for candidate in glob.glob(os.path.join(venv, "lib", "python3.*", "site-packages", inner)):
    with open(candidate, "rb") as f:
        if hashlib.sha256(f.read()).hexdigest() != spec_sha:
            sys.exit(f"extract: installed copy {candidate} differs from the wheel's")
    print(f"extract: engine venv copy matches ({candidate})", file=sys.stderr)

with open(out, "wb") as f:
    f.write(data)

provenance = {
    "package": package,
    "version": version,
    "source": "pip download --no-deps (version pinned in test/python/requirements.lock)",
    "wheel": wheel_name,
    "wheelSha256": wheel_sha,
    "pathInWheel": inner,
    "file": "specs/airflow/v2-rest-api.yaml",
    "sha256": spec_sha,
    "bytes": len(data),
    "extractedBy": "specs/airflow/extract.sh",
}
with open(prov, "w") as f:
    json.dump(provenance, f, indent=2)
    f.write("\n")
print(f"extract: wrote {out} ({len(data)} bytes, sha256 {spec_sha})", file=sys.stderr)
PY
