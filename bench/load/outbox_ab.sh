#!/usr/bin/env bash
# What the webhook and mail outbox costs submissions (issue 18's target:
# at most 10% with one active comment.created webhook and one digest
# subscriber). Runs the load benchmark's submission points alternately
# without and with the outbox (BENCH_OUTBOX=0, then 1; each run its own
# throwaway cluster and seed), BENCH_AB_ROUNDS times, and writes the
# req/s of every run, their means and the difference to bench/OUTBOX.md.
# Alternating spreads the machine's drift over both sides.
#
#   BENCH_AB_ROUNDS  pairs of runs (3)
#   BENCH_AB_OUT     where the summary goes (bench/OUTBOX.md)
# The load benchmark's variables apply to each run; unless set:
# BENCH_COMMENTS=200000 BENCH_ARTICLES=4000 BENCH_CONNS="8 32".
#
#   bash bench/load/outbox_ab.sh
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ROUNDS=${BENCH_AB_ROUNDS:-3}
OUT=${BENCH_AB_OUT:-$ROOT/bench/OUTBOX.md}
[[ $ROUNDS =~ ^[0-9]+$ && $ROUNDS -ge 1 ]] || { echo "BENCH_AB_ROUNDS must be >= 1" >&2; exit 1; }
export BENCH_COMMENTS=${BENCH_COMMENTS:-200000} BENCH_ARTICLES=${BENCH_ARTICLES:-4000}
export BENCH_CONNS=${BENCH_CONNS:-"8 32"} BENCH_WORKLOADS=submit
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# rate FILE CONNS: the req/s of the submission row at CONNS connections.
rate() {
    awk -F'|' -v c="$2" '$2 ~ /^ POST \/api\/v1\/comments $/ && $3 + 0 == c { gsub(/ /, "", $4); print $4 }' "$1"
}

for round in $(seq 1 "$ROUNDS"); do
    for outbox in 0 1; do
        echo "outbox a/b: round $round of $ROUNDS, BENCH_OUTBOX=$outbox" >&2
        BENCH_OUTBOX=$outbox BENCH_RESULTS="$TMP/$round-$outbox.md" bash "$ROOT/bench/load/run.sh" \
            2>"$TMP/$round-$outbox.log" || { tail -n 20 "$TMP/$round-$outbox.log" >&2; exit 1; }
    done
done

{
    echo "# What the outbox costs submissions"
    echo
    echo "Written by \`bash bench/load/outbox_ab.sh\` on $(date -u '+%Y-%m-%d %H:%M') UTC, commit $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- src migrations 2>/dev/null || echo ' (with uncommitted changes)'); $(nproc) CPUs."
    echo
    echo "Each run is \`bench/load/run.sh\` with BENCH_WORKLOADS=submit, BENCH_COMMENTS=$BENCH_COMMENTS, BENCH_ARTICLES=$BENCH_ARTICLES (its own cluster and seed), alternately without (BENCH_OUTBOX=0) and with (BENCH_OUTBOX=1: one active \`comment.created\` webhook to a local receiver and one moderator on a mail digest; before each point the worker has sent everything queued). req/s of \`POST /api/v1/comments\`; the receiver runs on the same machine."
    echo
    echo "| round | conns | without | with | difference |"
    echo "|---|---|---|---|---|"
    for c in $BENCH_CONNS; do
        sum0=0 sum1=0
        for round in $(seq 1 "$ROUNDS"); do
            a=$(rate "$TMP/$round-0.md" "$c")
            b=$(rate "$TMP/$round-1.md" "$c")
            sum0=$((sum0 + a)) sum1=$((sum1 + b))
            echo "| $round | $c | $a | $b | $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%+.1f%%", (b - a) * 100 / a }') |"
        done
        echo "| mean | $c | $((sum0 / ROUNDS)) | $((sum1 / ROUNDS)) | $(awk -v a="$sum0" -v b="$sum1" 'BEGIN { printf "%+.1f%%", (b - a) * 100 / a }') |"
    done
    echo
    echo "What the outbox runs say about their deliveries (the last point's end):"
    echo
    for round in $(seq 1 "$ROUNDS"); do
        echo "- round $round: $(grep -o 'Outbox (one active.*' "$TMP/$round-1.md" | head -n 1)"
    done
} >"$OUT"
echo "outbox a/b: wrote $OUT" >&2
