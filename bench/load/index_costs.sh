#!/usr/bin/env bash
# What each secondary index of `comments` costs a submission's write, and
# which queries it serves: one command, from the repository root,
#
#     bash bench/load/index_costs.sh
#
# Starts a throwaway PostgreSQL cluster with the load benchmark's settings
# (fsync and synchronous_commit on; bench/load/run.sh), migrates a database
# with psql (migrations/*.sql in order, each in one transaction), seeds it
# with bench/load/seed.sql, then measures two things.
#
# Writes. For each variant of the schema: every index (at the start and
# again at the end of each round, to see the drift of a shared machine),
# each secondary index of `comments` dropped in turn, none of them, and
# each SQL file of BENCH_VARIANT_FILES applied (a candidate migration). A
# variant runs on a fresh copy of the seeded database (CREATE DATABASE ...
# TEMPLATE, file copy), so every variant starts from the same rows and
# pages, and an index dropped in one copy is there again in the next. After
# a warm-up, pgbench runs bench/load/ceiling_own.sql (the load benchmark's
# ceiling (b): a comment row into `comments`, every index and trigger, and
# its audit row, one transaction) at each connection count, each point
# starting with a CHECKPOINT (so every point pays the same full-page
# images). WAL per transaction is the LSN's advance over the point plus the
# flush of the GIN pending lists right after it (gin_clean_pending_list:
# the work a GIN index defers is its cost too), split by pg_waldump into
# page images and the rest; postgres CPU is its processes' time from /proc.
#
# Reads. Every query shape of src/db/ that reads `comments`
# (bench/load/index_queries.sql) under EXPLAIN ANALYZE on the seeded
# database, with every index, then with each dropped and each variant file
# applied inside a transaction that is rolled back: which indexes each plan
# uses, and what the queries that used an index cost without it.
#
# Everything it started is stopped on exit, the cluster included. Knobs:
#
#   BENCH_COMMENTS   comments seeded (200000)       BENCH_ARTICLES  articles (comments / 50)
#   BENCH_DURATION   seconds per pgbench point (15) BENCH_CONNS     client counts ("8 32")
#   BENCH_WARMUP     seconds of pgbench on each copy before its points (5, not measured)
#   BENCH_ROUNDS     rounds over the variants (1); the table shows each figure's median
#   BENCH_WRITES=0   skip the write measurements     BENCH_QUERIES=0 skip the queries
#   BENCH_MIGRATE_UNTIL  apply migrations up to this version only (e.g. 20261203090000)
#   BENCH_VARIANT_FILES  SQL files (space separated), each one more variant
#   BENCH_ONLY       space-separated index names: drop only these (default: every one)
#   BENCH_OUT        also write the report to this file
#   BENCH_PG_SHARED_BUFFERS (256MB)   BENCH_KEEP=1 keep the temporary directory

set -euo pipefail

die() {
    echo "index costs: error: $*" >&2
    exit 1
}
say() { echo "index costs: $*" >&2; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LOAD="$ROOT/bench/load"
COMMENTS=${BENCH_COMMENTS:-200000}
ARTICLES=${BENCH_ARTICLES:-$((COMMENTS / 50 < 20 ? 20 : COMMENTS / 50))}
DURATION=${BENCH_DURATION:-15}
CONNS=${BENCH_CONNS:-"8 32"}
WARMUP=${BENCH_WARMUP:-5}
ROUNDS=${BENCH_ROUNDS:-1}
WRITES=${BENCH_WRITES:-1}
QUERIES=${BENCH_QUERIES:-1}
MIGRATE_UNTIL=${BENCH_MIGRATE_UNTIL:-}
SHARED_BUFFERS=${BENCH_PG_SHARED_BUFFERS:-256MB}
OUT=${BENCH_OUT:-}
[[ $COMMENTS =~ ^[0-9]+$ && $COMMENTS -ge 1000 ]] || die "BENCH_COMMENTS must be a whole number >= 1000"
[[ $ARTICLES =~ ^[0-9]+$ && $ARTICLES -ge 20 ]] || die "BENCH_ARTICLES must be a whole number >= 20"
[[ $DURATION =~ ^[0-9]+$ && $DURATION -ge 1 ]] || die "BENCH_DURATION must be a whole number of seconds"
[[ $WARMUP =~ ^[0-9]+$ ]] || die "BENCH_WARMUP must be a whole number of seconds"
[[ $ROUNDS =~ ^[0-9]+$ && $ROUNDS -ge 1 ]] || die "BENCH_ROUNDS must be a whole number >= 1"
VARIANT_FILES=()
for f in ${BENCH_VARIANT_FILES:-}; do
    [[ -f $f ]] || die "no variant file $f"
    VARIANT_FILES+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")")
done

# ---------------------------------------------------------------- tools

# apt_install, pg_tools, init_cluster, stop_cluster_at, as_pg
# shellcheck source=bench/lib.sh disable=SC1091
. "$ROOT/bench/lib.sh"

pg_tools pgbench
WALDUMP=$PGBIN/pg_waldump
[[ -x $WALDUMP ]] || die "pg_waldump not found"

# ---------------------------------------------------------------- cluster

TMP=$(mktemp -d "${TMPDIR:-/tmp}/majlis-indexes.XXXXXX")
chmod 755 "$TMP"
PGDATA="$TMP/pg"
SOCK="$TMP/sock"
CLUSTER_UP=0

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    [[ $CLUSTER_UP -eq 1 ]] && stop_cluster_at "$PGDATA"
    if [[ $rc -ne 0 && -f $TMP/postgres.log ]]; then
        say "FAILED (exit $rc); last lines of the PostgreSQL log:"
        tail -n 20 "$TMP/postgres.log" >&2
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

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
STARTED=$(date -u '+%Y-%m-%d %H:%M UTC')
say "initdb in $TMP"
init_cluster "$PGDATA" "$SOCK" "$TMP"
# The load benchmark's settings; no timed checkpoint during a point (each
# point starts with its own).
cat >>"$PGDATA/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$SOCK'
max_connections = 200
shared_buffers = $SHARED_BUFFERS
fsync = on
synchronous_commit = on
full_page_writes = on
max_wal_size = 4GB
checkpoint_timeout = 30min
log_error_verbosity = terse
log_min_error_statement = panic
EOF
as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$TMP/postgres.log" -w -t 60 start >/dev/null ||
    die "the cluster did not start: $(tail -n 5 "$TMP/postgres.log")"
CLUSTER_UP=1
POSTMASTER=$(head -n 1 "$PGDATA/postmaster.pid")

psql_db() { "$PSQL" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -U postgres "$@"; }
psql_db -d postgres -c "create database seeded" || die "create database failed"

PG_SETTINGS=$(psql_db -d seeded -At -F ' = ' -c "select name, current_setting(name) from pg_settings
    where name in ('fsync', 'synchronous_commit', 'full_page_writes', 'wal_sync_method', 'shared_buffers', 'wal_compression')
    order by name")
PG_VERSION=$(psql_db -d seeded -At -c "show server_version")
grep -q '^fsync = on$' <<<"$PG_SETTINGS" || die "fsync is not on"
grep -q '^synchronous_commit = on$' <<<"$PG_SETTINGS" || die "synchronous_commit is not on"

say "migrating${MIGRATE_UNTIL:+ up to $MIGRATE_UNTIL} (psql)"
APPLIED=
for f in "$ROOT"/migrations/*.sql; do
    v=$(basename "$f")
    v=${v%%_*}
    [[ -n $MIGRATE_UNTIL && $v > $MIGRATE_UNTIL ]] && continue
    psql_db -d seeded -1 -f "$f" >"$TMP/migrate.log" 2>&1 || die "migration $(basename "$f") failed: $(tail -n 3 "$TMP/migrate.log")"
    APPLIED=$v
done

say "seeding $COMMENTS comments over $ARTICLES articles (bench/load/seed.sql)"
SEED_START=$(date +%s)
psql_db -d seeded -v articles="$ARTICLES" -v comments="$COMMENTS" -f "$LOAD/seed.sql" >"$TMP/seed.log" 2>&1 ||
    die "seeding failed: $(tail -n 5 "$TMP/seed.log")"
SEED_SECS=$(($(date +%s) - SEED_START))

# EXPLAIN ANALYZE twice (the second, with a warm cache, is reported):
# execution time, the indexes of the plan, the rows returned.
psql_db -d seeded <<'EOF' || die "creating bench_explain failed"
create function bench_explain(q text, out ms numeric, out indexes text, out rows numeric)
language plpgsql as $$
declare
    p jsonb;
begin
    execute 'explain (analyze, format json) ' || q into p;
    execute 'explain (analyze, format json) ' || q into p;
    ms := round((p -> 0 ->> 'Execution Time')::numeric, 2);
    select coalesce(string_agg(distinct i #>> '{}', ' '), '-') into indexes
    from jsonb_path_query(p, 'strict $.**."Index Name"') as i;
    rows := (p -> 0 -> 'Plan' ->> 'Actual Rows')::numeric;
end;
$$;
EOF

# The secondary indexes of `comments`: name, size in bytes, access method.
mapfile -t INDEX_ROWS < <(psql_db -d seeded -At -F ' ' -c "select c.relname, pg_relation_size(c.oid), am.amname
    from pg_index i join pg_class c on c.oid = i.indexrelid join pg_am am on am.oid = c.relam
    where i.indrelid = 'comments'::regclass and not i.indisprimary order by c.relname")
INDEXES=()
declare -A INDEX_SIZE INDEX_AM
for r in "${INDEX_ROWS[@]}"; do
    read -r n s a <<<"$r"
    INDEX_SIZE[$n]=$s
    INDEX_AM[$n]=$a
    if [[ -z ${BENCH_ONLY:-} || " $BENCH_ONLY " == *" $n "* ]]; then INDEXES+=("$n"); fi
done
SEEDED=$(psql_db -d seeded -At -c "select format('%s comments (%s pending); comments %s, its indexes %s (%s secondary)',
    count(*), count(*) filter (where status = 'pending'), pg_size_pretty(pg_table_size('comments')),
    pg_size_pretty(pg_indexes_size('comments')), ${#INDEX_ROWS[@]}) from comments")
say "seeded in ${SEED_SECS}s: $SEEDED"

# ---------------------------------------------------------------- variants
# A variant is "all", "drop:<index>", "none" or "file:<path>".

VARIANTS=(all)
for n in "${INDEXES[@]}"; do VARIANTS+=("drop:$n"); done
[[ -z ${BENCH_ONLY:-} ]] && VARIANTS+=(none)
for f in "${VARIANT_FILES[@]}"; do VARIANTS+=("file:$f"); done

label() {
    case $1 in
    all) echo "every index" ;;
    none) echo "no secondary index" ;;
    drop:*) echo "without ${1#drop:}" ;;
    file:*) echo "with $(basename "${1#file:}")" ;;
    esac
}

# variant_sql VARIANT: the psql script that turns the seeded schema into it
variant_sql() {
    local n
    case $1 in
    all) ;;
    none) for n in "${!INDEX_SIZE[@]}"; do echo "drop index $n;"; done ;;
    drop:*) echo "drop index ${1#drop:};" ;;
    file:*) echo "\\i ${1#file:}" ;;
    esac
}

# ---------------------------------------------------------------- writes

CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() {
    local total=0 p f
    for p in "$@"; do
        f=$(cat "/proc/$p/stat" 2>/dev/null) || continue
        f=${f##*) }
        total=$((total + $(awk '{print $12 + $13}' <<<"$f")))
    done
    echo "$total"
}
# the cluster's processes, with the reaped children's time of the postmaster
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

lsn() { psql_db -d postgres -At -c "select pg_current_wal_lsn()"; }

# RAW: variant, clients, tps, transactions, p99 ms, WAL bytes, of which FPI bytes, CPU ticks
RAW="$TMP/writes.tsv"
: >"$RAW"

# flush_gin: moves the GIN pending lists of `comments` into their indexes
flush_gin() {
    psql_db -d v -At -c "select count(gin_clean_pending_list(i.indexrelid)) from pg_index i
        join pg_class c on c.oid = i.indexrelid join pg_am am on am.oid = c.relam
        where i.indrelid = 'comments'::regclass and am.amname = 'gin'" >/dev/null
}

# write_point VARIANT CLIENTS: starts with empty GIN pending lists and a
# checkpoint, ends with the pending lists flushed
write_point() {
    local v=$1 c=$2 dir="$TMP/pgbench"
    rm -rf "$dir" && mkdir -p "$dir"
    flush_gin
    psql_db -d v -c checkpoint
    local l0 l1 t0 t1
    l0=$(lsn)
    t0=$(pg_ticks)
    (cd "$dir" && "$PGBENCH" -n -h "$SOCK" -U postgres -c "$c" -j 2 -T "$DURATION" -D articles="$ARTICLES" \
        -f "$LOAD/ceiling_own.sql" -l --log-prefix=tx v >out.txt 2>err.txt) ||
        die "pgbench ($(label "$v"), $c clients) failed: $(tail -n 3 "$dir/err.txt")"
    flush_gin
    l1=$(lsn)
    t1=$(pg_ticks)
    local tps n p99 wal fpi
    tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time).*/\1/p' "$dir/out.txt")
    n=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$dir/out.txt")
    [[ -n $tps && -n $n && $n -gt 0 ]] || die "no tps in pgbench's output: $(cat "$dir/out.txt")"
    p99=$(cat "$dir"/tx.* | awk '{print $3}' | sort -n | awk '{ v[NR] = $1 } END { i = int(NR * 0.99); if (i < 1) i = 1; printf "%.1f", v[i] / 1000 }')
    wal=$(psql_db -d postgres -At -c "select pg_wal_lsn_diff('$l1', '$l0')::bigint")
    # the Total line of pg_waldump --stats: records, record bytes, FPI bytes, combined
    fpi=$(as_pg "$WALDUMP" -p "$PGDATA/pg_wal" -s "$l0" -e "$l1" --stats 2>/dev/null |
        awk '$1 == "Total" { for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) v[++k] = $i; print v[3] }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$v" "$c" "$tps" "$n" "$p99" "$wal" "${fpi:-0}" "$((t1 - t0))" >>"$RAW"
    say "  $(label "$v"), $c clients: $(printf '%.0f' "$tps") tps, p99 $p99 ms, $((wal / n)) WAL bytes/tx"
}

run_writes() {
    local round order=() v c
    for round in $(seq 1 "$ROUNDS"); do
        # every other round in reverse, so drift over the run evens out
        order=("${VARIANTS[@]}" all)
        if ((round % 2 == 0)); then
            local i rev=()
            for ((i = ${#order[@]} - 1; i >= 0; i--)); do rev+=("${order[$i]}"); done
            order=("${rev[@]}")
        fi
        for v in "${order[@]}"; do
            say "round $round/$ROUNDS: $(label "$v")"
            psql_db -d postgres -c "drop database if exists v with (force)" \
                -c "create database v template seeded strategy file_copy" || die "copying the seeded database failed"
            variant_sql "$v" | psql_db -d v -1 -f - >/dev/null || die "applying $(label "$v") failed"
            if ((WARMUP > 0)); then
                "$PGBENCH" -n -h "$SOCK" -U postgres -c 8 -j 2 -T "$WARMUP" -D articles="$ARTICLES" \
                    -f "$LOAD/ceiling_own.sql" v >/dev/null 2>"$TMP/warmup.err" ||
                    die "warm-up failed: $(tail -n 3 "$TMP/warmup.err")"
            fi
            for c in $CONNS; do write_point "$v" "$c"; done
        done
    done
    psql_db -d postgres -c "drop database if exists v with (force)"
}

# ---------------------------------------------------------------- reads

# QDIR/<n>.tsv: name|ms|indexes|rows per query, for variant n (0 = all)
QDIR="$TMP/queries"
mkdir -p "$QDIR"
run_queries() {
    local i v
    for i in "${!VARIANTS[@]}"; do
        v=${VARIANTS[$i]}
        say "queries: $(label "$v")"
        {
            echo '\set ON_ERROR_STOP on'
            echo 'begin;'
            variant_sql "$v"
            echo "\\i $LOAD/index_queries.sql"
            echo 'rollback;'
        } >"$TMP/queries.sql"
        psql_db -d seeded -f "$TMP/queries.sql" >"$QDIR/$i.tsv" 2>"$TMP/queries.err" ||
            die "the queries failed ($(label "$v")): $(tail -n 5 "$TMP/queries.err")"
    done
}

((QUERIES == 1)) && run_queries
((WRITES == 1)) && run_writes

# ---------------------------------------------------------------- report

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$ROOT" diff --quiet HEAD -- migrations bench/load 2>/dev/null || COMMIT="$COMMIT (with uncommitted changes)"

human() { awk -v b="$1" 'BEGIN { if (b >= 1048576) printf "%.1f MB", b / 1048576; else printf "%.0f kB", b / 1024 }'; }

# median VARIANT CLIENTS FIELD: fields of RAW (3 tps, 5 p99), per transaction
# (6 WAL, 7 of it page images, 8 CPU in ms), or 9: WAL records without page images
median() {
    awk -F'\t' -v v="$1" -v c="$2" -v f="$3" -v k="$CLK_TCK" '
        $1 == v && (c == "*" || $2 == c) {
            if (f < 6) x = $f
            else if (f == 8) x = 1000 * $f / k / $4
            else if (f == 9) x = ($6 - $7) / $4
            else x = $f / $4
            print x
        }' "$RAW" | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
vs() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print ""; else printf "%+.1f%%", 100 * (a - b) / b }'; }

report() {
    echo "Written by \`bash bench/load/index_costs.sh\` (started $STARTED), commit $COMMIT."
    echo
    echo "- Machine: $(nproc) CPUs ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo); load average before $LOAD_BEFORE, after $LOAD_AFTER (a shared machine: the tps columns move with what else runs, the WAL and CPU per transaction much less)."
    echo "- PostgreSQL $PG_VERSION, throwaway cluster: $(tr '\n' ',' <<<"$PG_SETTINGS" | sed 's/,$//; s/,/, /g'); migrations up to $APPLIED."
    echo "- Seed (\`bench/load/seed.sql\`, ${SEED_SECS}s): $ARTICLES articles, $SEEDED."
    if ((WRITES == 1)); then
        echo "- Writes: pgbench, \`bench/load/ceiling_own.sql\` (one comment row and its audit row per transaction), ${DURATION}s per point, clients $CONNS, $ROUNDS round(s), each variant on a fresh copy of the seeded database after a ${WARMUP}s warm-up, each point after a CHECKPOINT; figures are medians over the rounds (\"every index\" is measured at the start and the end of each round). WAL per transaction includes flushing the GIN pending lists after the point, split by pg_waldump --stats into records and full-page images (the images depend on how many pages a point touches for the first time since its checkpoint, so they vary with its length and rate; the records do not)."
        echo
        local c h="| variant | index size"
        for c in $CONNS; do h+=" | tps $c | vs every index"; done
        h+=" | p99 ms at ${CONNS##* } | WAL B/tx: records (vs every index) | page images | total | postgres CPU ms/tx |"
        echo "$h"
        echo "$h" | sed 's/[^|]*/---/g; s/^---//; s/---$//'
        local v size row t0 t
        for v in all "${VARIANTS[@]:1}"; do
            size=""
            [[ $v == drop:* ]] && size="$(human "${INDEX_SIZE[${v#drop:}]}") (${INDEX_AM[${v#drop:}]})"
            row="| $(label "$v") | $size"
            for c in $CONNS; do
                t=$(median "$v" "$c" 3)
                t0=$(median all "$c" 3)
                row+=" | $(printf '%.0f' "${t:-0}") | $([[ $v == all ]] || vs "$t" "$t0")"
            done
            local rec rec0
            rec=$(median "$v" '*' 9)
            rec0=$(median all '*' 9)
            row+=" | $(median "$v" "${CONNS##* }" 5) | $(printf '%.0f' "$rec")$([[ $v == all ]] || awk -v a="$rec" -v b="$rec0" 'BEGIN { printf " (%+.0f)", a - b }')"
            row+=" | $(printf '%.0f' "$(median "$v" '*' 7)") | $(printf '%.0f' "$(median "$v" '*' 6)") | $(printf '%.2f' "$(median "$v" '*' 8)") |"
            echo "$row"
        done
        echo
    fi
    if ((QUERIES == 1)); then
        echo "Reads: every query shape of src/db/ that reads \`comments\` (\`bench/load/index_queries.sql\`), EXPLAIN ANALYZE with parameters from the seeded rows (the second of two runs), on the seeded database with every index:"
        echo
        echo "| query | ms | indexes of the plan | rows |"
        echo "|---|---|---|---|"
        awk -F'|' '{ printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }' "$QDIR/0.tsv"
        echo
        echo "What each variant changes for the queries (ms with every index -> with the variant; the indexes its plan uses then). A dropped index: the queries whose plan used it; another variant: the queries whose plan uses other indexes or whose time more than halved or doubled (and moved by more than 1 ms):"
        echo
        echo "| variant | queries that used the index, or whose plan changed |"
        echo "|---|---|"
        local i v name
        for i in "${!VARIANTS[@]}"; do
            ((i == 0)) && continue
            v=${VARIANTS[$i]}
            name=${v#drop:}
            echo "| $(label "$v") | $(awk -F'|' -v idx="$name" -v drop="$([[ $v == drop:* ]] && echo 1 || echo 0)" '
                NR == FNR { ms[$1] = $2; ix[$1] = $3; next }
                {
                    used = drop ? (" " ix[$1] " " ~ (" " idx " ")) : (ix[$1] != $3 || $2 > 2 * ms[$1] + 1 || ms[$1] > 2 * $2 + 1)
                    if (used) out = out (out == "" ? "" : "; ") $1 ": " ms[$1] " -> " $2 " ms (" $3 ")"
                }
                END { print (out == "" ? "none" : out) }' "$QDIR/0.tsv" "$QDIR/$i.tsv") |"
        done
    fi
}

REPORT=$(report)
echo "$REPORT"
[[ -n $OUT ]] && echo "$REPORT" >"$OUT"
say "done (load average before $LOAD_BEFORE, after $LOAD_AFTER)"
