#!/usr/bin/env bash
# The embed widget's targets (issue 16): the first thread of 50 comments
# drawn within 100 ms after its data arrives (400 ms with the CPU
# throttled 4x), and layout shift under 0.01, in Debian's Chromium against
# the release build on its embedded database; plus the scripts' sizes.
#
#   bash bench/embed/run.sh        # MAJLIS_BIN=... to use another build
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
die() { echo "embed bench: $*" >&2; exit 1; }
# shellcheck source=bench/lib.sh disable=SC1091
. "$root/bench/lib.sh"
page_bench_server "$root"
base="$MAJLIS_BASE"
password="$BENCH_PASSWORD"
# 60 approved comments on one article, half of them replies: the first
# page holds 50.
python3 - "$base" "$password" <<'PY'
import json, sys, urllib.request
base, password = sys.argv[1], sys.argv[2]
def call(method, path, body, token=None):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method=method,
                                 headers={"Content-Type": "application/json"})
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req) as r:
        return json.load(r)
token = call("POST", "/api/v1/auth/login", {"email": "admin@news.example", "password": password})["token"]
call("PATCH", "/api/v1/admin/settings", {"approval_mode": "none", "flood_interval_seconds": 0,
     "allowed_origins": ["http://news.localhost"]}, token)
ids = []
for n in range(60):
    body = {"article_id": "bench/embed", "author_name": f"قارئ {n}", "author_email": f"e{n}@example.com",
            "body": f"تعليق رقم {n} على المقال، مع بعض النص الإضافي ليشبه تعليقاً حقيقياً في صحيفة إخبارية عربية."}
    if n % 2 == 1:
        body["parent_id"] = ids[-1]
    c = call("POST", "/api/v1/comments", body)
    if c["status"] != "approved":
        call("PATCH", f"/api/v1/moderation/comments/{c['id']}", {"status": "approved"}, token)
    ids.append(c["id"])
PY
RESERVE=${RESERVE:-1} RUNS=${RUNS:-10} MAJLIS_BT_BASE="$base" node "$here/measure.mjs"
