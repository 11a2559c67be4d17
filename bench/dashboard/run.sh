#!/usr/bin/env bash
# The dashboard's time to show the queue (issue 15's target: the first 50
# comments within 200 ms of navigation, within 1 s with the CPU throttled
# 4x), in Debian's Chromium against the release build on its embedded
# database, with 60 pending comments (half of them replies) on seven
# registered articles.
#
#   bash bench/dashboard/run.sh        # MAJLIS_BIN=... to use another build
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
die() { echo "dashboard bench: $*" >&2; exit 1; }
# shellcheck source=bench/lib.sh disable=SC1091
. "$root/bench/lib.sh"
page_bench_server "$root"
base="$MAJLIS_BASE"
password="$BENCH_PASSWORD"
token="$(curl -fsS -X POST "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"email\":\"admin@news.example\",\"password\":\"$password\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"
curl -fsS -o /dev/null -X PATCH "$base/api/v1/admin/settings" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -d '{"approval_mode": "all", "flood_interval_seconds": 0}'
# Seven registered articles, each with an approved first comment; the 60
# pending comments alternate between top-level ones and replies, so every
# card carries an article title and half of them a parent's excerpt.
python3 - "$base" "$token" <<'PY'
import json, sys, urllib.request
base, token = sys.argv[1], sys.argv[2]
def call(method, path, body, auth=True):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method=method,
                                 headers={"Content-Type": "application/json"})
    if auth:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req) as r:
        return json.load(r)
parents = []
for k in range(7):
    call("PUT", f"/api/v1/admin/articles/bench/{k}",
         {"url": f"https://news.example/bench/{k}", "title": f"مقال رقم {k} عن الأخبار المحلية"})
    first = call("POST", "/api/v1/comments", {"article_id": f"bench/{k}", "author_name": "أول قارئ",
                 "author_email": f"first{k}@example.com", "body": "أول تعليق على المقال، وهو منشور."}, auth=False)
    call("PATCH", f"/api/v1/moderation/comments/{first['id']}", {"status": "approved"})
    parents.append(first["id"])
for n in range(1, 61):
    body = {"article_id": f"bench/{n % 7}", "author_name": f"قارئ {n}", "author_email": f"r{n}@example.com",
            "body": f"تعليق رقم {n} على المقال، مع بعض النص الإضافي ليشبه تعليقاً حقيقياً في الصحيفة."}
    if n % 2 == 0:
        body["parent_id"] = parents[n % 7]
    call("POST", "/api/v1/comments", body, auth=False)
PY
MAJLIS_BT_BASE="$base" MAJLIS_BT_PASSWORD="$password" \
    node "$here/measure.mjs"
