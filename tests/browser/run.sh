#!/usr/bin/env bash
# Browser tests of the moderator dashboard (/moderate/): Debian's Chromium,
# driven by Playwright (playwright-core from npm, no browser download),
# against a live majlis on its embedded database in a temporary directory.
#
#   bash tests/browser/run.sh
#
# Needs /usr/bin/chromium (apt-get install chromium), Node.js and npm, and
# the PostgreSQL server binaries. .ci/run installs them.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${MAJLIS_BIN:-$root/target/debug/majlis}"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] || { echo "browser tests: $CHROMIUM is missing (apt-get install chromium)"; exit 1; }
if [ -z "${MAJLIS_BIN:-}" ]; then
    (cd "$root" && cargo build --locked --quiet)
fi
(cd "$here" && npm ci --no-audit --no-fund --silent)

work="$(mktemp -d)"
chmod 755 "$work"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
export MAJLIS_DATA_DIR="$work/data" MAJLIS_ADDR="127.0.0.1:$port" RUST_LOG="${RUST_LOG:-warn}"
export MAJLIS_DEFAULT_LANG=ar
unset DATABASE_URL DATABASE_READ_URL
"$bin" serve >"$work/server.log" 2>&1 &
server=$!
cleanup() {
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 120); do
    curl -fsS "$base/readyz" >/dev/null 2>&1 && break
    sleep 0.5
done
curl -fsS "$base/readyz" >/dev/null || { cat "$work/server.log"; exit 1; }

password="$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')"
for who in admin moderator; do
    MAJLIS_PASSWORD="$password" "$bin" moderator create --email "$who@news.example" --role "$who" \
        --display-name "$who" >/dev/null
done
export MAJLIS_BT_BASE="$base" MAJLIS_BT_PASSWORD="$password"
# Screenshots go to a path relative to the repository.
[ -n "${MAJLIS_BT_SCREENSHOTS:-}" ] && export MAJLIS_BT_SCREENSHOTS="$(cd "$root" && realpath -m "$MAJLIS_BT_SCREENSHOTS")"
status=0
(cd "$here" && node --test --test-concurrency=1 --test-reporter=spec ./*.test.mjs) || status=$?
if [ "$status" -ne 0 ]; then
    echo "browser tests: majlis's log:"
    tail -50 "$work/server.log"
fi
exit "$status"
