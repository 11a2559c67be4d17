#!/usr/bin/env bash
# Summarizes the profile of a load benchmark run (BENCH_PROFILE=1, see
# bench/load/profile.sh) as Markdown:
#
#     bash bench/load/profile_report.sh PROFILE_DIR OUT.md
#
# PROFILE_DIR is the run's $TMP/profile (kept with BENCH_KEEP=1, so the
# summary can be made again). When OUT.md has the markers
# `<!-- profile:begin -->` and `<!-- profile:end -->`, only what is between
# them is replaced (the text around it is kept); otherwise OUT.md is
# written whole. Needs awk; perf for the perf data, and the inferno tools
# on the PATH for the flame graphs (written next to the data, never into
# the repository).

set -euo pipefail

DIR=${1:?usage: profile_report.sh PROFILE_DIR OUT.md}
OUT=${2:?usage: profile_report.sh PROFILE_DIR OUT.md}
[[ -d $DIR ]] || { echo "profile_report: no directory $DIR" >&2; exit 1; }
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NCPU=$(nproc)

# Markdown-safe one-line text of a statement, at most $2 characters.
# (awk function, shared by the tables)
AWK_LIB='
function short(q, n) {
    gsub(/\|/, "\\|", q); gsub(/`/, "'"'"'", q)
    if (length(q) > n) q = substr(q, 1, n - 1) "…"
    return q
}
function ms(x) { return x < 10 ? sprintf("%.3f", x) : (x < 100 ? sprintf("%.2f", x) : sprintf("%.1f", x)) }
function pct(a, b) { return b > 0 ? sprintf("%.1f%%", 100 * a / b) : "-" }
function secs(t,   p) { split(t, p, ":"); return p[1] * 3600 + p[2] * 60 + p[3] }
'

# statements LABELDIR CREATED DURATION
statements() {
    local d=$1 created=$2 duration=$3
    awk -F'\t' -v created="$created" -v duration="$duration" "$AWK_LIB"'
        { top[NR] = $1; calls[NR] = $2; total[NR] = $3; mean[NR] = $4; rows[NR] = $5
          hit[NR] = $6; rd[NR] = $7; dirt[NR] = $8; wal[NR] = $12; mx[NR] = $13; plans[NR] = $14; mplan[NR] = $15; q[NR] = $16
          if ($1 == "t") { dbt += $3; topcalls += $2 } else nested += $2
          if ($1 == "t" && $16 ~ /^(BEGIN|begin)/) begins += $2
          if ($1 == "t" && $16 ~ /^(COMMIT|commit)/) commits += $2 }
        END {
            n = created > 0 ? created : 1
            printf "Top-level statements executed: %d, **%.2f per answered 201** (BEGIN %.2f, COMMIT %.2f per 201); nested statements (in triggers and functions): %.2f per 201. Execution time of the top-level statements: %.0f ms in %s s, **%.2f ms per 201**, %.2f backends busy in Postgres on average.\n\n", topcalls, topcalls / n, begins / n, commits / n, nested / n, dbt, duration, dbt / n, dbt / 1000 / duration
            print "| # | statement (normalized, shortened) | level | calls per 201 | mean ms | max ms | share of DB time | rows per call | shared blocks hit / read / dirtied per call | WAL bytes per call | plans per call | mean plan ms |"
            print "|---|---|---|---|---|---|---|---|---|---|---|---|"
            for (i = 1; i <= NR && i <= 15; i++) {
                c = calls[i] > 0 ? calls[i] : 1
                printf "| %d | `%s` | %s | %.2f | %s | %s | %s | %.1f | %.1f / %.2f / %.2f | %.0f | %.2f | %s |\n", i, short(q[i], 110),
                    (top[i] == "t" ? "top" : "nested"), calls[i] / n, ms(mean[i]), ms(mx[i]), pct(total[i], dbt),
                    rows[i] / c, hit[i] / c, rd[i] / c, dirt[i] / c, wal[i] / c, plans[i] / c, ms(mplan[i])
            }
            print ""
            print "Share of DB time: of the summed execution time of the top-level statements (a nested statement'"'"'s time is also in its caller'"'"'s). The time of COMMIT is only the statement'"'"'s: the commit itself (the NOTIFY queue'"'"'s lock, the WAL flush) runs after it and is not counted by pg_stat_statements; the wait events below show it."
        }' "$d/statements.tsv"
}

# stats LABELDIR CREATED DURATION: pg_stat_database and pg_stat_wal over the point
stats() {
    local d=$1 created=$2 duration=$3
    paste "$d/stats-before.tsv" "$d/stats-after.tsv" | awk -F'\t' -v created="$created" -v duration="$duration" '
        { for (i = 1; i <= 15; i++) x[i] = $(i + 15) - $i }
        END {
            n = created > 0 ? created : 1
            commits = x[1]; syncs = x[12]
            printf "Transactions committed in the bench database: %d (%.2f per 201), rolled back: %d; deadlocks: %d. WAL: %.0f bytes and %.1f records per 201, %d full-page images; %d WAL flushes (fsync), %.0f per second, %.2f commits per flush; flushing took %.2f ms on average and **%.0f%% of the wall time** (flushes are serialized), writing %.0f%%; WAL buffers full: %d.\n",
                commits, commits / n, x[2], x[7], x[10] / n, x[8] / n, x[9], syncs, syncs / duration,
                (syncs > 0 ? commits / syncs : 0), (syncs > 0 ? x[14] / syncs : 0),
                100 * x[14] / 1000 / duration, 100 * x[13] / 1000 / duration, x[15]
        }'
}

# waits LABELDIR POOL CREATED KIND: wait-event shares and lock waits from the samples
waits() {
    local d=$1 pool=$2 created=$3 kind=$4
    local rel=/dev/null
    [[ -f $d/relnames.tsv ]] && rel=$d/relnames.tsv
    awk -F'\t' -v pool="$pool" -v created="$created" -v kind="$kind" "$AWK_LIB"'
        FILENAME != ARGV[ARGC - 1] { relname[$1] = $2; next }
        $3 == "tick" {
            ticks++
            t = secs($1); if (ticks == 1) t0 = t; t1 = t
            next
        }
        {
            if ($9 ~ /^(LISTEN|listen) /) { listener++; next }
            n++
            bystate[$3]++
            if ($3 == "idle") next
            nb++
            w = ($4 == "-") ? ($3 == "active" ? "none (on CPU)" : "none") : $4 ":" $5
            cnt[$3 " | " w]++
            if ($6 != "-") {
                obj = $8
                if ($6 == "object" && obj == "pg_database") obj = "pg_database (the NOTIFY queue)"
                else if (obj ~ /^[0-9]+$/) obj = (obj in relname) ? relname[obj] : "oid " obj
                else if (obj == "-") obj = ($6 == "transactionid" ? "a transaction (a row it locked)" : "-")
                locks[$6 " | " $7 " | " obj " | `" short($9, 70) "`"]++; lockn++
            }
        }
        END {
            if (t1 < t0) t1 += 86400
            iv = ticks > 1 ? (t1 - t0) / (ticks - 1) : 0
            printf "%d samples, one every %.0f ms on average (the LISTEN connection left out). Mean pool connections per sample: ", ticks, 1000 * iv
            sep = ""
            for (s in bystate) { printf "%s%s %.2f", sep, s, bystate[s] / ticks; sep = ", " }
            printf "; busy (not idle) %.2f of the pool'"'"'s %d on average.", nb / ticks, pool
            if (kind == "submit" && created > 0)
                printf " Per 201, a connection spent %.1f ms active (running a statement) and %.1f ms idle in transaction (Postgres waiting for majlis between statements).", 1000 * iv * bystate["active"] / created, 1000 * iv * bystate["idle in transaction"] / created
            print "\n"
            print "Busy connections only (not idle):\n"
            per = (kind == "submit" && created > 0)
            print "| state | wait event | share of busy samples | mean connections |" (per ? " ms per 201 |" : "")
            print "|---|---|---|---|" (per ? "---|" : "")
            m = 0
            for (k in cnt) { keys[++m] = k }
            for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (cnt[keys[j]] > cnt[keys[i]]) { t = keys[i]; keys[i] = keys[j]; keys[j] = t }
            for (i = 1; i <= m; i++) if (cnt[keys[i]] / nb >= 0.001) {
                printf "| %s | %s | %.2f |", keys[i], pct(cnt[keys[i]], nb), cnt[keys[i]] / ticks
                if (per) printf " %.1f |", 1000 * iv * cnt[keys[i]] / created
                print ""
            }
            print ""
            if (lockn == 0) { print "Lock waits: none sampled."; exit }
            printf "Lock waits: %d samples of a connection waiting for a heavyweight lock, %s of the busy samples, %.2f connections on average:\n\n", lockn, pct(lockn, nb), lockn / ticks
            print "| lock | mode | on | waiting statement | samples | share of busy samples |"
            print "|---|---|---|---|---|---|"
            m = 0
            for (k in locks) { lkeys[++m] = k }
            for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (locks[lkeys[j]] > locks[lkeys[i]]) { t = lkeys[i]; lkeys[i] = lkeys[j]; lkeys[j] = t }
            for (i = 1; i <= m && i <= 12; i++) printf "| %s | %d | %s |\n", lkeys[i], locks[lkeys[i]], pct(locks[lkeys[i]], nb)
        }' "$rel" "$d/samples.tsv"
}

demangle_strip() { sed -E 's/::h[0-9a-f]{16}//g'; }

# perf_sections LABELDIR DURATION
perf_sections() {
    local d=$1
    if [[ -f $d/perf-all.data ]]; then
        echo "CPU of the whole machine during the point by process, in cores ($NCPU on this machine; perf on all CPUs at 499 Hz; majlis's threads are \`actix-server wo\` and \`tokio-rt-worker\`):"
        echo
        echo '```'
        perf report -i "$d/perf-all.data" --stdio --sort comm -n 2>/dev/null |
            awk -v hz=499 -v s="$2" '/^ +[0-9.]+%/ { n = $2; $1 = ""; $2 = ""; sub(/^ +/, ""); sub(/ +$/, ""); printf "%6.2f cores  %s\n", n / hz / s, $0 }' |
            awk '$1 >= 0.01' | head -n 12
        echo '```'
        echo
        echo "PostgreSQL's own CPU (self time, share of postgres samples; the server binary is stripped, so some frames are named after the nearest exported symbol):"
        echo
        echo '```'
        perf report -i "$d/perf-all.data" --comms postgres --percentage relative --stdio --sort dso,symbol \
            --percent-limit 1.5 2>/dev/null | grep -E '^ +[0-9.]+%' | sed -E 's/[ -]+$//; s/  +/  /g' | head -n 20
        echo '```'
        echo
    fi
    if [[ -f $d/perf-majlis.data ]]; then
        echo "majlis's own CPU, self time (share of majlis samples):"
        echo
        echo '```'
        perf report -i "$d/perf-majlis.data" --no-children --stdio --sort dso,symbol --percent-limit 1 -g none 2>/dev/null |
            grep -E '^ +[0-9.]+%' | sed -E 's/[ -]+$//; s/  +/  /g' | demangle_strip | head -n 15
        echo '```'
        echo
        if command -v inferno-collapse-perf >/dev/null && command -v inferno-flamegraph >/dev/null; then
            perf script -i "$d/perf-majlis.data" 2>/dev/null | inferno-collapse-perf 2>/dev/null | demangle_strip >"$d/majlis.folded" || true
            if [[ -s $d/majlis.folded ]]; then
                inferno-flamegraph --title "majlis, $(basename "$d")" <"$d/majlis.folded" >"$d/flame-majlis.svg" 2>/dev/null || true
                echo "majlis's own CPU, inclusive time of its own functions and of the libraries' entry points (share of majlis samples whose stack holds the frame; from the folded stacks, flame graph \`$(basename "$d")/flame-majlis.svg\` in the run's profile directory):"
                echo
                echo '```'
                awk '{
                        n = $NF; total += n
                        sub(/ [0-9]+$/, "")
                        split($0, f, ";"); delete seen
                        for (i in f) if (!(f[i] in seen)) { seen[f[i]] = 1; incl[f[i]] += n }
                     }
                     END { for (k in incl) printf "%6.2f%%  %s\n", 100 * incl[k] / total, k }' "$d/majlis.folded" |
                    grep -E '  <?(majlis::|sqlx_core::query|serde_json::|unicode_normalization|regex|tokio::runtime::scheduler)' |
                    grep -vE 'majlis::(routes::guard|telemetry|startup::localize_errors)' |
                    sort -rn | head -n 25
                echo '```'
                echo
            fi
        else
            echo "(no inferno tools on the PATH: no flame graph)"
            echo
        fi
    fi
}

section() {
    local d=$1
    (
        # what meta.env sets (profile.sh writes it)
        local name conns duration pool requests created p50_ms p99_ms load_before load_after
        local label
        label=$(basename "$d")
        # shellcheck disable=SC1091
        source "$d/meta.env"
        local rps
        rps=$(awk -v r="${requests:-0}" -v s="$duration" 'BEGIN { printf "%.0f", r / s }')
        echo "### $name, $conns connections"
        echo
        echo "wrk: $rps req/s, ${created:-0} answered 201, p50 $p50_ms ms, p99 $p99_ms ms. Load average before $load_before, after $load_after. majlis pool: $pool connections."
        echo
        stats "$d" "${created:-0}" "$duration"
        echo
        statements "$d" "${created:-0}" "$duration"
        echo
        echo "Wait events of majlis's connections (pg_stat_activity):"
        echo
        waits "$d" "$pool" "${created:-0}" "${label%%-*}"
        echo
        perf_sections "$d" "$duration"
    )
}

summary() {
    # what the run recorded (profile.sh), else this checkout
    local commit when
    commit=$(sed -n 's/^commit=//p' "$DIR/run.env" 2>/dev/null)
    when=$(sed -n 's/^date=//p' "$DIR/run.env" 2>/dev/null)
    [[ -n $commit ]] || commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
    [[ -n $when ]] || when=$(date -u '+%Y-%m-%d %H:%M UTC')
    echo "Generated by \`bench/load/profile_report.sh\` from a run of \`bench/load/run.sh\` with BENCH_PROFILE=1 on $when (commit $commit; $NCPU CPUs). A \"201\" is a submission answered 201 Created; per-201 figures divide the point's totals by them (statements of requests in flight when wrk stopped count too, so they are slightly high)."
    echo
    local kind c d
    for kind in submit mixed; do
        for c in $(find "$DIR" -mindepth 1 -maxdepth 1 -type d -name "$kind-*" -printf '%f\n' | sed "s/^$kind-//" | sort -n); do
            d="$DIR/$kind-$c"
            [[ -f $d/meta.env && -f $d/statements.tsv ]] || continue
            section "$d"
        done
    done
}

BODY=$(summary)
if [[ -f $OUT ]] && grep -q '^<!-- profile:begin -->$' "$OUT" && grep -q '^<!-- profile:end -->$' "$OUT"; then
    BODY=$BODY awk '
        /^<!-- profile:begin -->$/ { print; print ""; print ENVIRON["BODY"]; skip = 1; next }
        /^<!-- profile:end -->$/ { skip = 0 }
        !skip { print }' "$OUT" >"$OUT.tmp" && mv "$OUT.tmp" "$OUT"
else
    {
        echo "# Where a submission's time goes (profile of the load benchmark)"
        echo
        echo "<!-- profile:begin -->"
        echo
        echo "$BODY"
        echo "<!-- profile:end -->"
    } >"$OUT"
fi
echo "profile_report: wrote $OUT" >&2
