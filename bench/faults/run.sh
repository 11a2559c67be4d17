#!/usr/bin/env bash
# Fault tests of the submission path: one command, from the repository root,
#
#     bash bench/faults/run.sh
#
# Installs what is missing (the PostgreSQL server and curl, through apt-get),
# builds the release binary and the burst client (examples/fault_burst.rs),
# then runs each scenario on its own throwaway PostgreSQL cluster (fsync and
# synchronous_commit on; a copy of one freshly migrated cluster) with its own
# majlis (settings approval_mode=none and flood_max_comments=10000, set
# through PATCH /api/v1/admin/settings as an admin signed in with a real
# login, so no 429 hides a fault). In each, 8 clients post unique comments,
# every answer recorded (status, comment id, the body's unique marker), and
# 3 s in:
#
#   pg-stop      `pg_ctl stop -m immediate`; 3 s later `pg_ctl start` (crash
#                recovery); the burst goes on until 8 s after it returned
#   pg-kill      the same with SIGKILL to the postmaster
#   majlis-term  SIGTERM to majlis (clients open a connection per request);
#                the burst lasts 10 s (also, not run by default:
#                majlis-term-keepalive, with keep-alive connections as a
#                reverse proxy keeps them, and majlis-int, SIGINT as Ctrl-C)
#   majlis-kill  SIGKILL to majlis (10 s burst); then a new majlis on the
#                same database
#   soak         only with FAULTS_SOAK_SECS > 0: 90% listings and 10%
#                submissions over 5 articles, RSS at start and end
#
# and checks what a user would notice: answers are 201 or 503 with the API's
# JSON error (never a 500 or a broken connection from majlis itself), majlis
# stays up with RSS under 100 MiB (it runs with RUST_BACKTRACE=1, as many
# deployments do), it answers 201 again within 5 s of Postgres's return, in-flight
# requests finish on SIGTERM and the process exits within its grace period,
# and every comment answered 201 is in the database (by id and marker) with
# its audit row. Prints a PASS/FAIL table on stdout and writes it into
# bench/RESULTS.md under "## Fault tests" (after the load table). Exit status:
# 0 all PASS, 1 some check FAILed, 2 the run itself could not be made.
# Every process it started is stopped on exit, whatever happens.
#
# Knobs (environment):
#   FAULTS_SCENARIOS  which, in order ("pg-stop pg-kill majlis-term majlis-kill")
#   FAULTS_CLIENTS    concurrent clients (8)      FAULTS_BURST_SECS  majlis-* burst length (10)
#   FAULTS_AT_SECS    the fault, after (3)        FAULTS_DOWN_SECS   seconds before pg_ctl start (3)
#   FAULTS_SOAK_SECS  soak length, 0 = no soak (0); FAULTS_SOAK_CLIENTS (32)
#   FAULTS_BUILD      release, or debug to reuse the build `cargo test` made (CI)
#   FAULTS_DB_VIA     tcp (majlis reaches Postgres on 127.0.0.1) or socket (Unix socket)
#   FAULTS_RESULTS    file for the table (bench/RESULTS.md); empty: print only
#   FAULTS_KEEP=1     keep the temporary directory (logs, each request's answer)
# Other MAJLIS_* variables in the environment are passed on to majlis.

set -euo pipefail

die() {
    echo "faults: error: $*" >&2
    exit 2
}
say() { echo "faults: $*" >&2; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SCENARIOS=${FAULTS_SCENARIOS:-"pg-stop pg-kill majlis-term majlis-kill"}
CLIENTS=${FAULTS_CLIENTS:-8}
BURST=${FAULTS_BURST_SECS:-10}
AT=${FAULTS_AT_SECS:-3}
DOWN=${FAULTS_DOWN_SECS:-3}
SOAK=${FAULTS_SOAK_SECS:-0}
SOAK_CLIENTS=${FAULTS_SOAK_CLIENTS:-32}
BUILD=${FAULTS_BUILD:-release}
DB_VIA=${FAULTS_DB_VIA:-tcp}
RESULTS=${FAULTS_RESULTS-$ROOT/bench/RESULTS.md}
# Targets: majlis answers 201 again this long after Postgres is back; the
# graceful shutdown's limit is SHUTDOWN_GRACE_SECS in src/startup.rs.
RECOVERY_MS=5000
# The pg-* bursts go on this long after that, to see them keep answering 201.
TAIL_SECS=3
GRACE_SECS=$(sed -n 's/.*const SHUTDOWN_GRACE_SECS: u64 = \([0-9]*\);.*/\1/p' "$ROOT/src/startup.rs" | head -n 1)
[[ -n $GRACE_SECS ]] || die "no SHUTDOWN_GRACE_SECS in src/startup.rs"
for v in CLIENTS BURST AT DOWN SOAK SOAK_CLIENTS; do
    [[ ${!v} =~ ^[0-9]+$ ]] || die "FAULTS_$v must be a whole number"
done
((CLIENTS >= 1 && AT >= 1 && BURST > AT)) ||
    die "needs FAULTS_CLIENTS >= 1, FAULTS_AT_SECS >= 1 and FAULTS_BURST_SECS > FAULTS_AT_SECS"
[[ $BUILD == release || $BUILD == debug ]] || die "FAULTS_BUILD is release or debug"
[[ $DB_VIA == tcp || $DB_VIA == socket ]] || die "FAULTS_DB_VIA is tcp or socket"
[[ " $SCENARIOS " == *" soak "* ]] || { ((SOAK > 0)) && SCENARIOS="$SCENARIOS soak"; } || true
[[ " $SCENARIOS " == *" soak "* ]] && ((SOAK == 0)) && die "the soak needs FAULTS_SOAK_SECS > 0"

# ---------------------------------------------------------------- tools

# apt_install, pg_tools, init_cluster, stop_cluster_at, as_pg, free_port
# shellcheck source=bench/lib.sh disable=SC1091
. "$ROOT/bench/lib.sh"

pg_tools psql
command -v curl >/dev/null || apt_install curl curl

START_SECS=$SECONDS
if [[ $BUILD == release ]]; then
    say "building the release binary and the burst client"
    (cd "$ROOT" && cargo build --locked --release --bin majlis --example fault_burst) >&2 ||
        die "cargo build --release failed"
    OUT_DIR="$ROOT/target/release"
else
    say "building (or reusing) the debug binary and the burst client"
    (cd "$ROOT" && cargo build --locked --bin majlis --example fault_burst) >&2 || die "cargo build failed"
    OUT_DIR="$ROOT/target/debug"
fi
MAJLIS="$OUT_DIR/majlis"
CLIENT="$OUT_DIR/examples/fault_burst"
[[ -x $MAJLIS && -x $CLIENT ]] || die "no $MAJLIS or $CLIENT after the build"
BUILD_SECS=$((SECONDS - START_SECS))

# ---------------------------------------------------------------- cleanup

TMP=$(mktemp -d "${TMPDIR:-/tmp}/majlis-faults.XXXXXX")
chmod 755 "$TMP"
SOCK="$TMP/sock"
PGDATA=
MPID=
BG_PIDS=()

pg_ctl() { as_pg "$PGBIN/pg_ctl" "$@"; }

# stop_cluster: the current scenario's cluster, however it is
stop_cluster() {
    [[ -n $PGDATA && -d $PGDATA ]] || return 0
    pg_ctl -D "$PGDATA" status >/dev/null 2>&1 && stop_cluster_at "$PGDATA"
    return 0
}

# stop_majlis: SIGTERM, then SIGKILL after 10 s
stop_majlis() {
    [[ -n $MPID ]] || return 0
    kill -TERM "$MPID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$MPID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$MPID" 2>/dev/null || true
    wait "$MPID" 2>/dev/null || true
    MPID=
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    local p
    for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    stop_majlis
    stop_cluster
    [[ $rc -eq 1 ]] && say "FAULTS_KEEP=1 keeps every request's answer and the logs"
    if [[ $rc -ge 2 ]]; then
        say "the run failed (exit $rc); last lines of the logs:"
        for f in "$TMP"/majlis-*.log "$TMP"/postgres-*.log; do
            [[ -f $f ]] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }
        done
    fi
    if [[ ${FAULTS_KEEP:-0} == 1 ]]; then
        say "kept $TMP"
    else
        rm -rf "$TMP"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# now_ms: Unix time in milliseconds (the burst client records the same)
now_ms() {
    local t=${EPOCHREALTIME//[!0-9]/}
    echo $((t / 1000))
}
secs() { awk -v ms="$1" 'BEGIN { printf "%.2f", ms / 1000 }'; }

# ---------------------------------------------------------------- the template cluster

PGPORT=$(free_port)
say "initdb (a template every scenario copies)"
init_cluster "$TMP/template" "$SOCK" "$TMP"
cat >>"$TMP/template/postgresql.conf" <<EOF
listen_addresses = '$([[ $DB_VIA == tcp ]] && echo 127.0.0.1)'
port = $PGPORT
unix_socket_directories = '$SOCK'
max_connections = 100
shared_buffers = 128MB
fsync = on
synchronous_commit = on
full_page_writes = on
restart_after_crash = on
log_error_verbosity = terse
log_min_error_statement = panic
log_parameter_max_length = 0
log_parameter_max_length_on_error = 0
EOF

psql_db() { "$PSQL" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$PGPORT" -U postgres "$@"; }

# start_cluster NAME: starts the cluster in $PGDATA, logging to postgres-NAME.log
start_cluster() {
    local log="$TMP/postgres-$1.log"
    touch "$log"
    [[ $(id -u) -eq 0 ]] && chown postgres "$log"
    pg_ctl -D "$PGDATA" -l "$log" -w -t 60 start >/dev/null
}

PGDATA="$TMP/template"
start_cluster template || die "the cluster did not start: $(tail -n 5 "$TMP/postgres-template.log")"
psql_db -d postgres -c "create database majlis" || die "create database failed"
if [[ $DB_VIA == tcp ]]; then
    DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/majlis"
else
    DATABASE_URL="postgres://postgres@localhost:$PGPORT/majlis?host=$SOCK"
fi
export DATABASE_URL
PG_SETTINGS=$(psql_db -d majlis -At -F ' = ' -c "select name, current_setting(name) from pg_settings
    where name in ('fsync', 'synchronous_commit', 'full_page_writes', 'restart_after_crash') order by name")
PG_VERSION=$(psql_db -d majlis -At -c "show server_version")
grep -q '^fsync = on$' <<<"$PG_SETTINGS" || die "fsync is not on"
grep -q '^synchronous_commit = on$' <<<"$PG_SETTINGS" || die "synchronous_commit is not on"
say "PostgreSQL $PG_VERSION: $(tr '\n' ',' <<<"$PG_SETTINGS" | sed 's/,$//; s/,/, /g')"
"$MAJLIS" migrate >"$TMP/migrate.log" 2>&1 || die "majlis migrate failed: $(tail -n 3 "$TMP/migrate.log")"
ADMIN_EMAIL=faults-admin@example.org
ADMIN_PASSWORD="faults-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
MAJLIS_PASSWORD="$ADMIN_PASSWORD" "$MAJLIS" moderator create --email "$ADMIN_EMAIL" --role admin \
    >"$TMP/admin.log" 2>&1 || die "creating the admin failed: $(tail -n 3 "$TMP/admin.log")"
pg_ctl -D "$PGDATA" -m fast -w -t 30 stop >/dev/null || die "stopping the template cluster failed"
PGDATA=

# ---------------------------------------------------------------- one scenario

MPORT=
# majlis's log filter; the stop scenarios add the start of each request
LOG_FILTER=${RUST_LOG:-info,sqlx=warn}
MAJLIS_LOG=$LOG_FILTER
# start_majlis NAME: majlis on the current cluster; sets MPID and MPORT
start_majlis() {
    local name=$1
    MPORT=$(free_port)
    MAJLIS_ADDR="127.0.0.1:$MPORT" MAJLIS_TRUSTED_PROXIES="${MAJLIS_TRUSTED_PROXIES:-127.0.0.1}" \
        MAJLIS_LOG_FORMAT=human RUST_LOG="$MAJLIS_LOG" RUST_BACKTRACE=1 "$MAJLIS" serve >"$TMP/majlis-$name.log" 2>&1 &
    MPID=$!
    for _ in $(seq 1 300); do
        kill -0 "$MPID" 2>/dev/null || die "majlis ($name) exited at start: $(tail -n 5 "$TMP/majlis-$name.log")"
        curl -fs -o /dev/null "http://127.0.0.1:$MPORT/readyz" && return
        sleep 0.1
    done
    die "majlis ($name) not ready after 30 s"
}

SETTINGS='{"approval_mode":"none","flood_max_comments":10000}'

# post_one MARKER: one submission with curl; prints "STATUS ID"
post_one() {
    local out
    out=$(curl -s -m 30 -w '\n%{http_code}' -X POST "http://127.0.0.1:$MPORT/api/v1/comments" \
        -H 'Content-Type: application/json' -H 'X-Forwarded-For: 192.0.2.1' \
        -d "{\"article_id\":\"fault-1\",\"author_name\":\"Reader $1\",\"author_email\":\"fault-$1@example.org\",\"body\":\"A check that this instance stores comments: $1\"}") || true
    echo "$(tail -n 1 <<<"$out") $(head -n 1 <<<"$out" | sed -n 's/^{"id":\([0-9]*\).*/\1/p')"
}

# setup NAME: a fresh cluster (a copy of the template) and majlis on it,
# with the settings above; checks that a submission answers 201.
setup() {
    local name=$1
    PGDATA="$TMP/pg-$name"
    cp -a "$TMP/template" "$PGDATA"
    start_cluster "$name" || die "the cluster did not start: $(tail -n 5 "$TMP/postgres-$name.log")"
    start_majlis "$name"
    local login token
    login=$(curl -fs -X POST "http://127.0.0.1:$MPORT/api/v1/auth/login" -H 'Content-Type: application/json' \
        -d "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}") || die "the admin's login failed"
    token=$(sed -n 's/.*"token":"\([^"]*\)".*/\1/p' <<<"$login")
    [[ -n $token ]] || die "no token in the login answer"
    curl -fs -o /dev/null -X PATCH "http://127.0.0.1:$MPORT/api/v1/admin/settings" -H 'Content-Type: application/json' \
        -H "Authorization: Bearer $token" -d "$SETTINGS" || die "PATCH /api/v1/admin/settings failed"
    # Every instance rechecks settings within a second.
    sleep 1.2
    local got
    got=$(post_one "fzwarm${name//[!a-z]/}")
    [[ $got == 201\ * ]] || die "a submission before the fault answered '$got', not 201"
}

teardown() {
    stop_majlis
    stop_cluster
    [[ ${FAULTS_KEEP:-0} == 1 ]] || rm -rf "$PGDATA"
    PGDATA=
}

# burst NAME [CLIENT-ARGS...]: starts the burst client in the background
CLIENT_PID=
burst() {
    local name=$1
    shift
    "$CLIENT" --url "http://127.0.0.1:$MPORT" --out "$TMP/$name.tsv" --run "$RUN" "$@" \
        >"$TMP/$name.summary" 2>"$TMP/$name.client.log" &
    CLIENT_PID=$!
    BG_PIDS+=("$CLIENT_PID")
}
burst_wait() {
    wait "$CLIENT_PID" || die "the burst client failed: $(tail -n 3 "$TMP/$1.client.log")"
}

ROWS=()
FAILS=0
# check SCENARIO CHECK OK(0|1) MEASURED
check() {
    local result=PASS
    if [[ $3 != 1 ]]; then
        result=FAIL
        FAILS=$((FAILS + 1))
    fi
    ROWS+=("| $1 | $2 | **$result** | $4 |")
    say "  $result  $2: $4"
}

# breakdown FILE [FIELD FROM TO]: answers counted by kind ("412 × 201,
# 9 × 503 db_unavailable, 2 × reset"), optionally only the requests whose
# FIELD (1 start_ms, 2 end_ms) lies in [FROM, TO]
breakdown() {
    awk -F'\t' -v col="${2:-2}" -v from="${3:-0}" -v to="${4:-1e18}" '
        NR > 1 && $col >= from && $col <= to {
            k = ($4 == "http" ? $5 ($8 != "-" ? " " $8 : "") : $4)
            if (!(k in n)) order[++kinds] = k
            n[k]++
        }
        END {
            if (kinds == 0) { print "none"; exit }
            for (i = 1; i <= kinds; i++) printf "%s%d × %s", (i > 1 ? ", " : ""), n[order[i]], order[i]
            print ""
        }' "$1"
}

# count FILE AWK-CONDITION [VAR=VALUE...]: requests matching the condition
count() {
    local f=$1 cond=$2
    shift 2
    local vars=() v
    for v in "$@"; do vars+=(-v "$v"); done
    awk -F'\t' "${vars[@]}" "NR > 1 && ($cond) { n++ } END { print n + 0 }" "$f"
}

# Columns: 1 start_ms, 2 end_ms, 3 method, 4 outcome, 5 status, 6 id,
# 7 marker, 8 code, 9 retry_after, 10 detail.
# shellcheck disable=SC2016 # awk conditions, not shell expansions
IS_201='$4 == "http" && $5 == 201'
# shellcheck disable=SC2016
IS_503='$4 == "http" && $5 == 503 && $8 == "db_unavailable"'

# check_stored SCENARIO FILE: every 201 of the file is a comment with that
# id and that marker in its body and email, with its audit row.
check_stored() {
    local s=$1 f=$2
    awk -F'\t' 'NR > 1 && $4 == "http" && $5 == 201 && $6 ~ /^[0-9]+$/ { print $6 "\t" $7 }' "$f" >"$f.201"
    local noid
    noid=$(count "$f" "$IS_201 && \$6 !~ /^[0-9]+\$/")
    local out answered found audited stored
    out=$(psql_db -d majlis -At -F ' ' <<SQL
create temp table answered (id bigint, marker text);
\copy answered from '$f.201'
select count(*), count(c.id),
       count(c.id) filter (where exists (select 1 from audit_events e where e.comment_id = c.id))
from answered a
left join comments c on c.id = a.id and strpos(c.body, a.marker) > 0
                    and c.author_email = 'fault-' || a.marker || '@example.org';
select count(*) from comments where author_email like 'fault-fz%@example.org';
SQL
) || die "querying the stored comments failed"
    read -r answered found audited <<<"$(head -n 1 <<<"$out")"
    stored=$(tail -n 1 <<<"$out")
    local ok=0
    ((answered > 0 && found == answered && audited == answered && noid == 0)) && ok=1
    local extra=$((stored - found - 1))
    check "$s" "every comment answered 201 is stored, with its audit row" $ok \
        "$answered answered 201: $found found by id and marker, $audited with their audit row$( ((noid > 0)) && echo ", **$noid 201s without an id**"); $((extra < 0 ? 0 : extra)) more stored from requests cut off before their answer"
}

# no_panic SCENARIO LOG
no_panic() {
    local n
    n=$(grep -c 'panicked' "$2" || true)
    check "$1" "no panic in majlis's log" $((n == 0)) "$n panics"
}

# ---------------------------------------------------------------- scenarios

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
# hwm_kb PID: the process's peak RSS so far (VmHWM)
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
mib() { awk -v kb="$1" 'BEGIN { printf "%.1f", kb / 1024 }'; }

# A Postgres outage: stop (how: pg-stop or pg-kill), start after DOWN s.
pg_outage() {
    local s=$1 how=$2 f="$TMP/$1.tsv"
    setup "$s"
    # Runs until told to stop (SIGTERM), RECOVERY_MS + TAIL_SECS after
    # Postgres is back; 120 s at most.
    burst "$s" --clients "$CLIENTS" --seconds 120
    sleep "$AT"
    local t_fault t_gone t_start t_back attempts=0 pm rss0
    pm=$(head -n 1 "$PGDATA/postmaster.pid")
    rss0=$(rss_kb "$MPID")
    t_fault=$(now_ms)
    if [[ $how == stop ]]; then
        pg_ctl -D "$PGDATA" -m immediate -w -t 30 stop >/dev/null || die "pg_ctl stop -m immediate failed"
    else
        kill -KILL "$pm"
        # (a zombie until its parent reaps it: gone from the cluster's view
        # once the port no longer answers)
        for _ in $(seq 1 100); do
            [[ $(ps -o stat= -p "$pm" 2>/dev/null) == Z* ]] && break
            kill -0 "$pm" 2>/dev/null || break
            sleep 0.05
        done
    fi
    t_gone=$(now_ms)
    sleep "$DOWN"
    t_start=$(now_ms)
    # After SIGKILL, backends left without their postmaster exit on their
    # own; until they have, a new postmaster refuses to start.
    until ((attempts >= 40)); do
        attempts=$((attempts + 1))
        start_cluster "$s" 2>/dev/null && break
        sleep 0.25
    done
    pg_ctl -D "$PGDATA" status >/dev/null 2>&1 || die "Postgres did not start again: $(tail -n 5 "$TMP/postgres-$s.log")"
    t_back=$(now_ms)
    sleep "$(secs $((RECOVERY_MS + TAIL_SECS * 1000)))"
    kill -TERM "$CLIENT_PID" 2>/dev/null || true
    burst_wait "$s"
    local down_ms=$((t_back - t_fault))
    local timing
    timing="down $(secs $down_ms) s: stopped in $(secs $((t_gone - t_fault))) s, \`pg_ctl start\` returned $(secs $((t_back - t_start))) s after it was called ($attempts attempt(s))"
    say "  Postgres $timing; answers: $(breakdown "$f")"

    local alive=0
    kill -0 "$MPID" 2>/dev/null && alive=1
    check "$s" "majlis stays up" $alive "$([[ $alive == 1 ]] && echo "running after the burst" || echo "exited: $(grep -m 1 -i 'panicked\|error' "$TMP/majlis-$s.log" | cut -c 1-200)")"

    local bad
    bad=$(count "$f" "!($IS_201) && !($IS_503)")
    check "$s" "every answer is 201 or 503 db_unavailable (no 500, no broken connection)" $((bad == 0)) \
        "$(breakdown "$f")"

    local during503 during_other ra
    during503=$(count "$f" "$IS_503 && \$2 >= tf && \$2 <= tb" "tf=$t_fault" "tb=$t_back")
    during_other=$(count "$f" "!($IS_201) && !($IS_503) && \$2 >= tf && \$2 <= tb" "tf=$t_fault" "tb=$t_back")
    ra=$(count "$f" "$IS_503 && \$9 != \"-\"")
    check "$s" "while Postgres is down: 503 with the JSON error" $((during503 > 0 && during_other == 0)) \
        "Postgres $timing; answered meanwhile: $(breakdown "$f" 2 "$t_fault" "$t_back"); Retry-After on $ra of the 503s"
    local all503
    all503=$(count "$f" "$IS_503")
    check "$s" "every 503 tells clients when to retry (Retry-After)" $((ra == all503)) \
        "Retry-After on $ra of $all503"

    local first
    first=$(awk -F'\t' -v tb="$t_back" 'NR > 1 && $4 == "http" && $5 == 201 && $2 >= tb && (m == "" || $2 < m) { m = $2 } END { print m }' "$f")
    if [[ -n $first ]]; then
        check "$s" "answers 201 within 5 s of Postgres's return" $((first - t_back <= RECOVERY_MS)) \
            "first 201 $(secs $((first - t_back))) s after pg_ctl start returned"
    else
        check "$s" "answers 201 within 5 s of Postgres's return" 0 "no 201 after pg_ctl start returned"
    fi
    local late late_bad
    late=$(count "$f" "\$1 >= t" "t=$((t_back + RECOVERY_MS))")
    late_bad=$(count "$f" "!($IS_201) && \$1 >= t" "t=$((t_back + RECOVERY_MS))")
    check "$s" "after that, every submission answers 201" $((late > 0 && late_bad == 0)) \
        "requests started 5 s after the return: $(breakdown "$f" 1 "$((t_back + RECOVERY_MS))")"

    local rss1 hwm
    rss1=$(rss_kb "$MPID")
    hwm=$(hwm_kb "$MPID")
    check "$s" "RSS stays under 100 MiB" $((hwm > 0 && hwm < 100 * 1024)) \
        "RSS before the fault $(mib "$rss0") MiB, after the burst $(mib "$rss1") MiB, peak $(mib "$hwm") MiB (VmHWM)"

    check_stored "$s" "$f"
    no_panic "$s" "$TMP/majlis-$s.log"
    teardown
}

# majlis_stop SCENARIO SIGNAL [CLIENT-ARGS...]: a graceful stop mid-burst
majlis_stop() {
    local s=$1 sig=$2 f="$TMP/$1.tsv"
    shift 2
    MAJLIS_LOG="$LOG_FILTER,majlis::telemetry=debug"
    setup "$s"
    MAJLIS_LOG=$LOG_FILTER
    burst "$s" --clients "$CLIENTS" --seconds "$BURST" "$@"
    sleep "$AT"
    local t_fault t_exit rc=0 pid=$MPID
    t_fault=$(now_ms)
    kill "-$sig" "$pid"
    for _ in $(seq 1 $(((GRACE_SECS + 10) * 20))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    t_exit=$(now_ms)
    if kill -0 "$pid" 2>/dev/null; then
        rc=timeout
        kill -KILL "$pid" 2>/dev/null || true
    fi
    local st=0
    wait "$pid" 2>/dev/null || st=$?
    [[ $rc == timeout ]] || rc=$st
    MPID=
    burst_wait "$s"
    say "  answers: $(breakdown "$f")"

    local took=$((t_exit - t_fault))
    check "$s" "exits within the grace period (${GRACE_SECS} s, SHUTDOWN_GRACE_SECS in src/startup.rs)" \
        "$([[ $rc == 0 ]] && ((took <= GRACE_SECS * 1000)) && echo 1 || echo 0)" \
        "exited $(secs $took) s after SIG$sig, exit status $rc"

    # A request sent just before the signal may still wait in its
    # connection, unread, when the drain starts: actix then closes that
    # connection without beginning it (the client can send it again). Only
    # a request majlis had begun (its log shows the start, the marker being
    # its request id) must finish.
    sed 's/\x1b\[[0-9;]*m//g' "$TMP/majlis-$s.log" | grep 'request started' |
        sed -n 's/.*request_id=\([^ }]*\).*/\1/p' | sort -u >"$TMP/$s.begun"
    local inflight unanswered began logged
    inflight=$(count "$f" "\$1 < tf && \$2 >= tf && \$4 == \"http\"" "tf=$t_fault")
    read -r unanswered began logged < <(awk -F'\t' -v tf="$t_fault" '
        FNR == NR { begun[$1] = 1; next }
        FNR > 1 && $4 == "http" && $5 == 201 && ($7 in begun) { logged++ }
        FNR > 1 && $1 < tf && ($4 == "reset" || $4 == "timeout") { n++; if ($7 in begun) b++ }
        END { print n + 0, b + 0, logged + 0 }' "$TMP/$s.begun" "$f")
    check "$s" "requests in flight at SIG$sig finish" $((began == 0 && logged > 0)) \
        "started before SIG$sig: $(breakdown "$f" 1 0 "$((t_fault - 1))"); $inflight answered after the signal; of $unanswered without an answer, $began had begun in majlis (its log: the start of $logged of the 201s), the others were closed unread"
    local bad
    bad=$(count "$f" "\$4 == \"http\" && \$5 != 201")
    check "$s" "no error answer" $((bad == 0)) \
        "$( ((bad > 0)) && echo "error answers: $(awk -F'\t' 'NR == 1 || ($4 == "http" && $5 != 201)' "$f" >"$f.bad" && breakdown "$f.bad"); ")started after SIG$sig: $(breakdown "$f" 1 "$t_fault") (refused: no longer listening)"
    check_stored "$s" "$f"
    no_panic "$s" "$TMP/majlis-$s.log"
    teardown
}

majlis_kill() {
    local s=majlis-kill f="$TMP/majlis-kill.tsv"
    setup "$s"
    burst "$s" --clients "$CLIENTS" --seconds "$BURST"
    sleep "$AT"
    local t_fault
    t_fault=$(now_ms)
    kill -KILL "$MPID"
    wait "$MPID" 2>/dev/null || true
    MPID=
    burst_wait "$s"
    say "  answers: $(breakdown "$f")"
    local bad
    bad=$(count "$f" "\$4 == \"http\" && \$5 != 201")
    check "$s" "no error answer before the kill" $((bad == 0)) \
        "before: $(breakdown "$f" 2 0 "$((t_fault - 1))"); after: $(breakdown "$f" 2 "$t_fault")"
    check_stored "$s" "$f"
    # A new instance on the same database (no lock or session left behind).
    local t0 got
    t0=$(now_ms)
    start_majlis "$s-again"
    got=$(post_one "fzagain")
    check "$s" "a new majlis on the same database stores a comment" "$([[ $got == 201\ * ]] && echo 1 || echo 0)" \
        "answered '${got% *}' $(secs $(($(now_ms) - t0))) s after starting it"
    teardown
}


soak() {
    local s=soak f="$TMP/soak.tsv"
    setup "$s"
    local rss0 peak=0 kb
    rss0=$(rss_kb "$MPID")
    burst "$s" --clients "$SOAK_CLIENTS" --seconds "$SOAK" --list-percent 90 --articles 5
    while kill -0 "$CLIENT_PID" 2>/dev/null; do
        kb=$(rss_kb "$MPID")
        ((kb > peak)) && peak=$kb
        sleep 1
    done
    burst_wait "$s"
    local rss1 hwm requests errors
    rss1=$(rss_kb "$MPID")
    hwm=$(hwm_kb "$MPID")
    ((hwm > peak)) && peak=$hwm
    requests=$(sed -n 's/^SUMMARY .*"requests":\([0-9]*\).*/\1/p' "$TMP/$s.summary")
    errors=$(count "$f" "\$4 != \"http\" || \$5 < 200 || \$5 >= 300")
    say "  $(cat "$TMP/$s.summary")"
    check "$s" "no error in ${SOAK} s of 90% listings, 10% submissions ($SOAK_CLIENTS clients)" $((errors == 0)) \
        "${requests:-?} requests, $errors errors$( ((errors > 0)) && echo ": $(breakdown "$f")")"
    check "$s" "RSS stays under 100 MiB" $((peak < 100 * 1024)) \
        "RSS at start $(mib "$rss0") MiB, at end $(mib "$rss1") MiB, peak $(mib "$peak") MiB (VmHWM, the process's high-water mark)"
    check_stored "$s" "$f"
    no_panic "$s" "$TMP/majlis-$s.log"
    teardown
}

RUN_START=$SECONDS
RUN=0
TIMES=()
for sc in $SCENARIOS; do
    RUN=$((RUN + 1))
    say "scenario $sc"
    sc_start=$SECONDS
    case $sc in
    pg-stop) pg_outage pg-stop stop ;;
    pg-kill) pg_outage pg-kill kill ;;
    majlis-term) majlis_stop majlis-term TERM --fresh-connections ;;
    majlis-term-keepalive) majlis_stop majlis-term-keepalive TERM ;;
    majlis-int) majlis_stop majlis-int INT --fresh-connections ;;
    majlis-kill) majlis_kill ;;
    soak) soak ;;
    *) die "unknown scenario '$sc' in FAULTS_SCENARIOS" ;;
    esac
    TIMES+=("$sc $((SECONDS - sc_start)) s")
done
RUN_SECS=$((SECONDS - RUN_START))
TIMES_TEXT=$(printf '%s, ' "${TIMES[@]}")
TIMES_TEXT=${TIMES_TEXT%, }

# ---------------------------------------------------------------- report

COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$ROOT" diff --quiet HEAD -- src migrations Cargo.toml Cargo.lock examples/fault_burst.rs 2>/dev/null ||
    COMMIT="$COMMIT (with uncommitted changes)"
TABLE=$(
    echo "| scenario | check | result | measured |"
    echo "|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}"
)
SECTION=$(
    echo "## Fault tests"
    echo
    echo "Written by \`bash bench/faults/run.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $COMMIT: $FAILS of ${#ROWS[@]} checks failed; the scenarios took ${RUN_SECS} s ($TIMES_TEXT), the $BUILD build before them ${BUILD_SECS} s."
    echo
    echo "- Machine: $(nproc) CPUs, $(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) memory. PostgreSQL $PG_VERSION, a fresh throwaway cluster per scenario ($(tr '\n' ',' <<<"$PG_SETTINGS" | sed 's/,$//; s/,/, /g')); majlis ($BUILD build, pool of ${MAJLIS_DB_MAX_CONNECTIONS:-20} connections, RUST_BACKTRACE=1) reaches it over $([[ $DB_VIA == tcp ]] && echo "TCP on 127.0.0.1" || echo "a Unix socket"); settings $SETTINGS."
    echo "- Each burst: $CLIENTS clients (\`examples/fault_burst.rs\`) post unique comments (300-2,000 characters, each with its own marker, email and client address) over keep-alive connections (one connection per request in majlis-term), pausing 50 ms after an error. The fault comes ${AT} s in. pg-*: \`pg_ctl start\` ${DOWN} s after Postgres is gone (it then recovers from the crash before it returns), and the burst goes on $((RECOVERY_MS / 1000 + TAIL_SECS)) s after that; majlis-*: ${BURST} s bursts. An answer \"in the outage\" arrived between the fault and \`pg_ctl start\` returning."
    if [[ " $SCENARIOS " == *" soak "* ]]; then
        echo "- Soak: ${SOAK} s, $SOAK_CLIENTS clients on keep-alive connections, each request a listing of one of 5 articles (90%) or a new comment to one of them (10%), as the load benchmark's mixed run; RSS of majlis from /proc."
    fi
    echo
    echo "$TABLE"
)
echo "$TABLE"
if [[ -n $RESULTS ]]; then
    if [[ -f $RESULTS ]] && grep -q '^## Fault tests$' "$RESULTS"; then
        # Replace the section (it runs to the end of the file).
        sed -i '/^## Fault tests$/,$d' "$RESULTS"
        sed -i -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$RESULTS"
    fi
    { [[ -s $RESULTS ]] && echo; echo "$SECTION"; } >>"$RESULTS"
    say "wrote the section \"Fault tests\" of $RESULTS"
fi
say "$FAILS of ${#ROWS[@]} checks failed; scenarios took ${RUN_SECS} s ($TIMES_TEXT), the whole run $((SECONDS - START_SECS)) s"
((FAILS == 0)) || exit 1
