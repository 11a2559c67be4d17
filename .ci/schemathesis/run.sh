#!/usr/bin/env bash
# Runs Schemathesis against a live majlis: public routes and, with a real
# moderator's token, the authenticated ones; every check, stateful phase
# included. Fails on any server error or answer outside /openapi.json.
#
#   bash .ci/schemathesis/run.sh            # the bounded CI run
#   ST_MAX_EXAMPLES=200 ST_MAX_TIME=1800 bash .ci/schemathesis/run.sh   # a longer run
#
# Builds (or reuses) the debug binary, and needs the PostgreSQL server
# binaries (the server runs its embedded cluster in a temporary directory).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${MAJLIS_BIN:-$root/target/debug/majlis}"
venv="${ST_VENV:-$root/target/schemathesis-venv}"
max_examples="${ST_MAX_EXAMPLES:-25}"
max_time="${ST_MAX_TIME:-180}"
seed="${ST_SEED:-20261202}"

if [ -z "${MAJLIS_BIN:-}" ]; then
    # The build `cargo test` made (same targets and features: no rebuild).
    (cd "$root" && cargo build --locked --all-targets --quiet)
fi

if [ ! -x "$venv/bin/schemathesis" ]; then
    echo "schemathesis: installing into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check 'schemathesis==4.32.5'
fi

die() { echo "schemathesis: $*" >&2; exit 1; }
# shellcheck source=bench/lib.sh disable=SC1091
. "$root/bench/lib.sh"
work="$(mktemp -d)"
chmod 755 "$work"
export RUST_LOG="${RUST_LOG:-warn}"
export MAJLIS_ALLOWED_ORIGINS="https://news.example" MAJLIS_TRUSTED_PROXIES="127.0.0.1"
# Webhook URLs are rewritten to a closed local port (hooks.py), which the
# server must accept.
export MAJLIS_WEBHOOK_ALLOW_PRIVATE=on
cleanup() {
    [ -n "${MAJLIS_PID:-}" ] && { kill -TERM "$MAJLIS_PID" 2>/dev/null || true; wait "$MAJLIS_PID" 2>/dev/null || true; }
    rm -rf "$work"
}
trap cleanup EXIT
serve_embedded "$bin" "$work"
base="$MAJLIS_BASE"

email="schemathesis@example.com"
password="$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')"
create_account "$bin" "$work" "$email" admin "$password"
self_id="$(curl -fsS -X POST "$base/api/v1/auth/login" -H 'Content-Type: application/json' -H 'X-Forwarded-For: 203.0.113.7' \
    -d "{\"email\":\"$email\",\"password\":\"$password\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["moderator"]["id"])')"

# Flood control and duplicate detection would answer most generated posts
# with 429/409 (both documented); open them up so the run reaches the
# validation and storage paths.
token="$(curl -fsS -X POST "$base/api/v1/auth/login" -H 'Content-Type: application/json' -H 'X-Forwarded-For: 203.0.113.7' \
    -d "{\"email\":\"$email\",\"password\":\"$password\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"
curl -fsS -X PATCH "$base/api/v1/admin/settings" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -d '{"flood_interval_seconds": 0}' >/dev/null

export MAJLIS_ST_BASE="$base" MAJLIS_ST_EMAIL="$email" MAJLIS_ST_PASSWORD="$password" \
    MAJLIS_ST_SELF_ID="$self_id" PYTHONPATH="$here" SCHEMATHESIS_HOOKS=hooks
status=0
# Schemathesis keeps a cache of earlier failures in ./.schemathesis: keep it
# out of the repository.
cd "$work"
"$venv/bin/schemathesis" --no-color --config-file "$here/schemathesis.toml" \
    run "$base/openapi.json" \
    --checks all --workers 1 --seed "$seed" \
    --max-examples "$max_examples" --max-time "$max_time" \
    --request-timeout 15 \
    --report junit --report-dir "$root/target/schemathesis-report" || status=$?
if grep -q "panicked" "$work/server.log"; then
    echo "schemathesis: the server panicked"; grep -n "panicked" "$work/server.log" | head; status=1
fi
exit "$status"
