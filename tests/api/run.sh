#!/usr/bin/env bash
# The HTTP API from outside, over a `liquida serve` on loopback over three small simulated months,
# with a colegio's, a prestador's and an obra social's token (CTest label `api`):
#   run.sh schemathesis  the API against its OpenAPI description (docs/openapi.yaml, validated
#                        first by openapi-spec-validator): the server never answers 5xx, and every
#                        status, content type and JSON body is one the description gives.
#   run.sh downloads     every listing's XLSX opened by openpyxl and its CSV by Python's csv
#                        module (tests/api/downloads.py): the totals equal the JSON views'.
#
# Environment (set by tests/api/CMakeLists.txt):
#   LIQUIDA_BIN          the liquida binary
#   LIQUIDA_SOURCE_DIR   the source tree (docs/openapi.yaml, ops/config, gateway/web)
#   LIQUIDA_API_VENV     where the venv lives (build/<preset>/api-venv), reused while
#                        requirements.txt is unchanged
# Optional: LIQUIDA_PYTHON (default /usr/bin/python3, else python3), LIQUIDA_API_SECONDS
# (schemathesis's time budget per role, default 50), LIQUIDA_API_EXAMPLES (max examples per
# operation and round, default 50), LIQUIDA_API_SEED (default 1), LIQUIDA_API_KEEP=1 (keep the
# data directory and the logs).
#
# Without Python's venv or PyPI it exits 77 (skipped), except under CI=true, where that is a
# failure: ops/test installs python3-venv (ops/deps.sh).
set -euo pipefail
mode=${1:?usage: run.sh schemathesis|downloads}
case $mode in schemathesis | downloads) ;; *) echo "run.sh: unknown mode $mode" >&2; exit 2 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
src=${LIQUIDA_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
bin=${LIQUIDA_BIN:?LIQUIDA_BIN: the liquida binary}
venv=${LIQUIDA_API_VENV:?LIQUIDA_API_VENV: where to keep the venv}
seconds=${LIQUIDA_API_SECONDS:-50}
examples=${LIQUIDA_API_EXAMPLES:-50}
seed=${LIQUIDA_API_SEED:-1}
checks=not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance
started=$SECONDS

unavailable() {
  if [ "${CI:-}" = "true" ]; then
    echo "FAILED: $* (CI=true: a missing tool is a failure; ops/test installs it)" >&2
    exit 1
  fi
  echo "SKIPPED: $*" >&2
  exit 77
}

# --- The venv: schemathesis as pinned in requirements.txt, installed once per build tree ---
python=${LIQUIDA_PYTHON:-}
if [ -z "$python" ]; then
  if [ -x /usr/bin/python3 ]; then python=/usr/bin/python3; else python=python3; fi
fi
command -v "$python" >/dev/null || unavailable "no $python (apt-get install python3 python3-venv)"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || unavailable "$python is older than 3.11 (schemathesis needs 3.11)"
mkdir -p "$(dirname "$venv")"
(
  flock 9  # one installer at a time per venv
  if ! cmp -s "$here/requirements.txt" "$venv/.requirements.txt" || ! "$venv/bin/schemathesis" --version >/dev/null 2>&1; then
    rm -rf "$venv"
    "$python" -m venv "$venv" >/dev/null || { rm -rf "$venv"; exit 3; }
    if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$here/requirements.txt"; then
      rm -rf "$venv"
      exit 4
    fi
    cp "$here/requirements.txt" "$venv/.requirements.txt"
  fi
) 9>"$venv.lock" || case $? in
  3) unavailable "$python -m venv failed (apt-get install python3-venv)" ;;
  4) unavailable "pip could not install tests/api/requirements.txt (PyPI unreachable?)" ;;
  *) exit 1 ;;
esac
echo "schemathesis: $("$venv/bin/schemathesis" --version)"
"$venv/bin/openapi-spec-validator" "$src/docs/openapi.yaml" || {
  echo "FAILED: docs/openapi.yaml is not a valid OpenAPI 3.0 document" >&2
  exit 1
}

# --- A server on loopback, over three simulated months ---
work=$(mktemp -d "${TMPDIR:-/tmp}/liquida-api.XXXXXX")
server_pid=""
stop_server() {  # SIGTERM, then SIGKILL after 30 s; returns the server's exit status
  local pid=$server_pid status=0
  server_pid=""
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "liquida serve did not stop within 30 s of SIGTERM: killed" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" || status=$?
  return "$status"
}
cleanup() {
  stop_server || true
  if [ "${LIQUIDA_API_KEEP:-}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
server_log() {
  echo "--- liquida serve's output (last 60 lines):" >&2
  tail -n 60 "$work/serve.log" >&2 || true
}

config="$src/ops/config/liquida.json"
# Three months: the insurers pay on their invoices' due dates (30 days after reception, 15 for a
# small SanCor invoice), so the first month's invoices are paid within the run.
"$bin" simulate --data "$work/data" --scale 0.002 --months 3 --config "$config" >"$work/simulate.log" 2>&1 || {
  cat "$work/simulate.log" >&2
  exit 1
}
# The log exists before the server starts: the background job opens it on its own time, and a
# read of a file not yet created would end this script (set -e) under load.
: >"$work/serve.log"
"$bin" serve --data "$work/data" --listen 127.0.0.1 --port 0 --config "$config" --static "$src/gateway/web" \
  >>"$work/serve.log" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 600); do  # 60 s: an ASan build reads the log and brings the views up first
  port=$(sed -n 's|^liquida serve: listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$work/serve.log")
  [ -n "$port" ] && grep -q "^liquida serve: ready" "$work/serve.log" && break
  port=""
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "FAILED: liquida serve did not come up" >&2
  server_log
  exit 1
fi
base="http://127.0.0.1:$port"
echo "liquida serve on $base ($(grep -c . "$work/simulate.log") lines of simulate output; data in $work/data)"

# The views are built by serve's runner after it is ready: wait (at most 60 s) until they hold
# the whole log, so that the padrón read below is complete.
"$venv/bin/python" - "$base" <<'EOF' || { echo "FAILED: the views did not catch up" >&2; server_log; exit 1; }
import json, sys, time, urllib.error, urllib.request
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        health = json.load(urllib.request.urlopen(sys.argv[1] + "/healthz", timeout=5))
    except urllib.error.HTTPError as e:
        health = json.load(e)
    if health.get("view_lag") == 0:
        sys.exit(0)
    time.sleep(0.1)
sys.exit(1)
EOF

token() { "$bin" token --role "$1" --subject "$2" --data "$work/data" 2>/dev/null | tail -n 1; }
colegio=$(token colegio schemathesis)
# The prestador and obra social: the first provider of the padrón that adhered to one, so that
# their views have rows.
read -r provider obra_social < <("$venv/bin/python" - "$base" "$colegio" <<'EOF'
import json, sys, urllib.request
request = urllib.request.Request(sys.argv[1] + "/v1/views/padron?limit=5000", headers={"Authorization": "Bearer " + sys.argv[2]})
rows = json.load(urllib.request.urlopen(request, timeout=30))["rows"]
row = next(r for r in rows if r["adhesions"])
print(row["provider"], sorted(row["adhesions"])[0])
EOF
) || { echo "FAILED: could not read the padrón" >&2; server_log; exit 1; }
declare -A tokens=([colegio]="$colegio" [prestador]="$(token prestador "$provider")" [obra_social]="$(token obra_social "$obra_social")")

if [ "$mode" = downloads ]; then
  status=0
  timeout -k 10 240 "$venv/bin/python" "$here/downloads.py" "$base" "$colegio" "${tokens[prestador]}" "$provider" \
    "${tokens[obra_social]}" "$obra_social" || status=$?
  stop_server || { echo "FAILED: liquida serve did not stop cleanly" >&2; server_log; exit 1; }
  [ "$status" -eq 0 ] || { echo "FAILED: downloads (above)" >&2; exit 1; }
  exit 0
fi
echo "roles: colegio, prestador $provider, obra_social $obra_social; ${seconds} s and up to $examples examples per operation and round each; seed $seed"

# --- schemathesis, the three roles at once against the one server ---
declare -A pids
for role in colegio prestador obra_social; do
  (
    cd "$work"  # whatever schemathesis writes stays in the scratch directory
    exec timeout -k 10 $((seconds + 90)) "$venv/bin/schemathesis" run "$src/docs/openapi.yaml" \
      --url "$base" --header "Authorization: Bearer ${tokens[$role]}" \
      --checks "$checks" --max-examples "$examples" --max-time "$seconds" --seed "$seed" \
      --request-timeout 30 --generation-database none --no-color \
      --report ndjson --report-ndjson-path "$work/$role.ndjson"
  ) >"$work/$role.log" 2>&1 &
  pids[$role]=$!
done
failed=()
for role in colegio prestador obra_social; do
  status=0
  wait "${pids[$role]}" || status=$?
  echo
  echo "=== schemathesis as $role: exit $status"
  if [ "$status" -eq 0 ]; then
    sed -n '/^=* SUMMARY =*$/,$p' "$work/$role.log"
  else
    cat "$work/$role.log"
    failed+=("$role")
  fi
done
echo
"$venv/bin/python" "$here/tally.py" "colegio=$work/colegio.ndjson" "prestador=$work/prestador.ndjson" \
  "obra_social=$work/obra_social.ndjson" || true

# --- The server must still be up, and stop cleanly (no sanitizer report at exit) ---
alive=1
kill -0 "$server_pid" 2>/dev/null || alive=0
status=0
stop_server || status=$?
if [ "$alive" -eq 0 ] || [ "$status" -ne 0 ]; then
  echo "FAILED: liquida serve $([ "$alive" -eq 0 ] && echo "died during the run" || echo "exited with $status on SIGTERM")" >&2
  server_log
  exit 1
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: schemathesis found problems as ${failed[*]} (above; each with a curl line to reproduce)" >&2
  exit 1
fi
echo "api: the server matched docs/openapi.yaml for the three roles in $((SECONDS - started)) s"
