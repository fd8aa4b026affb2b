#!/bin/sh
# test_rel_parse.sh - reliability review, option parsing and printed output:
# one check per item of the review (issue 12): values the parser used to take
# (whitespace, signs on unsigned values, empty list elements, junk around
# pi-forms, a repeated --model), --threads above FATE_MAX_THREADS, the JSON
# of fate run (NaN/inf as null, seeds >= 2^63 exact, K = 1 standard errors
# NaN), fate run's CSV digits, and defect 7: sweeps with one angle, gamma,
# overlap or n draw slices instead of maps and say so.
#
# usage: sh tests/reliability/test_rel_parse.sh path/to/fate
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../tap.sh"
. "$HERE/common.inc"
OPENBLAS_NUM_THREADS=1
LC_ALL=C
export OPENBLAS_NUM_THREADS LC_ALL

# refused CMD...: (within 20 s) exit 2, one stderr line naming $OPT, nothing on stdout and
# no file created in an empty working folder.
refused() {
  rm -rf w && mkdir w && (cd w && timeout 20 "$FATE" "$@" >../out 2>../err)
  rc=$?
  why=""
  [ "$rc" -eq 2 ] || why="exit $rc, expected 2"
  [ "$(wc -l <err)" -eq 1 ] || why="$why; stderr has $(wc -l <err) lines"
  grep -q -F -- "$OPT" err || why="$why; stderr does not name $OPT"
  [ -s out ] && why="$why; stdout not empty"
  [ -z "$(ls -A w)" ] || why="$why; created $(ls -A w | tr '\n' ' ')"
  [ -z "$why" ] || { echo "#   $(head -c 300 err)"; return 1; }
}
R="run --d 6 --instances 2 --epochs 50"
P="phase --d 6 --gamma 0.5 --theta pi/4 --instances 2 --epochs 50 --plot none --quiet"
Q="phase --model relu2 --d 2 --mstar 1 --width 4 --n 4 --mu 0 --steps 20 --n-test 10 --n-src 4 --instances 2 --plot none --quiet"

# --- parsing ---------------------------------------------------------------
OPT=--seed
check "run --seed ' -1' refused (was 2^64-1)" refused $R --seed " -1"
check "run --seed '+1' refused" refused $R --seed "+1"
check "run --seed ' 1' refused" refused $R --seed " 1"
OPT=--d
check "run --d ' 5' refused" refused $R --d " 5"
check "run --d '5 ' refused" refused $R --d "5 "
check "run --d '+5' refused" refused $R --d "+5"
OPT=--gamma
check "run --gamma ' 0.5' refused" refused $R --gamma " 0.5"
check "phase --gamma '0.5, 1' refused" refused $P --gamma "0.5, 1"
check "phase --gamma '0.5:1: 3' refused" refused $P --gamma "0.5:1: 3"
OPT=--methods
check "run --methods scratch,,lt refused" refused $R --methods scratch,,lt
check "run --methods lt, refused" refused $R --methods lt,
check "run --methods ,lt refused" refused $R --methods ,lt
OPT=--plot
check "phase --plot png,,svg refused" refused $P --plot png,,svg
check "phase --plot ',png' refused" refused $P --plot ,png
check "distance --plot 'png,' refused" refused distance --d 4 --plot png,
check "reproduce --plot png,,svg refused" refused reproduce --quick --plot png,,svg
OPT=--only
check "reproduce --only sigma0,,ridge refused" refused reproduce --quick --only sigma0,,ridge
OPT=--theta
check "run --theta '*pi' refused" refused $R --theta "*pi"
check "run --theta 'pi*' refused" refused $R --theta "pi*"
check "run --theta ' pi/4' refused" refused $R --theta " pi/4"
check "run --theta 'pi/ 4' refused" refused $R --theta "pi/ 4"
check "run --theta ' 45deg' refused" refused $R --theta " 45deg"
check "phase --theta '*pi/4' refused" refused $P --theta "*pi/4"
OPT=--model
check "phase --model linear --model relu2 refused as given twice" refused phase --model linear --model relu2 --plot none
grep -q "twice" err || bad "... and the message says the option was given twice" "$(cat err)"
check "phase --model relu2 --model linear refused" refused phase --model relu2 --model=linear --plot none
grep -q "twice" err || bad "... and the message says the option was given twice" "$(cat err)"
check "phase --model relu2 --model relu2 is accepted" \
  sh -c '"$1" phase --model relu2 --model relu2 --help | grep -q "model relu2"' sh "$FATE"

# --- threads ---------------------------------------------------------------
OPT=--threads
for c in "$R" "$P" "$Q" "reproduce --quick" "distance --d 4"; do
  check "${c%% --[dq]*} --threads 4096 refused" refused $c --threads 4096
  grep -q "1024" err || bad "... and the message gives the limit 1024" "$(cat err)"
done
check "run --threads 1024 accepted" sh -c '"$1" run --d 4 --instances 1 --threads 1024 >/dev/null' sh "$FATE"

# --- fate run --format json -----------------------------------------------
"$FATE" run --d 20 --n 1 --instances 2 --format json >j1 2>/dev/null
check "run --n 1 --format json exits 0" [ $? -eq 0 ]
check "NaN theory of lt written as null" sh -c \
  'tr -d " \n" <j1 | grep -q "\"method\":\"lt\",\"risk\":\[[^]]*\],\"mean_risk\":[^,]*,\"sem_risk\":[^,]*,\"theory\":null"'
check "every method has theory and theory_paper keys" [ "$(grep -c '"theory_paper"' j1)" -eq 4 ]
"$FATE" run --d 6 --instances 1 --seed 18446744073709551615 --format json >j2 2>/dev/null
check "seed 2^64-1 printed exactly (a string)" grep -q '"seed": "18446744073709551615"' j2
"$FATE" run --d 6 --instances 1 --seed 9223372036854775807 --format json >j3 2>/dev/null
check "seed 2^63-1 printed as a number" grep -q '"seed": 9223372036854775807,' j3
check "K = 1: sem_risk is null" grep -q '"sem_risk": null' j2
check "K = 1: sem_T is null" grep -q '"sem_T": null' j2
check "K = 1: no standard error of 0 in the JSON" sh -c '! grep -q "\"sem_[a-zA-Z]*\": 0" j2'
"$FATE" run --d 6 --instances 1 >tab1 2>/dev/null
check "K = 1: the table prints the standard error as nan" grep -q '+- nan' tab1
check "K = 1: the table prints no standard error of 0" sh -c '! grep -q "+- 0.00000" tab1'

# --- fate run --format csv: 17 significant digits --------------------------
"$FATE" run --d 12 --instances 2 --format csv >csv1 2>/dev/null
check "every CSV number parses back to the same double (17 digits)" awk -F, '
  NR > 1 { for (i = 3; i <= NF; i++) if ($i != "" && $i != sprintf("%.17g", $i + 0)) { print "field " i ": " $i; bad = 1 } }
  END { exit bad }' csv1
# fate theory --format csv and fate distance's pairs.csv likewise (inf, -inf
# and empty NaN fields are not numbers to reprint)
"$FATE" theory --gamma 0.1:1.9:7 --theta 0,pi/5,pi --sigma 0,0.3 --d 50 --format csv >csv2 2>/dev/null
"$FATE" theory --boundary --theta 0:pi:5 --sigma 0,0.2 --format csv >csv3 2>/dev/null
"$FATE" distance --d 6 --instances 2 --samples 20 --theta 0,pi/3 --scale 2 --near 0.3 --plot none --quiet \
  --out dist17 >/dev/null 2>&1
for f in csv2 csv3 dist17/pairs.csv; do
  check "$f: every number parses back to the same double (17 digits)" awk -F, '
    NR > 1 { for (i = 1; i <= NF; i++) if ($i ~ /^-?[0-9]/ && $i != sprintf("%.17g", $i + 0)) { print "field " i ": " $i; bad = 1 } }
    END { exit bad }' "$f"
done

# --- defect 7: one-row sweeps ----------------------------------------------
is_png() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] && [ "$(wc -c <"$1")" -gt 20000 ]; }
one_row() { # NAME FILES... -- fate args: exit 0, slices drawn, no map, one line on stderr
  name=$1; shift
  files=""
  while [ "$1" != "--" ]; do files="$files $1"; shift; done
  shift
  "$FATE" "$@" --out "$name" >"$name.out" 2>"$name.err"
  rc=$?
  why=""
  [ "$rc" -eq 0 ] || why="exit $rc"
  for f in $files; do is_png "$name/$f" || why="$why; $f missing or blank"; grep -q "$name/$f" "$name.out" || why="$why; $f not listed"; done
  ls "$name"/phase_*.png >/dev/null 2>&1 && why="$why; a phase map was drawn"
  [ "$(grep -c 'drawing slices' "$name.err")" -eq 1 ] || why="$why; no one-line note on stderr"
  [ -z "$why" ] || { echo "#   $why"; sed 's/^/#   /' "$name.err"; return 1; }
}
L="phase --d 12 --instances 2 --epochs 300 --quiet"
check "phase with one angle: exit 0, slices drawn, said on stderr" \
  one_row a1 slices_lt.png slices_ft.png scratch.png -- $L --theta pi/4 --gamma 0.3:1.5:4
grep -q "one angle" a1.err || bad "... the note says one angle" "$(cat a1.err)"
check "phase with one gamma: exit 0, slices against theta drawn" \
  one_row g1 slices_lt.png slices_ft.png -- $L --gamma 0.5 --theta 0:pi/2:4
grep -q "one gamma" g1.err || bad "... the note says one gamma" "$(cat g1.err)"
check "phase with one cell: exit 0, slices drawn" one_row c1 slices_lt.png -- $L --gamma 0.5 --theta pi/4
RQ="phase --model relu2 --d 3 --mstar 2 --width 8 --n-src 30 --steps 200 --n-test 50 --instances 2 --quiet"
check "relu2 with one mu: exit 0, slices drawn" one_row m1 slices_lt.png slices_ft.png -- $RQ --mu 0.5 --n 4,8,16
check "relu2 with one n: exit 0, slices against mu drawn" one_row n1 slices_lt.png slices_ft.png -- $RQ --mu 0:1:3 --n 8
check "relu2 with one theta and one n: exit 0" one_row t1 slices_lt.png -- $RQ --theta pi/4 --n 8
finish
