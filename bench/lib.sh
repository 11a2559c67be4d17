# Shell functions shared by the benchmark and fault-test scripts
# (bench/load/run.sh, bench/faults/run.sh). Sourced, not run; the script
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

# free_port: a TCP port on 127.0.0.1 nobody listens on.
free_port() {
    local p
    for _ in $(seq 1 200); do
        p=$((20000 + RANDOM % 30000))
        port_free "$p" && { echo "$p"; return; }
    done
    die "no free port found"
}
