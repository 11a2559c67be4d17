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

die() { echo "browser tests: $*" >&2; exit 1; }
# shellcheck source=bench/lib.sh disable=SC1091
. "$root/bench/lib.sh"
work="$(mktemp -d)"
chmod 755 "$work"
export RUST_LOG="${RUST_LOG:-warn}" MAJLIS_DEFAULT_LANG=ar
cleanup() {
    [ -n "${MAJLIS_PID:-}" ] && { kill -TERM "$MAJLIS_PID" 2>/dev/null || true; wait "$MAJLIS_PID" 2>/dev/null || true; }
    [ -n "${SINK_PID:-}" ] && { kill -TERM "$SINK_PID" 2>/dev/null || true; wait "$SINK_PID" 2>/dev/null || true; }
    rm -rf "$work"
}
trap cleanup EXIT
# An SMTP receiver that keeps each mail as a file: majlis sends mail, and
# the tests read what it sent.
mkdir -p "$work/mail"
smtp_port=$(free_port)
python3 "$root/bench/load/smtp_sink.py" "$smtp_port" "$work/mail" >/dev/null 2>"$work/smtp.log" &
SINK_PID=$!
MAJLIS_PORT=$(free_port)
export MAJLIS_SMTP_URL="smtp://127.0.0.1:$smtp_port" MAJLIS_MAIL_FROM="Newsroom <comments@news.example>" \
    MAJLIS_PUBLIC_URL="http://127.0.0.1:$MAJLIS_PORT" MAJLIS_BT_MAILDIR="$work/mail"
serve_embedded "$bin" "$work"
base="$MAJLIS_BASE"
password="$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')"
for who in admin moderator; do
    create_account "$bin" "$work" "$who@news.example" "$who" "$password"
done
export MAJLIS_BT_BASE="$base" MAJLIS_BT_PASSWORD="$password"
# Screenshots go to a path relative to the repository.
[ -n "${MAJLIS_BT_SCREENSHOTS:-}" ] && export MAJLIS_BT_SCREENSHOTS="$(cd "$root" && realpath -m "$MAJLIS_BT_SCREENSHOTS")"
status=0
# MAJLIS_BT_ONLY=embed runs embed.test.mjs alone.
files="./*.test.mjs"
[ -n "${MAJLIS_BT_ONLY:-}" ] && files="./${MAJLIS_BT_ONLY}.test.mjs"
# shellcheck disable=SC2086
(cd "$here" && node --test --test-concurrency=1 --test-reporter=spec $files) || status=$?
if [ "$status" -ne 0 ]; then
    echo "browser tests: majlis's log:"
    tail -50 "$work/server.log"
fi
exit "$status"
