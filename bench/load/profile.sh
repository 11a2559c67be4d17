# shellcheck shell=bash
# The profile of the load benchmark (BENCH_PROFILE=1), sourced by
# bench/load/run.sh, whose variables and helpers it uses (ROOT, TMP, SOCK, PSQL,
# LOAD, DURATION, MAJLIS_PIDS, BG_PIDS, psql_db, say, die).
#
# For each profiled point (the submissions, and the mixed run, at every
# connection count) it records into $TMP/profile/<label>/:
#   statements.tsv  pg_stat_statements of the bench database over the point
#                   (reset right before it; utility statements and nested
#                   ones, from triggers and functions, included)
#   samples.tsv     pg_stat_activity of majlis's backends every 50 ms
#                   (state, wait event, an ungranted lock and what it is on)
#   relnames.tsv    the relations those locks were on
#   stats-*.tsv     pg_stat_database (bench database) and pg_stat_wal before
#                   and after
#   meta.env        the point: connections, requests, answers 201, latency,
#                   load average before and after
#   perf-*.data     with BENCH_PERF=1, submissions only: majlis with call
#                   graphs (DWARF), and the whole machine without
# and bench/load/profile_report.sh turns that into the summary written to
# BENCH_PROFILE_OUT. Everything is read after the run (perf's unwinding
# included), so nothing of it competes with a point for the two cores.

PROFILE_DIR="$TMP/profile"
PROFILE_LABEL=
PROFILE_PIDS=()
mkdir -p "$PROFILE_DIR"

# The cluster's extra configuration (appended to postgresql.conf).
profile_pg_conf() {
    cat <<'EOF'
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all
pg_stat_statements.track_utility = on
pg_stat_statements.track_planning = on
pg_stat_statements.max = 5000
track_io_timing = on
track_wal_io_timing = on
EOF
}

# Fails early when the extension is not installed with the server.
profile_check() {
    local lib
    lib=$("$PGBIN/pg_config" --pkglibdir 2>/dev/null || echo "$PGBIN/../lib")
    [[ -f $lib/pg_stat_statements.so ]] || apt_install pg_stat_statements postgresql-contrib
}

# The statements are read from the `postgres` database (the extension is
# created in both), so the profiler's own queries never count in the bench
# database.
profile_setup_db() {
    local db
    for db in majlis postgres; do
        psql_db -d "$db" -c "create extension if not exists pg_stat_statements" ||
            die "create extension pg_stat_statements failed in $db"
    done
}

prof_psql() { "$PSQL" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -U postgres -d postgres "$@"; }

profile_stats() {
    prof_psql -At -F $'\t' -c "select d.xact_commit, d.xact_rollback, d.blks_read, d.blks_hit,
            d.tup_inserted, d.tup_updated, d.deadlocks,
            w.wal_records, w.wal_fpi, w.wal_bytes, w.wal_write, w.wal_sync,
            w.wal_write_time, w.wal_sync_time, w.wal_buffers_full
        from pg_stat_database d, pg_stat_wal w where d.datname = 'majlis'"
}

# profile_wants NAME: whether a point of that name is profiled, and its label prefix
profile_wants() {
    case $1 in
    "POST /api/v1/comments") echo submit ;;
    mixed:*) echo mixed ;;
    *) return 1 ;;
    esac
}

# profile_begin NAME CONNS: right before the load starts
profile_begin() {
    local kind
    PROFILE_LABEL=
    kind=$(profile_wants "$1") || return 0
    PROFILE_LABEL="$kind-$2"
    local dir="$PROFILE_DIR/$PROFILE_LABEL"
    mkdir -p "$dir"
    # the backends' statistics of the previous point are flushed within a second
    sleep 1
    {
        echo "name='$1'"
        echo "conns=$2"
        echo "duration=$DURATION"
        echo "load_before='$(cut -d' ' -f1-3 /proc/loadavg)'"
        echo "pool=${MAJLIS_DB_MAX_CONNECTIONS:-20}"
    } >"$dir/meta.env"
    profile_stats >"$dir/stats-before.tsv" || die "reading pg_stat_database failed"
    prof_psql -c "select pg_stat_statements_reset()" >/dev/null || die "pg_stat_statements_reset() failed"
    PROFILE_PIDS=()
    # (psql itself in the background, not a function's subshell: its pid is what gets stopped)
    "$PSQL" -X -q -h "$SOCK" -U postgres -d postgres -At -F $'\t' -f "$LOAD/profile_sample.sql" \
        >"$dir/samples.tsv" 2>"$dir/sampler.err" &
    PROFILE_PIDS+=("$!")
    if [[ ${BENCH_PERF:-0} == 1 && $kind == submit ]]; then
        perf record -e cpu-clock -F 499 --call-graph dwarf,16384 -o "$dir/perf-majlis.data" \
            -p "${MAJLIS_PIDS[0]}" -- sleep "$DURATION" >"$dir/perf-majlis.log" 2>&1 &
        PROFILE_PIDS+=("$!")
        perf record -a -e cpu-clock -F 499 -o "$dir/perf-all.data" -- sleep "$DURATION" \
            >"$dir/perf-all.log" 2>&1 &
        PROFILE_PIDS+=("$!")
    fi
    BG_PIDS+=("${PROFILE_PIDS[@]}")
}

# profile_stop: as soon as the load ended
profile_stop() {
    local p
    # the sampler first (it runs until stopped), then perf (it stops by itself)
    kill -TERM "${PROFILE_PIDS[0]}" 2>/dev/null || true
    for p in "${PROFILE_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    PROFILE_PIDS=()
}

# profile_end REQUESTS CREATED P50_MS P99_MS: the point's numbers, then the statistics
profile_end() {
    [[ -n $PROFILE_LABEL ]] || return 0
    local dir="$PROFILE_DIR/$PROFILE_LABEL"
    {
        echo "requests=$1"
        echo "created=$2"
        echo "p50_ms=$3"
        echo "p99_ms=$4"
        echo "load_after='$(cut -d' ' -f1-3 /proc/loadavg)'"
    } >>"$dir/meta.env"
    prof_psql -At -F $'\t' -c "select s.toplevel, s.calls, s.total_exec_time, s.mean_exec_time, s.rows,
            s.shared_blks_hit, s.shared_blks_read, s.shared_blks_dirtied, s.shared_blks_written,
            s.wal_records, s.wal_fpi, s.wal_bytes, s.max_exec_time, s.plans, s.mean_plan_time,
            left(regexp_replace(s.query, '\s+', ' ', 'g'), 400)
        from pg_stat_statements s join pg_database d on d.oid = s.dbid
        where d.datname = 'majlis'
        order by s.total_exec_time desc" >"$dir/statements.tsv" ||
        die "reading pg_stat_statements failed"
    sleep 1.5
    profile_stats >"$dir/stats-after.tsv" || die "reading pg_stat_database failed"
    local oids
    oids=$(awk -F'\t' '$8 ~ /^[0-9]+$/ { print $8 }' "$dir/samples.tsv" | sort -u | paste -sd, -)
    if [[ -n $oids ]]; then
        psql_db -d majlis -At -F $'\t' -c "select oid, relname from pg_class where oid in ($oids)" \
            >"$dir/relnames.tsv" || true
    fi
    PROFILE_LABEL=
}

# The inferno tools for the flame graphs: on the PATH, else in
# BENCH_INFERNO_ROOT (installed there with cargo once, outside the
# repository, and reused by later runs).
profile_inferno() {
    command -v inferno-collapse-perf >/dev/null && return 0
    local dir=${BENCH_INFERNO_ROOT:-${TMPDIR:-/tmp}/majlis-bench-inferno}
    if [[ ! -x $dir/bin/inferno-collapse-perf ]]; then
        say "installing inferno (cargo install --locked) into $dir for the flame graphs"
        cargo install inferno --locked --root "$dir" >"$TMP/inferno-install.log" 2>&1 ||
            { say "installing inferno failed: no flame graphs"; return 1; }
    fi
    PATH="$dir/bin:$PATH"
}

# After the run: the summary, and the perf frames for the results table.
profile_finish() {
    local last="$PROFILE_DIR/submit-${CONNS##* }" commit
    # shellcheck disable=SC2153 # ROOT is run.sh's
    commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
    git -C "$ROOT" diff --quiet HEAD -- src migrations Cargo.toml Cargo.lock 2>/dev/null || commit="$commit (with uncommitted changes)"
    {
        echo "commit=$commit"
        echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
    } >"$PROFILE_DIR/run.env"
    if [[ -f $last/perf-majlis.data ]]; then
        perf report -i "$last/perf-majlis.data" --no-children --stdio --sort dso,symbol --percent-limit 1.5 -g none 2>/dev/null |
            grep -E '^ +[0-9.]+%' | sed -E 's/[ -]+$//; s/  +/  /g' | head -n 15 >"$TMP/perf-top.txt" || true
    fi
    bash "$LOAD/profile_report.sh" "$PROFILE_DIR" "$PROFILE_OUT" ||
        say "the profile summary failed (raw data in $PROFILE_DIR with BENCH_KEEP=1)"
}
