# Shell functions shared by the benchmark and fault-test scripts
# (bench/load/run.sh, bench/load/index_costs.sh, bench/faults/run.sh,
# bench/dashboard/run.sh, bench/embed/run.sh, tests/browser/run.sh,
# .ci/schemathesis/run.sh). Sourced, not run; the script
# that sources it defines `die MESSAGE` (prints and exits) and `say MESSAGE`.
# shellcheck shell=bash

# apt_install COMMAND PACKAGE: installs PACKAGE (which provides COMMAND)
# with apt-get, as root or through sudo.
apt_install() {
    command -v apt-get >/dev/null || die "$1 is missing and there is no apt-get: install $2 yourself"
    say "installing $2 (apt-get)"
    local sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    "${sudo[@]}" apt-get install -y "$2" >/dev/null || {
        "${sudo[@]}" apt-get update >/dev/null && "${sudo[@]}" apt-get install -y "$2" >/dev/null
    } || die "apt-get install $2 failed"
}

# pg_bindir: the directory of initdb and pg_ctl (on the PATH, else the
# newest /usr/lib/postgresql/*/bin); prints nothing when there is none.
pg_bindir() {
    if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
        dirname "$(readlink -f "$(command -v pg_ctl)")"
        return
    fi
    local d
    d=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    [[ -n $d && -x $d/initdb ]] && echo "$d"
}

# as_pg COMMAND...: runs a PostgreSQL server command as the postgres
# account when we are root (the server refuses to run as root).
as_pg() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port: a TCP port on 127.0.0.1 nobody listens on, outside the
# kernel's ephemeral range: a port there may be the local end of one of the
# thousands of connections a burst opens (or one still in TIME_WAIT), and a
# server then fails to bind it ("Address already in use") although nobody
# listens on it.
free_port() {
    local p low=32768 high=60999 from=10000 span
    if [[ -r /proc/sys/net/ipv4/ip_local_port_range ]]; then
        read -r low high </proc/sys/net/ipv4/ip_local_port_range
    fi
    if ((low - from >= 2000)); then
        span=$((low - from))
    elif ((65535 - high >= 2000)); then
        from=$((high + 1))
        span=$((65535 - high))
    else
        from=20000
        span=30000
    fi
    for _ in $(seq 1 200); do
        p=$((from + RANDOM % span))
        port_free "$p" && { echo "$p"; return; }
    done
    die "no free port found"
}

# pg_tools psql|pgbench: finds (or installs) the PostgreSQL server binaries and
# sets PGBIN and PSQL; with "pgbench", also PGBENCH (installing it too).
pg_tools() {
    [[ -n $(pg_bindir) ]] || apt_install initdb postgresql
    PGBIN=$(pg_bindir) || die "initdb and pg_ctl not found after installing postgresql"
    [[ -n $PGBIN ]] || die "initdb and pg_ctl not found after installing postgresql"
    PSQL=$(command -v psql || echo "$PGBIN/psql")
    [[ -x $PSQL ]] || die "psql not found"
    if [[ ${1:-} == pgbench ]]; then
        command -v pgbench >/dev/null || [[ -x $PGBIN/pgbench ]] || apt_install pgbench postgresql-contrib
        PGBENCH=$(command -v pgbench || echo "$PGBIN/pgbench")
        [[ -x $PGBENCH ]] || die "pgbench not found"
    fi
}

# init_cluster DATADIR SOCKDIR LOGDIR: a fresh cluster in DATADIR (trust
# authentication, UTF-8, the C.UTF-8 locale or C), owned by the postgres
# account when we are root; SOCKDIR is made writable for the server and
# LOGDIR/postgres.log created for it. Settings are the caller's to append.
init_cluster() {
    local data=$1 sock=$2 logs=$3
    mkdir -p "$data" "$sock"
    chmod 777 "$sock"
    if [[ $(id -u) -eq 0 ]]; then
        id postgres >/dev/null 2>&1 || die "running as root needs the postgres system account (apt-get install postgresql creates it)"
        chown postgres "$data" "$sock"
        touch "$logs/postgres.log" && chown postgres "$logs/postgres.log"
    fi
    as_pg "$PGBIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$logs/initdb.log" 2>&1 ||
        as_pg "$PGBIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C >"$logs/initdb.log" 2>&1 ||
        die "initdb failed: $(tail -n 3 "$logs/initdb.log")"
}

# stop_cluster_at DATADIR: a fast shutdown, else an immediate one.
stop_cluster_at() {
    as_pg "$PGBIN/pg_ctl" -D "$1" -m fast -w -t 30 stop >/dev/null 2>&1 ||
        as_pg "$PGBIN/pg_ctl" -D "$1" -m immediate -w stop >/dev/null 2>&1 || true
}

# serve_embedded BIN DIR: starts `BIN serve` on an embedded database under
# DIR (a fresh temporary directory) on a free port, with the environment
# the caller exported, and waits until it is ready. Sets MAJLIS_BASE
# (http://127.0.0.1:PORT) and MAJLIS_PID; the server's log is DIR/server.log.
# Used by the browser tests, the dashboard benchmark and the Schemathesis run.
serve_embedded() {
    local bin=$1 dir=$2 port
    # MAJLIS_PORT: a port chosen beforehand (to name MAJLIS_PUBLIC_URL).
    port=${MAJLIS_PORT:-$(free_port)}
    MAJLIS_BASE="http://127.0.0.1:$port"
    MAJLIS_DATA_DIR="$dir/data" MAJLIS_ADDR="127.0.0.1:$port" DATABASE_URL= DATABASE_READ_URL= \
        "$bin" serve >"$dir/server.log" 2>&1 &
    MAJLIS_PID=$!
    for _ in $(seq 1 120); do
        curl -fsS "$MAJLIS_BASE/readyz" >/dev/null 2>&1 && return 0
        sleep 0.5
    done
    cat "$dir/server.log" >&2
    die "majlis did not get ready on $MAJLIS_BASE"
}

# create_account BIN DIR EMAIL ROLE PASSWORD: a moderator account on the
# embedded database under DIR, created as the CLI does.
create_account() {
    MAJLIS_DATA_DIR="$2/data" MAJLIS_PASSWORD="$5" DATABASE_URL= \
        "$1" moderator create --email "$3" --role "$4" --display-name "$4" >/dev/null
}

# page_bench_server ROOT: for a page benchmark in Chromium: the release
# build (or $MAJLIS_BIN), the browser tests' npm tools, majlis serving its
# embedded database in a temporary directory (stopped and removed on exit)
# and an admin account. Sets MAJLIS_BASE and BENCH_PASSWORD.
page_bench_server() {
    local root=$1 bin=${MAJLIS_BIN:-$1/target/release/majlis}
    if [[ -z ${MAJLIS_BIN:-} ]]; then
        (cd "$root" && cargo build --release --locked --quiet)
    fi
    (cd "$root/tests/browser" && npm ci --no-audit --no-fund --silent)
    BENCH_WORK=$(mktemp -d)
    chmod 755 "$BENCH_WORK"
    export RUST_LOG=warn
    trap 'kill -TERM "${MAJLIS_PID:-0}" 2>/dev/null || true; wait "${MAJLIS_PID:-0}" 2>/dev/null || true; rm -rf "$BENCH_WORK"' EXIT
    serve_embedded "$bin" "$BENCH_WORK"
    BENCH_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
    create_account "$bin" "$BENCH_WORK" admin@news.example admin "$BENCH_PASSWORD"
}
