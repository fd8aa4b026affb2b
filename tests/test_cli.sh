#!/bin/sh
# test_cli.sh - end-to-end tests of the `fate` command line.
#
# usage: sh tests/test_cli.sh /path/to/fate
#
# Prints "ok - ..." / "not ok - ..." per check (with diagnostics and the
# captured stderr of fate on failure) and finally a line "N passed, M failed".
# Exits non-zero if any check failed. Runs in a few seconds (small --d).

FATE=${1:-}
if [ -z "$FATE" ] || [ ! -x "$FATE" ]; then
    echo "usage: sh $0 /path/to/fate (got '${FATE}', not an executable)" >&2
    exit 2
fi

# Keep the numerical libraries from oversubscribing the 2-core test machines.
OPENBLAS_NUM_THREADS=1
export OPENBLAS_NUM_THREADS
LC_ALL=C
export LC_ALL

T=$(mktemp -d "${TMPDIR:-/tmp}/fate_test_cli.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM

pass=0
fail=0
RC=0

# check DESCRIPTION CMD [ARGS...]: run CMD (a shell function or command) and
# record the result; its own output is shown only when it fails.
check() {
    desc=$1
    shift
    : >"$T/err"
    if "$@" >"$T/check.log" 2>&1; then
        pass=$((pass + 1))
        echo "ok - $desc"
    else
        fail=$((fail + 1))
        echo "not ok - $desc"
        sed 's/^/#   /' "$T/check.log"
        if [ -s "$T/err" ]; then
            echo "#   fate stderr:"
            sed 's/^/#     /' "$T/err"
        fi
    fi
}

# pass_note DESCRIPTION NOTE: a check counted as passed without running it.
pass_note() {
    pass=$((pass + 1))
    echo "ok - $1 # SKIP $2"
}

# fate ARGS...: run the CLI, stdout -> $T/out, stderr -> $T/err, status -> $RC.
fate() {
    "$FATE" "$@" >"$T/out" 2>"$T/err"
    RC=$?
}

nlines() { wc -l <"$1" | tr -d ' '; }

# expect_rc N: the last fate run exited with status N.
expect_rc() {
    if [ "$RC" -ne "$1" ]; then
        echo "exit status $RC, expected $1"
        return 1
    fi
}

expect_no_stdout() {
    if [ -s "$T/out" ]; then
        echo "stdout not empty:"
        head -n 5 "$T/out"
        return 1
    fi
}

# expect_err_one_line: stderr is exactly one (newline-terminated) line.
expect_err_one_line() {
    n=$(nlines "$T/err")
    if [ "$n" -ne 1 ] || [ "$(wc -c <"$T/err" | tr -d ' ')" -lt 2 ]; then
        echo "stderr has $n lines, expected exactly 1"
        return 1
    fi
}

# expect_err_has STRING: stderr mentions STRING (fixed string).
expect_err_has() {
    if ! grep -F -e "$1" "$T/err" >/dev/null; then
        echo "stderr does not mention '$1'"
        return 1
    fi
}

# bad_input NAME ARGS...: fate ARGS exits 2, prints nothing on stdout and
# exactly one line on stderr that contains NAME.
bad_input() {
    name=$1
    shift
    fate "$@"
    ok=0
    expect_rc 2 || ok=1
    expect_no_stdout || ok=1
    expect_err_one_line || ok=1
    expect_err_has "$name" || ok=1
    return $ok
}

# good_run ARGS...: fate ARGS exits 0 with something on stdout.
good_run() {
    fate "$@"
    expect_rc 0 || return 1
    if [ ! -s "$T/out" ]; then
        echo "stdout empty"
        return 1
    fi
}

# save FILE ARGS...: good_run ARGS and keep stdout in $T/FILE.
save() {
    f=$1
    shift
    good_run "$@" || return 1
    cp "$T/out" "$T/$f"
}

same_files() {
    if ! cmp "$T/$1" "$T/$2" >/dev/null 2>&1; then
        echo "$1 and $2 differ:"
        diff "$T/$1" "$T/$2" | head -n 10
        return 1
    fi
}

differ_files() {
    for f in "$1" "$2"; do
        [ -s "$T/$f" ] || { echo "$f missing or empty"; return 1; }
    done
    if cmp "$T/$1" "$T/$2" >/dev/null 2>&1; then
        echo "$1 and $2 are identical, expected them to differ"
        return 1
    fi
}

# header_has FILE COL...: the first line of FILE, split on commas, has each COL.
header_has() {
    f=$1
    shift
    ok=0
    for c in "$@"; do
        if ! head -n 1 "$T/$f" | tr ',' '\n' | grep -x -F -e "$c" >/dev/null; then
            echo "header of $f lacks column '$c': $(head -n 1 "$T/$f")"
            ok=1
        fi
    done
    return $ok
}

header_lacks() {
    [ -s "$T/$1" ] || { echo "$1 missing or empty"; return 1; }
    if head -n 1 "$T/$1" | tr ',' '\n' | grep -x -F -e "$2" >/dev/null; then
        echo "header of $1 has column '$2', expected it absent"
        return 1
    fi
}

# data_rows FILE N: FILE has a header and N data lines.
data_rows() {
    n=$(($(nlines "$T/$1") - 1))
    if [ "$n" -ne "$2" ]; then
        echo "$1 has $n data rows, expected $2"
        return 1
    fi
}

# ------------------------------------------------------------------ 1. bad input

# No command prints the whole usage (several lines) on stderr, so this one is
# not held to the one-line rule; there is no option to name.
# shellcheck disable=SC2016

check "no command: exit 2, usage on stderr, nothing on stdout" sh -c '
    "$1" >"$2/out" 2>"$2/err"; rc=$?
    [ $rc -eq 2 ] || { echo "exit status $rc, expected 2"; exit 1; }
    [ ! -s "$2/out" ] || { echo "stdout not empty"; exit 1; }
    grep -i usage "$2/err" >/dev/null || { echo "stderr lacks usage"; exit 1; }' sh "$FATE" "$T"

check "unknown command names it" bad_input frobnicate frobnicate
check "run: unknown option --bogus" bad_input --bogus run --bogus 1
check "run: --d abc" bad_input --d run --d abc
check "run: --sigma x" bad_input --sigma run --sigma x
check "run: --gamma 1e" bad_input --gamma run --gamma 1e
check "run: --d 0" bad_input --d run --d 0
check "run: --d -3" bad_input --d run --d -3
check "run: --depth 1" bad_input --depth run --depth 1
check "run: --gamma 0" bad_input --gamma run --gamma 0
check "run: --gamma -1" bad_input --gamma run --gamma -1
check "run: --n 0" bad_input --n run --n 0
check "run: --theta 4" bad_input --theta run --theta 4
check "run: --theta -0.1" bad_input --theta run --theta -0.1
check "run: --theta 200deg" bad_input --theta run --theta 200deg
check "run: --theta 2pi" bad_input --theta run --theta 2pi
check "run: --sigma -0.1" bad_input --sigma run --sigma -0.1
check "run: --lambda -1" bad_input --lambda run --lambda -1
check "run: --sigma-src -1" bad_input --sigma-src run --sigma-src -1
check "run: --trajectory 0" bad_input --trajectory run --trajectory 0
check "run: --trajectory abc" bad_input --trajectory run --trajectory abc
check "run: --out without --trajectory" bad_input --out run --out "$T/notraj"
check "run: --baseline bogus" bad_input --baseline run --baseline bogus
check "theory: --k with --spectrum" bad_input --k theory --d 50 --k 2 --spectrum powerlaw:1
# T* beside the paper's T: a tuned baseline runs scratch too and shows both
paper_T_beside() {
    fate run --d 16 --gamma 0.5 --instances 2 --methods lt --baseline best
    expect_rc 0 || return 1
    grep -q 'T\* = R_best - R' "$T/out" && grep -q 'T = R_sc - R (paper)' "$T/out" || return 1
    grep -q '^scratch ' "$T/out" || return 1
    fate run --d 16 --gamma 0.5 --instances 2 --methods lt --baseline ridge --format csv
    expect_rc 0 || return 1
    head -1 "$T/out" | grep -q ',T_sc,T_sc_theory$'
}
check "run: --baseline best shows T* and the paper's T" paper_T_beside
# trajectory_folder: --trajectory writes trajectory.csv (the table on stdout as
# without it), refuses a folder another command made, and writes nothing
# after a bad option
trajectory_folder() {
    fate run --d 12 --gamma 0.5 --instances 2 --methods scratch,ft,early_stop --baseline best \
        --trajectory 3 --out "$T/tr" --plot none --format csv || return 1
    expect_rc 0 || return 1
    head -1 "$T/tr/trajectory.csv" | grep -qx 'instance,method,step,risk,train_loss,balance,c' || return 1
    grep -q '^1,early_stop,' "$T/tr/trajectory.csv" || return 1
    cp "$T/out" "$T/with.csv"
    fate run --d 12 --gamma 0.5 --instances 2 --methods scratch,ft,early_stop --baseline best --format csv
    cmp -s "$T/out" "$T/with.csv" || { echo "the table changed with --trajectory"; return 1; }
    mkdir -p "$T/other" && printf '{"command": "phase"}\n' >"$T/other/manifest.json"
    fate run --d 12 --instances 2 --trajectory 3 --out "$T/other"
    expect_rc 2 && expect_err_one_line && expect_err_has --out || return 1
    [ ! -e "$T/other/trajectory.csv" ] || return 1
    fate run --d 12 --trajectory 3 --out "$T/bad" --plot gif
    expect_rc 2 && [ ! -e "$T/bad" ]
}
check "run --trajectory: trajectory.csv, the same table, folder rules" trajectory_folder
check "run: --instances 0" bad_input --instances run --instances 0
check "run: --threads 0" bad_input --threads run --threads 0
check "run: --methods foo" bad_input --methods run --methods foo
check "run: --format xml" bad_input --format run --format xml
check "theory: --format json" bad_input --format theory --format json
check "run: missing value (--d at the end)" bad_input --d run --d
check "run: both --gamma and --n" bad_input --gamma run --gamma 0.5 --n 10
check "theory: --gamma 0.1:2.0 (range without count)" bad_input --gamma theory --gamma 0.1:2.0
check "theory: --theta 5" bad_input --theta theory --theta 5
check "theory: unknown option --bogus" bad_input --bogus theory --bogus
check "run: --rcond 1" bad_input --rcond run --rcond 1
check "run: --epochs 0" bad_input --epochs run --epochs 0
check "run: --lr -1" bad_input --lr run --lr -1
check "run: --lr nan" bad_input --lr run --lr nan
check "run: --sigma inf" bad_input --sigma run --sigma inf

# ------------------------------------------------------------ 2. help, version

help_ok() {
    fate "$@"
    expect_rc 0 || return 1
    grep -i usage "$T/out" >/dev/null || { echo "stdout lacks 'usage'"; return 1; }
}
check "fate --help" help_ok --help
check "fate run --help" help_ok run --help
check "fate theory --help" help_ok theory --help

version_ok() {
    fate --version
    expect_rc 0 || return 1
    if ! grep -E -x 'fate [0-9]+\.[0-9]+\.[0-9]+' "$T/out" >/dev/null; then
        echo "version line: '$(cat "$T/out")'"
        return 1
    fi
}
check "fate --version prints 'fate X.Y.Z'" version_ok

# --------------------------------------------------------------- 3. run csv

RUN="run --d 30 --instances 3 --format csv"
# shellcheck disable=SC2086
check "run csv exits 0" save run3.csv $RUN
check "run csv header has method,instance,risk,theory,train_loss,steps,converged" \
    header_has run3.csv method instance risk theory train_loss steps converged

pairs_are() {
    # pairs_are FILE EXPECTED: sorted "method,instance" pairs equal EXPECTED
    got=$(awk -F, 'NR > 1 { print $1 "," $2 }' "$T/$1" | sort | tr '\n' ' ')
    if [ "$got" != "$2" ]; then
        echo "rows (method,instance): '$got'"
        echo "expected:               '$2'"
        return 1
    fi
}
check "run csv has 12 data rows for 3 instances (pretrain, scratch, lt, ft)" data_rows run3.csv 12
check "run csv has one row per (method, instance)" pairs_are run3.csv \
    "ft,0 ft,1 ft,2 lt,0 lt,1 lt,2 pretrain,0 pretrain,1 pretrain,2 scratch,0 scratch,1 scratch,2 "
# shellcheck disable=SC2086
check "run csv --methods scratch exits 0" save scratch.csv $RUN --methods scratch
check "run csv --methods scratch gives only scratch rows" pairs_are scratch.csv \
    "scratch,0 scratch,1 scratch,2 "

# ----------------------------------------------------------- 4. determinism

DET="run --d 40 --instances 4 --format csv"
# shellcheck disable=SC2086
check "run --threads 1" save t1.csv $DET --threads 1
# shellcheck disable=SC2086
check "run --threads 2" save t2.csv $DET --threads 2
check "output identical for --threads 1 and --threads 2" same_files t1.csv t2.csv
# shellcheck disable=SC2086
check "run --threads 1 repeated" save t1b.csv $DET --threads 1
check "repeated runs are identical" same_files t1.csv t1b.csv
# shellcheck disable=SC2086
check "run --seed 2" save seed2.csv $DET --threads 1 --seed 2
check "a different --seed gives different output" differ_files t1.csv seed2.csv
# shellcheck disable=SC2086
check "run --d=40 (--opt=value form)" save eq.csv run --d=40 --instances=4 --format=csv --threads=1
check "--opt=value gives the same output as --opt value" same_files t1.csv eq.csv

# ---------------------------------------------------------- 5. angle forms

ANG="run --d 30 --instances 2 --format csv --seed 7"
# shellcheck disable=SC2086
check "run --theta pi/4" save a1.csv $ANG --theta pi/4
# shellcheck disable=SC2086
check "run --theta 45deg" save a2.csv $ANG --theta 45deg
# shellcheck disable=SC2086
check "run --theta 0.7853981633974483" save a3.csv $ANG --theta 0.7853981633974483
check "--theta pi/4 and 45deg give identical output" same_files a1.csv a2.csv
check "--theta pi/4 and 0.7853981633974483 give identical output" same_files a1.csv a3.csv

# ------------------------------------------------------------- 6. theory

check "theory csv exits 0" save th.csv theory --format csv
check "theory csv header has gamma,theta,sigma,lambda,R_sc,R_lt,R_ft,T_lt,T_ft,T_ft_gf" \
    header_has th.csv gamma theta sigma lambda R_sc R_lt R_ft T_lt T_ft T_ft_gf
check "theory csv without --d has no R_sc_exact" header_lacks th.csv R_sc_exact
check "theory --gamma 0.1:2.0:20" save g20.csv theory --gamma 0.1:2.0:20 --format csv
check "theory --gamma 0.1:2.0:20 gives 60 rows (3 default angles)" data_rows g20.csv 60

# per_combo FILE N: each (theta, sigma, lambda) combination has N rows.
per_combo() {
    [ -s "$T/$1" ] || { echo "$1 missing or empty"; return 1; }
    bad=$(awk -F, -v want="$2" '
        NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
        { k = $c["theta"] "," $c["sigma"] "," $c["lambda"]; n[k]++ }
        END { for (k in n) if (n[k] != want) print k ": " n[k] " rows" }' "$T/$1")
    if [ -n "$bad" ]; then
        echo "combinations without $2 rows:"
        echo "$bad"
        return 1
    fi
}
check "theory: 20 rows per theta" per_combo g20.csv 20
check "theory --sigma 0,0.2 --lambda 0,0.1" \
    save g80.csv theory --gamma 0.1:2.0:20 --sigma 0,0.2 --lambda 0,0.1 --format csv
check "theory: 240 rows for 3 thetas x 2 sigmas x 2 lambdas" data_rows g80.csv 240
check "theory: 20 rows per (theta, sigma, lambda)" per_combo g80.csv 20
check "theory --d 200" save thd.csv theory --gamma 0.5 --d 200 --format csv
check "theory --d 200 adds R_sc_exact" header_has thd.csv R_sc_exact

# value_is FILE COLUMN EXPECTED: first data row's COLUMN is EXPECTED +- 1e-9.
value_is() {
    awk -F, -v col="$2" -v want="$3" '
        NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) k = i; next }
        NR == 2 {
            if (!k) { print "no column " col; exit 1 }
            d = $k - want; if (d < 0) d = -d
            if ($k == "" || d > 1e-9) { print col " = " $k ", expected " want; exit 1 }
            found = 1
        }
        END { if (!found) { print "no data row"; exit 1 } }' "$T/$1"
}
check "theory at gamma=0.5, theta=pi/2, sigma=0" \
    save k1.csv theory --gamma 0.5 --theta pi/2 --sigma 0 --format csv
check "theory: R_sc = 0.5 at gamma=0.5, theta=pi/2, sigma=0" value_is k1.csv R_sc 0.5
check "theory at gamma=0.5, theta=0, sigma=0" \
    save k2.csv theory --gamma 0.5 --theta 0 --sigma 0 --format csv
check "theory: T_ft = 0.5 at gamma=0.5, theta=0, sigma=0" value_is k2.csv T_ft 0.5

# ------------------------------------------------------------- 7. run json

PY=
if [ -x /usr/bin/python3 ]; then
    PY=/usr/bin/python3
elif command -v python3 >/dev/null 2>&1; then
    PY=$(command -v python3)
fi
check "run --format json exits 0" save run.json run --d 30 --instances 2 --format json
if [ -n "$PY" ]; then
    json_ok() {
        "$PY" -c 'import json,sys; json.load(sys.stdin)' <"$T/run.json"
    }
    check "run --format json is valid JSON" json_ok
else
    pass_note "run --format json is valid JSON" "no python3 found"
fi

# ------------------------------------------------------------ 8. run table

check "run (table format)" save table.txt run --d 30 --instances 2
table_ok() {
    ok=0
    grep -F theory "$T/table.txt" >/dev/null || { echo "table lacks 'theory'"; ok=1; }
    for m in pretrain scratch lt ft; do
        grep -E "^${m}[[:space:]]" "$T/table.txt" >/dev/null || { echo "table lacks a '$m' row"; ok=1; }
    done
    return $ok
}
check "table mentions 'theory' and every method" table_ok

# ------------------------------------------------------------ 9. divergence

diverge_ok() {
    fate run --d 30 --lr 100 --instances 1
    ok=0
    expect_rc 1 || ok=1
    expect_no_stdout || ok=1
    expect_err_one_line || ok=1
    expect_err_has diverged || ok=1
    expect_err_has --lr || ok=1
    return $ok
}
check "run --lr 100 diverges: status 1, one stderr line naming --lr, no stdout" diverge_ok

# ------------------------------------------------- anisotropic inputs (THEORY.md 11)

# same_columns FILE A B: columns A and B agree to 1e-12 relative on every row.
same_columns() {
    awk -F, -v a="$2" -v b="$3" '
        NR == 1 { for (i = 1; i <= NF; i++) { if ($i == a) ka = i; if ($i == b) kb = i }; next }
        {
            if (!ka || !kb) { print "no column " a " or " b; exit 1 }
            d = $ka - $kb; if (d < 0) d = -d; m = $kb < 0 ? -$kb : $kb
            if ($ka == "" || $kb == "" || d > 1e-12 * m + 1e-15) { print "row " NR ": " a " = " $ka ", " b " = " $kb; exit 1 }
            rows++
        }
        END { if (rows < 1) { print "no data row"; exit 1 } }' "$T/$1"
}
check "theory --spectrum powerlaw:0 --align top" \
    save an.csv theory --gamma 0.25,0.5,2 --theta 0,pi/3,pi/2 --sigma 0.5 --d 200 --spectrum powerlaw:0 --align top --format csv
check "theory: Sigma = I gives R_sc_aniso = R_sc (the limit)" same_columns an.csv R_sc_aniso R_sc
check "theory: Sigma = I gives R_lt_aniso = R_lt_exact" same_columns an.csv R_lt_aniso R_lt_exact
check "theory csv without --spectrum has no kappa_aniso" header_lacks th.csv kappa_aniso
check "theory: --spectrum spiked:500:2 at --d 100" bad_input --spectrum theory --spectrum spiked:500:2 --d 100
check "theory: --spectrum without --d" bad_input --spectrum theory --spectrum powerlaw:1
check "theory: --align without --spectrum" bad_input --align theory --align top
check "theory: --spectrum powerlaw:-1" bad_input --spectrum theory --spectrum powerlaw:-1 --d 10

# ------------------------------------------------------------------ summary

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
