#!/usr/bin/env bash
# The write-path load benchmark: one command, from the repository root,
#
#     bash bench/load/run.sh
#
# Installs what is missing (wrk; pgbench and the PostgreSQL server through
# apt-get), builds the release binary, starts a throwaway PostgreSQL cluster
# in a temporary directory (fsync and synchronous_commit on), seeds it in SQL
# (bench/load/seed.sql), starts majlis on it, then measures with pgbench the
# two ceilings and with wrk the HTTP workloads (bench/load/*.lua), and writes
# the table to bench/RESULTS.md. Every process it started is stopped on exit,
# the cluster included, whatever happens. Knobs (environment):
#
#   BENCH_COMMENTS   comments seeded (1000000)       BENCH_ARTICLES  articles (20000)
#   BENCH_DURATION   seconds per point (15)          BENCH_CONNS     connection counts ("8 32")
#   BENCH_WORKLOADS  which runs, in order ("ceilings submit list counts queue mixed two")
#   BENCH_HOT        hot articles of the mixed run (5); the listing run reads the 20 hottest
#   BENCH_RESULTS    where the table goes (bench/RESULTS.md)
#   BENCH_NOTE       a line printed above the table (e.g. "smoke run on a busy machine")
#   BENCH_PG_SHARED_BUFFERS (256MB)                  BENCH_PERF=1    perf record of submissions
#   BENCH_KEEP=1     keep the temporary directory (logs, data; the cluster is still stopped)
#   BENCH_OUTBOX=1   one active comment.created webhook, delivered to a local receiver
#                    (examples/webhook_sink.rs), and the admin subscribed to a mail
#                    digest every 5 minutes through a local SMTP receiver
#                    (bench/load/smtp_sink.py), both by majlis's own workers during the run
#   BENCH_PROFILE=1  profile the submissions and the mixed run at every connection count
#                    (bench/load/profile.sh: pg_stat_statements, wait events and lock waits
#                    of majlis's connections, WAL flushes; with BENCH_PERF=1 also perf of
#                    majlis with call graphs, a flame graph, and of the whole machine),
#                    summarized into BENCH_PROFILE_OUT (bench/PROFILE.md)
#
# majlis runs with its defaults except: MAJLIS_TRUSTED_PROXIES=127.0.0.1 (the
# scripts send X-Forwarded-For, one client address per request), and the
# settings approval_mode=none and flood_max_comments=10000 (the maximum;
# flood_interval_seconds stays 15), set through PATCH /api/v1/admin/settings
# as an admin signed in with a real login. Other MAJLIS_* variables in the
# environment are passed on.

set -euo pipefail

die() {
    echo "load bench: error: $*" >&2
    exit 1
}
say() { echo "load bench: $*" >&2; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LOAD="$ROOT/bench/load"
COMMENTS=${BENCH_COMMENTS:-1000000}
ARTICLES=${BENCH_ARTICLES:-20000}
DURATION=${BENCH_DURATION:-15}
CONNS=${BENCH_CONNS:-"8 32"}
WORKLOADS=${BENCH_WORKLOADS:-"ceilings submit list counts queue mixed two"}
HOT=${BENCH_HOT:-5}
RESULTS=${BENCH_RESULTS:-$ROOT/bench/RESULTS.md}
PROFILE=${BENCH_PROFILE:-0}
PROFILE_OUT=${BENCH_PROFILE_OUT:-$ROOT/bench/PROFILE.md}
NOTE=${BENCH_NOTE:-}
SHARED_BUFFERS=${BENCH_PG_SHARED_BUFFERS:-256MB}
[[ $COMMENTS =~ ^[0-9]+$ && $COMMENTS -ge 1000 ]] || die "BENCH_COMMENTS must be a whole number >= 1000"
[[ $ARTICLES =~ ^[0-9]+$ && $ARTICLES -ge 20 ]] || die "BENCH_ARTICLES must be a whole number >= 20"
[[ $DURATION =~ ^[0-9]+$ && $DURATION -ge 1 ]] || die "BENCH_DURATION must be a whole number of seconds"

# ---------------------------------------------------------------- tools

# apt_install, pg_tools, init_cluster, stop_cluster_at, as_pg, free_port
# shellcheck source=bench/lib.sh disable=SC1091
. "$ROOT/bench/lib.sh"

command -v wrk >/dev/null || apt_install wrk wrk
pg_tools pgbench
command -v curl >/dev/null || apt_install curl curl
if [[ ${BENCH_PERF:-0} == 1 ]]; then
    # optional: never fails the run
    command -v perf >/dev/null || (apt_install perf linux-perf) || say "no perf; the profile is skipped"
    if ! command -v perf >/dev/null || ! perf stat -e instructions true >/dev/null 2>&1; then
        say "perf cannot sample here; the profile is skipped"
        BENCH_PERF=0
    fi
fi

say "building the release binary"
(cd "$ROOT" && cargo build --locked --release --bin majlis --example webhook_sink) >&2 ||
    die "cargo build --release failed"
MAJLIS="$ROOT/target/release/majlis"
[[ -x $MAJLIS ]] || die "no $MAJLIS after the build"

# ---------------------------------------------------------------- cleanup

TMP=$(mktemp -d "${TMPDIR:-/tmp}/majlis-load.XXXXXX")
chmod 755 "$TMP"
PGDATA="$TMP/pg"
SOCK="$TMP/sock"
MAJLIS_PIDS=()
BG_PIDS=()
CLUSTER_UP=0

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    local p
    for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${MAJLIS_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${MAJLIS_PIDS[@]}"; do
        for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null || true
    done
    [[ $CLUSTER_UP -eq 1 ]] && stop_cluster_at "$PGDATA"
    if [[ $rc -ne 0 ]]; then
        say "FAILED (exit $rc); last lines of the logs:"
        for f in "$TMP"/majlis-*.log "$TMP/postgres.log"; do
            [[ -f $f ]] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }
        done
    fi
    if [[ ${BENCH_KEEP:-0} == 1 ]]; then
        say "kept $TMP"
    else
        rm -rf "$TMP"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ $PROFILE == 1 ]]; then
    # shellcheck source=bench/load/profile.sh
    source "$LOAD/profile.sh"
    profile_check
    [[ ${BENCH_PERF:-0} == 1 ]] && { profile_inferno || true; }
fi

# ---------------------------------------------------------------- postgres

say "initdb in $TMP"
init_cluster "$PGDATA" "$SOCK" "$TMP"
cat >>"$PGDATA/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$SOCK'
max_connections = 200
shared_buffers = $SHARED_BUFFERS
fsync = on
synchronous_commit = on
full_page_writes = on
max_wal_size = 4GB
log_error_verbosity = terse
log_min_error_statement = panic
log_parameter_max_length = 0
log_parameter_max_length_on_error = 0
EOF
[[ $PROFILE == 1 ]] && profile_pg_conf >>"$PGDATA/postgresql.conf"
as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$TMP/postgres.log" -w -t 60 start >/dev/null ||
    die "the cluster did not start: $(tail -n 5 "$TMP/postgres.log")"
CLUSTER_UP=1
POSTMASTER=$(head -n 1 "$PGDATA/postmaster.pid")

psql_db() { "$PSQL" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -U postgres "$@"; }
psql_db -d postgres -c "create database majlis" || die "create database failed"
[[ $PROFILE == 1 ]] && profile_setup_db
DATABASE_URL="postgres://postgres@localhost/majlis?host=$SOCK"
export DATABASE_URL

PG_SETTINGS=$(psql_db -d majlis -At -F ' = ' -c "select name, current_setting(name) from pg_settings
    where name in ('fsync', 'synchronous_commit', 'full_page_writes', 'wal_sync_method', 'shared_buffers', 'max_connections')
    order by name")
PG_VERSION=$(psql_db -d majlis -At -c "show server_version")
say "PostgreSQL $PG_VERSION, running with:"
sed 's/^/    /' <<<"$PG_SETTINGS" >&2
grep -q '^fsync = on$' <<<"$PG_SETTINGS" || die "fsync is not on"
grep -q '^synchronous_commit = on$' <<<"$PG_SETTINGS" || die "synchronous_commit is not on"

say "migrating"
"$MAJLIS" migrate >"$TMP/migrate.log" 2>&1 || die "majlis migrate failed: $(tail -n 3 "$TMP/migrate.log")"

say "seeding $COMMENTS comments over $ARTICLES articles (SQL)"
SEED_START=$(date +%s)
psql_db -d majlis -v articles="$ARTICLES" -v comments="$COMMENTS" -f "$LOAD/seed.sql" >"$TMP/seed.log" 2>&1 ||
    die "seeding failed: $(tail -n 5 "$TMP/seed.log")"
SEED_SECS=$(($(date +%s) - SEED_START))
SEEDED=$(psql_db -d majlis -At -c "select format('%s comments (%s pending), comments table with its indexes %s, %s learner feature rows',
    count(*), count(*) filter (where status = 'pending'), pg_size_pretty(pg_total_relation_size('comments')),
    (select count(*) from spam_features)) from comments")
say "seeded in ${SEED_SECS}s: $SEEDED"

# ---------------------------------------------------------------- majlis

# start_majlis NAME: starts an instance, prints its port
PORTS=()
start_majlis() {
    local name=$1 port
    port=$(free_port)
    MAJLIS_ADDR="127.0.0.1:$port" MAJLIS_TRUSTED_PROXIES="${MAJLIS_TRUSTED_PROXIES:-127.0.0.1}" \
        "$MAJLIS" serve >"$TMP/majlis-$name.log" 2>&1 &
    local pid=$!
    MAJLIS_PIDS+=("$pid")
    echo "$pid" >>"$TMP/majlis.pids"
    for _ in $(seq 1 300); do
        kill -0 "$pid" 2>/dev/null || die "majlis $name exited at start: $(tail -n 5 "$TMP/majlis-$name.log")"
        curl -fs -o /dev/null "http://127.0.0.1:$port/readyz" && {
            PORTS+=("$port")
            return
        }
        sleep 0.1
    done
    die "majlis $name not ready after 30 s"
}

if [[ ${BENCH_OUTBOX:-0} == 1 ]]; then
    # The receivers run beside majlis; it may reach them on 127.0.0.1.
    SINK_PORT=$(free_port)
    "$ROOT/target/release/examples/webhook_sink" "$SINK_PORT" >"$TMP/sink.count" 2>"$TMP/sink.log" &
    SINK_PID=$!
    BG_PIDS+=("$!")
    SMTP_PORT=$(free_port)
    python3 "$LOAD/smtp_sink.py" "$SMTP_PORT" >"$TMP/smtp.count" 2>"$TMP/smtp.log" &
    BG_PIDS+=("$!")
    export MAJLIS_WEBHOOK_ALLOW_PRIVATE=on MAJLIS_SMTP_URL="smtp://127.0.0.1:$SMTP_PORT" \
        MAJLIS_MAIL_FROM="Bench <bench@example.org>" MAJLIS_PUBLIC_URL="http://127.0.0.1"
    sleep 0.5
fi

ADMIN_EMAIL=bench-admin@example.org
ADMIN_PASSWORD="bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
MAJLIS_PASSWORD="$ADMIN_PASSWORD" "$MAJLIS" moderator create --email "$ADMIN_EMAIL" --role admin \
    >"$TMP/admin.log" 2>&1 || die "creating the admin failed: $(tail -n 3 "$TMP/admin.log")"

start_majlis one
P1=${PORTS[0]}
LOGIN=$(curl -fs -X POST "http://127.0.0.1:$P1/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}") || die "the admin's login failed"
TOKEN=$(sed -n 's/.*"token":"\([^"]*\)".*/\1/p' <<<"$LOGIN")
[[ -n $TOKEN ]] || die "no token in the login answer"
SETTINGS='{"approval_mode":"none","flood_max_comments":10000}'
if [[ ${BENCH_OUTBOX:-0} == 1 ]]; then
    curl -fs -o /dev/null -X POST "http://127.0.0.1:$P1/api/v1/admin/webhooks" -H 'Content-Type: application/json' \
        -H "Authorization: Bearer $TOKEN" \
        -d "{\"url\":\"http://127.0.0.1:$SINK_PORT/hook\",\"events\":[\"comment.created\"]}" ||
        die "creating the webhook failed"
    curl -fs -o /dev/null -X PUT "http://127.0.0.1:$P1/api/v1/moderation/notifications" -H 'Content-Type: application/json' \
        -H "Authorization: Bearer $TOKEN" -d '{"notify":"digest","digest_minutes":5}' ||
        die "subscribing the admin to the digest failed"
    say "outbox: a comment.created webhook to port $SINK_PORT, a mail digest through port $SMTP_PORT"
fi
curl -fs -o /dev/null -X PATCH "http://127.0.0.1:$P1/api/v1/admin/settings" -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $TOKEN" -d "$SETTINGS" || die "PATCH /api/v1/admin/settings failed"
EFFECTIVE=$(curl -fs "http://127.0.0.1:$P1/api/v1/admin/settings" -H "Authorization: Bearer $TOKEN" |
    grep -o '"\(approval_mode\|flood_interval_seconds\|flood_max_comments\)":[^,}]*' | tr '\n' ' ')
say "settings: $EFFECTIVE"
# Every instance rechecks settings within a second.
sleep 1.2

# ---------------------------------------------------------------- measuring

CLK_TCK=$(getconf CLK_TCK)

# cpu_ticks PID...: user + system ticks of these processes
cpu_ticks() {
    local total=0 p f
    for p in "$@"; do
        f=$(cat "/proc/$p/stat" 2>/dev/null) || continue
        f=${f##*) }
        # fields after "(comm) ": state is $1, utime $12, stime $13
        total=$((total + $(awk '{print $12 + $13}' <<<"$f")))
    done
    echo "$total"
}
# pg_ticks: the same for the whole cluster: its backends (children of the
# postmaster) and the postmaster, with the time of the children it has
# reaped (cutime, cstime), so backends that exited are counted too.
pg_ticks() {
    local p ppid kids=() f
    for p in /proc/[0-9]*; do
        read -r _ _ _ ppid _ 2>/dev/null <"$p/stat" || continue
        [[ $ppid == "$POSTMASTER" ]] && kids+=("${p#/proc/}")
    done
    f=$(cat "/proc/$POSTMASTER/stat" 2>/dev/null) || die "the PostgreSQL postmaster is gone"
    f=${f##*) }
    echo $(($(cpu_ticks "${kids[@]}") + $(awk '{print $12 + $13 + $14 + $15}' <<<"$f")))
}

# Peak RSS of every majlis process, sampled from /proc every 0.2 s.
rss_sampler() {
    while :; do
        local p kb
        for p in $(cat "$TMP/majlis.pids"); do
            kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null) || continue
            [[ -n $kb ]] || continue
            if [[ ! -f $TMP/rss.$p ]] || ((kb > $(cat "$TMP/rss.$p"))); then echo "$kb" >"$TMP/rss.$p"; fi
        done
        sleep 0.2
    done
}
rss_sampler &
BG_PIDS+=("$!")
[[ -f $TMP/majlis.pids ]] || die "no majlis process recorded"
rss_mib() { awk '{printf "%.1f", $1 / 1024}' "$TMP/rss.$1" 2>/dev/null || echo "?"; }

ROWS=()
SINK_CPU=()
POINT=0
ANSWERED_201=0
declare -A CEILING_A CEILING_B

fmt_ms() { awk -v us="$1" 'BEGIN { printf (us < 10000 ? "%.2f" : "%.1f"), us / 1000 }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f%%", 100 * a / b; else printf "" }'; }

# pgbench_point NAME SCRIPT CLIENTS: TPS and latency percentiles from its per-transaction log
pgbench_point() {
    local name=$1 script=$2 c=$3 dir="$TMP/pgbench-$1-$3"
    mkdir -p "$dir"
    local t0 p0
    p0=$(pg_ticks)
    t0=$(date +%s.%N)
    (cd "$dir" && "$PGBENCH" -n -h "$SOCK" -U postgres -c "$c" -j 2 -T "$DURATION" -D articles="$ARTICLES" \
        -f "$script" -l --log-prefix=tx majlis >out.txt 2>err.txt) ||
        die "pgbench $name at $c failed: $(tail -n 3 "$dir/err.txt")"
    local secs cpu tps failed p50 p99
    secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
    cpu=$(awk -v t="$(($(pg_ticks) - p0))" -v s="$secs" -v k="$CLK_TCK" 'BEGIN { printf "%.2f", t / k / s }')
    tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time).*/\1/p' "$dir/out.txt")
    [[ -n $tps ]] || tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$dir/out.txt" | tail -n 1)
    [[ -n $tps ]] || die "no tps in pgbench's output ($dir/out.txt)"
    failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$dir/out.txt")
    read -r p50 p99 < <(cat "$dir"/tx.* | awk '{print $3}' | sort -n |
        awk '{ v[NR] = $1 } END { if (NR == 0) { print "0 0"; exit } i50 = int(NR * 0.50); i99 = int(NR * 0.99); if (i50 < 1) i50 = 1; if (i99 < 1) i99 = 1; print v[i50], v[i99] }')
    tps=$(printf '%.0f' "$tps")
    LAST_TPS=$tps
    ROWS+=("| $name | $c | $tps | $(fmt_ms "$p50") | $(fmt_ms "$p99") | ${failed:-0} | | | | $cpu | |")
    say "  $name c=$c: $tps tps, p50 $(fmt_ms "$p50") ms, p99 $(fmt_ms "$p99") ms, postgres CPU $cpu"
}

run_ceilings() {
    psql_db -d majlis -c "drop table if exists bench_plain;
        create table bench_plain (like comments including defaults including identity)" ||
        die "creating bench_plain failed"
    local c
    for c in $CONNS; do
        pgbench_point "pgbench (a) plain table, 1 row" "$LOAD/ceiling_plain.sql" "$c"
        CEILING_A[$c]=$LAST_TPS
    done
    for c in $CONNS; do
        pgbench_point "pgbench (b) comments + audit row" "$LOAD/ceiling_own.sql" "$c"
        CEILING_B[$c]=$LAST_TPS
    done
}

# result_field FILE KEY: a number from a RESULT line
result_field() { sed -n "s/^RESULT .*\"$2\":\([0-9]*\).*/\1/p" "$1" | head -n 1; }
# statuses FILE: "2xx other" counts from a RESULT line
statuses() {
    sed -n 's/^RESULT .*"status":{\([^}]*\)}.*/\1/p' "$1" | tr ',' '\n' | tr -d '"' |
        awk -F: '$1 != "" { if ($1 >= 200 && $1 < 300) ok += $2; else bad += $2; if ($1 >= 300 || $1 < 200) codes = codes " " $1 "x" $2 }
                 END { printf "%d %d %s\n", ok, bad, (codes == "" ? "-" : substr(codes, 2)) }'
}

# http_point NAME SCRIPT CONNS PORT... [--probe]: one wrk per port (the
# connections split evenly), optionally a listing probe on the first port.
# With BENCH_OUTBOX=1: waits (up to 3 minutes) until the webhook worker has
# read every comment event of the audit log so far and sent every delivery,
# so that a point never pays for the backlog of the one before (the
# ceilings' pgbench rows are events too).
UNREAD_EVENTS="select count(*) from webhook_log_cursor k join audit_events a
    on a.xact is not null and a.comment_id is not null and (a.xact, a.id) > (k.xact, k.event_id)"
outbox_drain() {
    local n
    for _ in $(seq 1 360); do
        n=$(psql_db -d majlis -At -c "select ($UNREAD_EVENTS)
            + (select count(*) from webhook_deliveries where status = 'pending')")
        [[ $n == 0 ]] && return 0
        sleep 0.5
    done
    say "  (outbox: $n events unread or deliveries pending after 3 minutes)"
}

http_point() {
    local name=$1 script=$2 c=$3
    shift 3
    [[ ${BENCH_OUTBOX:-0} == 1 ]] && outbox_drain
    local probe=0 ports=() a b s
    for a in "$@"; do
        if [[ $a == --probe ]]; then probe=1; else ports+=("$a"); fi
    done
    local per=$((c / ${#ports[@]}))
    ((per >= 1)) || per=1
    [[ $PROFILE == 1 && ${#ports[@]} -eq 1 ]] && profile_begin "$name" "$c"
    rm -f "$TMP"/rss.*
    local m0=() p0 t0 i pids=() p
    for p in "${MAJLIS_PIDS[@]}"; do m0+=("$(cpu_ticks "$p")"); done
    p0=$(pg_ticks)
    local k0=0 k1
    [[ -n ${SINK_PID:-} ]] && k0=$(cpu_ticks "$SINK_PID")
    t0=$(date +%s.%N)
    POINT=$((POINT + 1))
    # goes into emails and names: letters and digits only
    export BENCH_RUN="p${POINT}r$RANDOM" BENCH_ARTICLES="$ARTICLES" BENCH_TOKEN="$TOKEN" BENCH_HOT
    local perf_pid=
    # (a profiled point has its own perf: bench/load/profile.sh)
    if [[ ${BENCH_PERF:-0} == 1 && $name == "POST /api/v1/comments" && $c == "${CONNS##* }" && -z ${PROFILE_LABEL:-} ]]; then
        perf record -e cpu-clock -F 499 -o "$TMP/perf.data" -p "${MAJLIS_PIDS[0]}" -- sleep "$DURATION" >/dev/null 2>&1 &
        perf_pid=$!
    fi
    for i in "${!ports[@]}"; do
        BENCH_RUN="${BENCH_RUN}i$i" BENCH_HOT=$([[ $script == */list.lua ]] && echo 20 || echo "$HOT") \
            wrk -t "$((per < 2 ? 1 : 2))" -c "$per" -d "${DURATION}s" -s "$script" "http://127.0.0.1:${ports[$i]}" \
            >"$TMP/wrk.$i" 2>&1 &
        pids+=("$!")
    done
    if [[ $probe -eq 1 ]]; then
        BENCH_HOT=$HOT wrk -t 1 -c 2 -d "${DURATION}s" -s "$LOAD/probe.lua" "http://127.0.0.1:${ports[0]}" >"$TMP/wrk.probe" 2>&1 &
        pids+=("$!")
    fi
    BG_PIDS+=("${pids[@]}")
    for i in "${pids[@]}"; do wait "$i" || die "wrk failed for $name at $c: $(tail -n 3 "$TMP"/wrk.* | head -n 20)"; done
    [[ -n $perf_pid ]] && { wait "$perf_pid" || true; }
    [[ -n ${PROFILE_LABEL:-} ]] && profile_stop
    for i in "${!MAJLIS_PIDS[@]}"; do
        kill -0 "${MAJLIS_PIDS[$i]}" 2>/dev/null || die "majlis instance $((i + 1)) exited during '$name' at $c connections"
    done
    kill -0 "$POSTMASTER" 2>/dev/null || die "PostgreSQL stopped during '$name' at $c connections"
    local secs mcpu=() pcpu
    secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
    for i in "${!MAJLIS_PIDS[@]}"; do
        mcpu+=("$(awk -v t="$(($(cpu_ticks "${MAJLIS_PIDS[$i]}") - m0[i]))" -v s="$secs" -v k="$CLK_TCK" 'BEGIN { printf "%.2f", t / k / s }')")
    done
    pcpu=$(awk -v t="$(($(pg_ticks) - p0))" -v s="$secs" -v k="$CLK_TCK" 'BEGIN { printf "%.2f", t / k / s }')
    local sink_note=""
    if [[ -n ${SINK_PID:-} ]]; then
        k1=$(awk -v t="$(($(cpu_ticks "$SINK_PID") - k0))" -v s="$secs" -v k="$CLK_TCK" 'BEGIN { printf "%.2f", t / k / s }')
        sink_note=", webhook receiver CPU $k1"
        SINK_CPU+=("$name c=$c: $k1")
    fi

    local req=0 rps=0 p50s=() p99s=() ok=0 bad=0 codes=() errs=0 f
    for i in "${!ports[@]}"; do
        f="$TMP/wrk.$i"
        grep -q '^RESULT ' "$f" || die "no RESULT from wrk for $name at $c: $(tail -n 5 "$f")"
        local r d s e
        r=$(result_field "$f" requests)
        d=$(result_field "$f" duration_us)
        req=$((req + r))
        rps=$(awk -v a="$rps" -v r="$r" -v d="$d" 'BEGIN { print a + r / (d / 1e6) }')
        p50s+=("$(fmt_ms "$(result_field "$f" p50_us)")")
        p99s+=("$(fmt_ms "$(result_field "$f" p99_us)")")
        for e in connect read write timeout; do errs=$((errs + $(result_field "$f" "$e"))); done
        read -r a b s <<<"$(statuses "$f")"
        ok=$((ok + a))
        bad=$((bad + b))
        [[ $s != - ]] && codes+=("$s")
    done
    local rss=() p
    for p in "${MAJLIS_PIDS[@]}"; do rss+=("$(rss_mib "$p")"); done
    local ratio_b="" ratio_a="" extra=""
    if [[ $name == *"POST /api/v1/comments" && -n ${CEILING_B[$c]:-} ]]; then
        ratio_b=$(pct "$rps" "${CEILING_B[$c]}")
        ratio_a=$(pct "$rps" "${CEILING_A[$c]}")
    fi
    local created
    created=$(sed -n 's/^RESULT .*"status":{.*"201":\([0-9]*\).*/\1/p' "$TMP"/wrk.[0-9] | awk '{ s += $1 } END { print s + 0 }')
    ANSWERED_201=$((ANSWERED_201 + created))
    [[ -n ${PROFILE_LABEL:-} ]] && profile_end "$req" "$created" "${p50s[*]}" "${p99s[*]}"
    if [[ $name == *mixed* ]]; then
        extra=" ($created answered 201, $(awk -v n="$created" -v s="$DURATION" 'BEGIN { printf "%.0f", n / s }')/s)"
    fi
    local rps_int
    rps_int=$(printf '%.0f' "$rps")
    local IFS_old=$IFS
    IFS=/
    local p50j="${p50s[*]}" p99j="${p99s[*]}" rssj="${rss[*]}" mcpuj="${mcpu[*]}"
    IFS=$IFS_old
    ROWS+=("| $name$extra | $c | $rps_int | $p50j | $p99j | $errs / $bad${codes[*]:+ (${codes[*]})} | $ratio_b | $ratio_a | $mcpuj | $pcpu | $rssj |")
    say "  $name c=$c: $rps_int req/s, p50 $p50j ms, p99 $p99j ms, socket errors $errs, non-2xx $bad${codes[*]:+ (${codes[*]})}, majlis CPU $mcpuj, postgres CPU $pcpu$sink_note, peak RSS $rssj MiB"
    if [[ $probe -eq 1 ]]; then
        f="$TMP/wrk.probe"
        grep -q '^RESULT ' "$f" || die "no RESULT from the listing probe: $(tail -n 5 "$f")"
        local pr pd
        pr=$(result_field "$f" requests)
        pd=$(result_field "$f" duration_us)
        read -r a b s <<<"$(statuses "$f")"
        ROWS+=("| ↳ listing probe during it (2 conns, 10 ms pauses) | 2 | $(awk -v r="$pr" -v d="$pd" 'BEGIN { printf "%.0f", r / (d / 1e6) }') | $(fmt_ms "$(result_field "$f" p50_us)") | $(fmt_ms "$(result_field "$f" p99_us)") | 0 / $b | | | | | |")
        say "  probe: p50 $(fmt_ms "$(result_field "$f" p50_us)") ms, p99 $(fmt_ms "$(result_field "$f" p99_us)") ms"
    fi
    if [[ -n $perf_pid && -f $TMP/perf.data ]]; then
        perf report -i "$TMP/perf.data" --stdio --sort dso,symbol --percent-limit 1.5 2>/dev/null |
            grep -E '^ +[0-9.]+%' | sed -E 's/[ -]+$//; s/  +/  /g' | head -n 15 >"$TMP/perf-top.txt" || true
        say "  perf top frames (majlis, submissions):"
        sed 's/^/    /' "$TMP/perf-top.txt" >&2
    fi
    sleep 1
}

say "running: $WORKLOADS; connections: $CONNS; ${DURATION}s per point"
for w in $WORKLOADS; do
    case $w in
    ceilings) run_ceilings ;;
    submit) for c in $CONNS; do http_point "POST /api/v1/comments" "$LOAD/submit.lua" "$c" "$P1"; done ;;
    list) for c in $CONNS; do http_point "GET listing, 20 hot articles" "$LOAD/list.lua" "$c" "$P1"; done ;;
    counts) for c in $CONNS; do http_point "GET comment-counts, 10 ids" "$LOAD/counts.lua" "$c" "$P1"; done ;;
    queue) for c in $CONNS; do http_point "GET moderation queue (pending)" "$LOAD/queue.lua" "$c" "$P1"; done ;;
    mixed) for c in $CONNS; do http_point "mixed: 90% listing, 10% POST, $HOT hot articles" "$LOAD/mixed.lua" "$c" "$P1" --probe; done ;;
    two)
        ((${#PORTS[@]} >= 2)) || start_majlis two
        c=${CONNS##* }
        http_point "two instances: POST /api/v1/comments" "$LOAD/submit.lua" "$c" "${PORTS[0]}" "${PORTS[1]}"
        http_point "two instances: mixed, $HOT hot articles" "$LOAD/mixed.lua" "$c" "${PORTS[0]}" "${PORTS[1]}" --probe
        ;;
    *) die "unknown workload '$w' in BENCH_WORKLOADS" ;;
    esac
done

# Every 201 is a stored comment: the seeded rows plus the ceilings' plus
# those answered 201 should be what the table holds (reported, not asserted).
STORED=$(psql_db -d majlis -At -c "select count(*) from comments where author_email like 'bench-%@example.org'")
STATUS_MIX=$(psql_db -d majlis -At -c "select string_agg(status || ' ' || n, ', ' order by n desc)
    from (select status, count(*) as n from comments where author_email like 'bench-%@example.org' group by status) s")
WEBHOOK_NOTE=
if [[ ${BENCH_OUTBOX:-0} == 1 ]]; then
    # What the workers had delivered when the last point ended, and after
    # five more seconds to drain.
    DELIVERY_STATE="select concat_ws(', ', (select string_agg(status || ' ' || n, ', ' order by status)
        from (select status, count(*) as n from webhook_deliveries group by status) s),
        'events not yet read ' || ($UNREAD_EVENTS))"
    DELIVERIES=$(psql_db -d majlis -At -c "$DELIVERY_STATE")
    sleep 5
    DRAINED=$(psql_db -d majlis -At -c "$DELIVERY_STATE")
    MAILS=$(psql_db -d majlis -At -c "select string_agg(kind || ' ' || status || ' ' || n, ', ')
        from (select kind, status, count(*) as n from mail_outbox group by kind, status) s")
    WEBHOOK_NOTE=" Outbox (one active \`comment.created\` webhook and one digest subscriber, local receivers; before each point the worker had sent every queued delivery): webhook deliveries at the end ${DELIVERIES:-none}, five seconds later ${DRAINED:-none}; mails ${MAILS:-none}; the webhook receiver's own CPU (cores, not majlis's): $(IFS=';'; echo "${SINK_CPU[*]}")."
fi
# (without the terminal colours of the human log format)
SERVER_ERRORS=$(sed 's/\x1b\[[0-9;]*m//g' "$TMP"/majlis-*.log | grep -c 'ERROR' || true)
ERROR_CODES=$(sed 's/\x1b\[[0-9;]*m//g' "$TMP"/majlis-*.log | grep 'ERROR' | grep -o 'error\.code=[a-z_]*' | sort | uniq -c |
    awk '{ printf "%s%s x%s", (NR > 1 ? ", " : ""), $2, $1 }' || true)
if ((STORED < ANSWERED_201)); then
    say "WARNING: $ANSWERED_201 submissions were answered 201 but only $STORED are in the table"
    LOST_NOTE=" **Fewer stored than answered 201: a 201 without its comment.**"
fi
HWM=()
for p in "${MAJLIS_PIDS[@]}"; do HWM+=("$(awk '/^VmHWM:/ {printf "%.1f", $2 / 1024}' "/proc/$p/status" 2>/dev/null || echo '?')"); done

# ---------------------------------------------------------------- report

[[ $PROFILE == 1 ]] && profile_finish

COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$ROOT" diff --quiet HEAD -- src migrations Cargo.toml Cargo.lock 2>/dev/null || COMMIT="$COMMIT (with uncommitted changes)"
MEM=$(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
CPU_MODEL=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
# The fault tests' section (written by bench/faults/run.sh) stays after the table.
FAULTS_SECTION=$(sed -n '/^## Fault tests$/,$p' "$RESULTS" 2>/dev/null || true)
{
    echo "# Load benchmark results"
    echo
    echo "Written by \`bash bench/load/run.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $COMMIT."
    echo
    [[ -n $NOTE ]] && { echo "**$NOTE**"; echo; }
    echo "- Machine: $(nproc) CPUs ($CPU_MODEL), $MEM memory; load average at the end $LOADAVG."
    echo "- PostgreSQL $PG_VERSION, throwaway cluster on the same machine: $(tr '\n' ',' <<<"$PG_SETTINGS" | sed 's/,$//; s/,/, /g')."
    echo "- Seed (\`bench/load/seed.sql\`, ${SEED_SECS}s): $ARTICLES articles, $SEEDED; bodies 300-2,000 characters, Arabic, English and mixed, each comment with its audit row."
    echo "- majlis: release build, defaults (pool of ${MAJLIS_DB_MAX_CONNECTIONS:-20} connections) except MAJLIS_TRUSTED_PROXIES=127.0.0.1; settings $SETTINGS through PATCH /api/v1/admin/settings (flood limit raised to its maximum; each submission also has its own address, email and body, so flood and duplicate rules never refuse one)."
    echo "- wrk, ${DURATION}s per point, 2 threads; every request carries X-Forwarded-For with a random client address. Listing: first page of one of the 20 hottest articles; counts: 10 random articles; queue: pending, newest first, as a signed-in admin; mixed: 90% listings and 10% submissions over the $HOT hottest articles, with a listing probe (2 connections pausing 10 ms) beside it for the listings' own latency."
    echo "- Two instances: the same configuration, same database, wrk against each with half the connections; req/s is the sum; p50, p99, majlis CPU and peak RSS are per instance (first/second). Rows before the second instance started show one figure."
    echo "- Ceilings: pgbench, same cluster, same run: (a) \`bench/load/ceiling_plain.sql\`, one comment row into a plain table (no index, constraint or trigger); (b) \`bench/load/ceiling_own.sql\`, the comment row into majlis's \`comments\` table (all its indexes and triggers) and its audit row, one transaction."
    echo
    echo "| workload | conns | req/s (tps) | p50 ms | p99 ms | socket errors / non-2xx | vs (b) own table | vs (a) plain table | majlis CPU | postgres CPU | peak RSS MiB |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "CPU is in cores (user + system time over the wall time of the point; 2 cores is the whole machine). Peak RSS is sampled from /proc every 0.2 s during the point; the high-water mark of each process over the whole run (VmHWM): ${HWM[*]} MiB. Submissions answered 201: $ANSWERED_201; comments of the benchmark's submissions in the table at the end: $STORED (may be more, never fewer: wrk drops the requests in flight when a point ends), by status: ${STATUS_MIX:-none}.${LOST_NOTE:-}${WEBHOOK_NOTE} ERROR lines in the majlis logs: $SERVER_ERRORS${ERROR_CODES:+ ($ERROR_CODES)}."
    if [[ -s $TMP/perf-top.txt ]]; then
        echo
        echo "perf, majlis during the submissions at ${CONNS##* } connections (self time, top frames):"
        echo
        echo '```'
        cat "$TMP/perf-top.txt"
        echo '```'
    fi
    if [[ -n $FAULTS_SECTION ]]; then
        echo
        echo "$FAULTS_SECTION"
    fi
} >"$RESULTS"
say "wrote $RESULTS"
