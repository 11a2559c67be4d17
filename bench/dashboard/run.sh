#!/usr/bin/env bash
# The dashboard's time to show the queue (issue 15's target: the first 50
# comments within 200 ms of navigation, within 1 s with the CPU throttled
# 4x), in Debian's Chromium against the release build on its embedded
# database, with 60 pending comments.
#
#   bash bench/dashboard/run.sh        # MAJLIS_BIN=... to use another build
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${MAJLIS_BIN:-$root/target/release/majlis}"
if [ -z "${MAJLIS_BIN:-}" ]; then
    (cd "$root" && cargo build --release --locked --quiet)
fi
(cd "$root/tests/browser" && npm ci --no-audit --no-fund --silent)
die() { echo "dashboard bench: $*" >&2; exit 1; }
# shellcheck source=bench/lib.sh disable=SC1091
. "$root/bench/lib.sh"
work="$(mktemp -d)"
chmod 755 "$work"
export RUST_LOG=warn
trap 'kill -TERM "${MAJLIS_PID:-0}" 2>/dev/null || true; wait "${MAJLIS_PID:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
serve_embedded "$bin" "$work"
base="$MAJLIS_BASE"
password="$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')"
create_account "$bin" "$work" admin@news.example admin "$password"
token="$(curl -fsS -X POST "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"email\":\"admin@news.example\",\"password\":\"$password\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"
curl -fsS -o /dev/null -X PATCH "$base/api/v1/admin/settings" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -d '{"approval_mode": "all", "flood_interval_seconds": 0}'
for n in $(seq 1 60); do
    curl -fsS -o /dev/null -X POST "$base/api/v1/comments" -H 'Content-Type: application/json' \
        -d "{\"article_id\":\"bench/$((n % 7))\",\"author_name\":\"قارئ $n\",\"author_email\":\"r$n@example.com\",\"body\":\"تعليق رقم $n على المقال، مع بعض النص الإضافي ليشبه تعليقاً حقيقياً في الصحيفة.\"}"
done
MAJLIS_BT_BASE="$base" MAJLIS_BT_PASSWORD="$password" \
    BROWSER_TESTS_PACKAGE="$root/tests/browser/package.json" node "$here/measure.mjs"
