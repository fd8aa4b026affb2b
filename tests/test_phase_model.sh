#!/bin/sh
# test_phase_model.sh - end-to-end tests of a model run by generic code only
# (`fate phase --model ridge`, the toy model of src/model_ridge.c): --help
# from the parameter table, files and headers, summary.csv = statistics of
# runs.csv with the theory beside them, 1 vs 2 threads identical, SIGINT +
# --resume (also with the original command line) gives the files of an
# uninterrupted run, a changed parameter is refused, damaged cells are
# recomputed, figures written, and bad input exits 2 with one line naming
# the option and no folder.
# Usage: sh tests/test_phase_model.sh path/to/fate
. "$(cd "$(dirname "$0")" && pwd)/tap.sh"

SMALL="--model ridge --d 20 --gamma 0.5,0.8,1.5,3 --lambda 0,0.1,1 --instances 5 --sigma 0.3 --seed 7 --quiet"

# ---- --help comes from the table
"$FATE" phase --model ridge --help > H.out
check "--help exits 0" [ $? -eq 0 ]
for o in --gamma --lambda --d --sigma --instances --seed --threads --out --resume --plot --quiet; do
  check "--help lists $o" grep -q -- "^  $o " H.out
done
check "--help gives ranges and defaults" grep -q -- "--d N .*in \[1, 46340\] (default 100)" H.out

# ---- files
"$FATE" phase $SMALL --out A --threads 2 --plot png,svg > A.out 2> A.err
check "ridge sweep exits 0" [ $? -eq 0 ]
for f in runs.csv summary.csv sweep.json manifest.json map.png slices.png map.svg slices.svg; do
  check "writes $f" [ -s "A/$f" ]
done
check "runs.csv header" [ "$(head -1 A/runs.csv)" = "gamma,lambda,n,instance,risk,train_loss" ]
check "summary.csv header" [ "$(head -1 A/summary.csv)" = \
  "gamma,lambda,n,instances,mean_risk,std_risk,sem_risk,mean_train_loss,std_train_loss,sem_train_loss,theory_risk,theory_risk_exact" ]
# 3 lambdas x 4 gammas x 5 instances, rows in grid order (lambda-major)
check "runs.csv has one row per (cell, instance)" [ "$(($(wc -l < A/runs.csv) - 1))" -eq 60 ]
check "summary.csv has one row per cell" [ "$(($(wc -l < A/summary.csv) - 1))" -eq 12 ]
check "n = round(gamma d)" sh -c "awk -F, 'NR > 1 && \$3 != int(\$1 * 20 + 0.5) { bad++ } END { exit bad > 0 }' A/runs.csv"
check "the manifest names the model" grep -q '"model": "ridge"' A/manifest.json

# summary = mean and sample sd of runs.csv's rows per (gamma, lambda)
awk -F, '
  NR == FNR { if (FNR > 1) { k = $1 "," $2; n[k]++; s[k] += $5; q[k] += $5 * $5 } next }
  FNR > 1 {
    k = $1 "," $2; m = s[k] / n[k]; sd = sqrt((q[k] - n[k] * m * m) / (n[k] - 1))
    if (n[k] != $4) bad++
    if ((m - $5)^2 > (1e-12 * (1 + m))^2) { print "mean_risk " k; bad++ }
    if ((sd - $6)^2 > (1e-7 * (1 + sd))^2) { print "std_risk " k; bad++ }
    if ((sd / sqrt(n[k]) - $7)^2 > (1e-7 * (1 + sd))^2) { print "sem_risk " k; bad++ }
    rows++
  }
  END { exit !(rows == 12 && bad == 0) }' A/runs.csv A/summary.csv > awk.out 2>&1
check "summary.csv = mean, std, sem of runs.csv per cell" [ $? -eq 0 ]
# theory: exact finite-size mean at lambda = 0 away from n = d, the limit
# everywhere; at gamma = 3, lambda = 0: sigma^2 d/(n - d - 1) = 0.09*20/39
check "theory_risk_exact at gamma 3, lambda 0" sh -c \
  "awk -F, '\$1 == 3 && \$2 == 0 { d = \$12 - 0.09 * 20 / 39; exit !(d * d < 1e-24) }' A/summary.csv"
check "theory_risk_exact is nan for lambda > 0" sh -c \
  "awk -F, 'NR > 1 && \$2 > 0 && \$12 != \"nan\" { bad++ } END { exit bad > 0 }' A/summary.csv"
check "the simulated mean lies within 4 sem of the exact theory (lambda 0, n away from d)" sh -c \
  "awk -F, 'NR > 1 && \$2 == 0 && \$12 != \"nan\" { z = (\$5 - \$12) / \$7; if (z * z > 16) bad++; k++ } END { exit !(k == 4 && bad == 0) }' A/summary.csv"

"$FATE" phase $SMALL --out B --threads 1 --plot none > /dev/null 2>&1
check "1 and 2 threads give identical runs.csv" cmp -s A/runs.csv B/runs.csv
check "... and summary.csv" cmp -s A/summary.csv B/summary.csv

# ---- SIGINT and --resume: a job of a few seconds, stopped after some cells
BIG="--model ridge --d 160 --gamma 0.5:3:12 --lambda 0,0.5 --instances 40 --quiet --plot none"
"$FATE" phase $BIG --out R --threads 2 > /dev/null 2>&1
"$FATE" phase $BIG --out C --threads 1 > C.out 2> C.err &
pid=$!
i=0
while [ "$(ls C/cells 2>/dev/null | grep -c '^cell_.*csv$')" -lt 2 ] && [ $i -lt 600 ]; do sleep 0.02; i=$((i + 1)); done
kill -INT $pid 2>/dev/null
wait $pid
rc=$?
check "SIGINT exits 130" [ $rc -eq 130 ]
check "SIGINT says how to resume" grep -q -- "--resume --out C" C.err
check "finished cells are kept" [ "$(ls C/cells | grep -c '^cell_.*csv$')" -ge 2 ]
"$FATE" phase --resume --out C --threads 2 > C2.out 2> C2.err
check "--resume (model read from the folder) exits 0" [ $? -eq 0 ]
check "resumed runs.csv identical to uninterrupted" cmp -s R/runs.csv C/runs.csv
check "resumed summary.csv identical" cmp -s R/summary.csv C/summary.csv
rm -f C/runs.csv C/cells/$(ls C/cells | head -1)
"$FATE" phase $BIG --out C --threads 2 --resume > C3.out 2> C3.err
check "the original command line with --resume appended exits 0" [ $? -eq 0 ]
check "... and gives the same runs.csv" cmp -s R/runs.csv C/runs.csv
cp -r C D
"$FATE" phase $BIG --sigma 0.3 --out C --resume > C4.out 2> C4.err
check "a changed parameter with --resume exits 2" [ $? -eq 2 ]
check "... naming the option and both values in one line" \
  sh -c '[ "$(wc -l < C4.err)" -eq 1 ] && grep -q -- "--sigma differs from the sweep saved in C (saved 0.5, given 0.3)" C4.err'
check "... and leaves the folder as it was" diff -r C D

# ---- a damaged cell is recomputed
f=$(ls D/cells | head -1)
sed '2s/^\([^,]*\),\([^,]*\),\([^,]*\),\([^,]*\),[^,]*/\1,\2,\3,\4,0.5/' "D/cells/$f" > e.tmp && mv e.tmp "D/cells/$f"
"$FATE" phase --resume --out D --threads 2 > D.out 2> D.err
check "resume with a damaged cell exits 0" [ $? -eq 0 ]
check "... warns about it" grep -q "$f" D.err
check "... and recomputes it" cmp -s R/runs.csv D/runs.csv

# ---- bad input: exit 2, one line naming the option, no folder
bad_input() { # DESCRIPTION PATTERN ARGS...
  d=$1 p=$2
  shift 2
  "$FATE" phase --model ridge --out X "$@" > x.out 2> x.err
  rc=$?
  if [ $rc -eq 2 ] && [ "$(wc -l < x.err)" -eq 1 ] && grep -q -- "$p" x.err && [ ! -e X ] && [ ! -s x.out ]; then
    ok "$d"
  else
    bad "$d" "rc=$rc err=$(cat x.err)"
  fi
}
bad_input "--gamma 0 is refused" "--gamma must be in (0, 10000]" --gamma 0
bad_input "--lambda -1 is refused" "--lambda" --lambda=-1
bad_input "--d 0 is refused" "--d must be an integer in \[1, 46340\]" --d 0
bad_input "--d 99999999999999999999 is refused" "--d" --d 99999999999999999999
bad_input "--sigma abc is refused" "--sigma expects a number" --sigma abc
bad_input "--instances 0 is refused" "--instances" --instances 0
bad_input "--seed -1 is refused" "--seed" --seed -1
bad_input "an unknown option is refused" "unknown option '--theta' for --model ridge" --theta 1
bad_input "a missing value is refused" "--gamma" --gamma
bad_input "n = round(gamma d) = 0 is refused" "gamma d must round to n >= 1" --d 10 --gamma 0.01
bad_input "n d over 2^31 is refused" "n d" --d 46340 --gamma 2
bad_input "another --model is refused" "--model" --model relu3

echo "# $pass passed, $fail failed"
[ "$fail" -eq 0 ]
