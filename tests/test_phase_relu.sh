#!/bin/sh
# test_phase_relu.sh - end-to-end tests of `fate phase --model relu2`:
# files and headers, summary = statistics of runs.csv, scratch shared across
# the overlap, 1 vs 2 threads identical, SIGINT + --resume gives files
# identical to an uninterrupted run, figures valid and not blank, and bad
# input exits 2 with one line naming the option.
# Usage: sh tests/test_phase_relu.sh path/to/fate
. "$(cd "$(dirname "$0")" && pwd)/tap.sh"

SMALL="--model relu2 --d 6 --mstar 3 --width 30 --n-src 200 --n 4,8,16,64 --mu 0:1:4 --instances 3 --steps 6000 --lr 0.3 --n-test 2000 --quiet"

"$FATE" phase $SMALL --out A --threads 2 --plot png,svg > A.out 2> A.err
check "relu2 sweep exits 0" [ $? -eq 0 ]
for f in runs.csv summary.csv powerlaw.csv boundary.csv risk.npy T.npy mus.npy ns.npy manifest.json \
         phase_lt.png phase_ft.png pperp.png scratch_fit.png gram.png phase_lt.svg; do
  check "writes $f" [ -s "A/$f" ]
done
check "prints the fit and the boundary table" grep -q "scratch fit R_sc = A n^-p" A.out
check "runs.csv header is stable" [ "$(head -1 A/runs.csv)" = \
  "mu,n,method,instance,risk,risk_se,T,train_loss,steps,converged,lr_eff,lt_rank,pperp_student,pperp_source,target_norm2" ]
check "summary.csv header is stable" [ "$(head -1 A/summary.csv)" = \
  "mu,n,method,instances,mean_risk,std_risk,sem_risk,mean_T,std_T,sem_T,converged_frac,mean_steps,pperp_student,pperp_source,predicted_risk,predicted_T" ]
# 16 cells x 3 instances x (pretrain, scratch, lt, ft)
check "runs.csv has one row per (cell, method, instance)" [ "$(($(wc -l < A/runs.csv) - 1))" -eq 192 ]
check "summary.csv has one row per (cell, method)" [ "$(($(wc -l < A/summary.csv) - 1))" -eq 64 ]
check "boundary.csv has one row per mu" [ "$(($(wc -l < A/boundary.csv) - 1))" -eq 4 ]
check "risk.npy has shape (mu, n, method, instance)" grep -aq "'shape': (4, 4, 4, 3)" A/risk.npy

awk -F, '
  NR == FNR { if (FNR > 1) { k = $1 "," $2 "," $3; n[k]++; s[k] += $5; q[k] += $5 * $5; t[k] += $7 } next }
  FNR > 1 {
    k = $1 "," $2 "," $3; m = s[k] / n[k]
    sd = sqrt((q[k] - n[k] * m * m) / (n[k] - 1))
    if (n[k] != $4) bad++
    if ((m - $5)^2 > (1e-12 * (1 + m))^2) { print "mean_risk " k; bad++ }
    if ($3 != "pretrain" && ((t[k] / n[k]) - $8)^2 > 1e-24 * (1 + $8 * $8)) { print "mean_T " k; bad++ }
    if ((sd - $6)^2 > (1e-7 * (1 + sd))^2) { print "std_risk " k; bad++ }
    rows++
  }
  END { exit !(rows == 64 && bad == 0) }' A/runs.csv A/summary.csv > awk.out 2>&1
check "summary.csv = statistics of runs.csv" [ $? -eq 0 ]
awk -F, 'FNR > 1 && $3 == "scratch" { k = $2 "," $4; if (k in r && r[k] != $5) bad++; r[k] = $5 } END { exit bad > 0 }' A/runs.csv
check "scratch does not depend on mu (shared target sets)" [ $? -eq 0 ]
awk -F, 'NR == FNR { if (FNR > 1 && $3 == "scratch") sc[$2 "," $4] = $5; next }
  FNR > 1 && ($3 == "lt" || $3 == "ft") { T = sc[$2 "," $4] - $5; if ((T - $7)^2 > 1e-20) bad++ }
  END { exit bad > 0 }' A/runs.csv A/runs.csv
check "T = R_scratch - R_method per instance" [ $? -eq 0 ]
check "powerlaw.csv holds a finite fit" awk -F, 'NR == 2 { exit !($1 > 0 && $3 > 0) }' A/powerlaw.csv
check "mu = 0: the source teacher spans the target" awk -F, 'NR == 2 { exit !($4 < 1e-12) }' A/boundary.csv

# ---- 1 vs 2 threads
"$FATE" phase $SMALL --out B --threads 1 --plot none > /dev/null 2>&1
check "1 and 2 threads write identical runs.csv" cmp -s A/runs.csv B/runs.csv

# ---- a folder reused by the other model starts over (job_sync_params)
"$FATE" phase --d 6 --gamma 0.5,1.5 --theta pi/4 --instances 2 --plot none --quiet --out B > /dev/null 2>&1
check "linear sweep into a relu2 folder exits 0" [ $? -eq 0 ]
check "its relu2 files and cells are gone" [ ! -e B/powerlaw.csv ] && [ ! -e B/mus.npy ] && \
  [ "$(ls B/cells | grep -c '^cell_.*csv$')" -eq 2 ]
"$FATE" phase $SMALL --out B --threads 2 --plot none > /dev/null 2>&1
check "relu2 again in that folder gives the first results" cmp -s A/runs.csv B/runs.csv
check "the linear files are gone" [ ! -e B/gammas.npy ] && [ ! -e B/lambdas.npy ]

# ---- SIGINT and --resume
"$FATE" phase $SMALL --out C --threads 1 --plot none > C.out 2> C.err &
pid=$!
i=0
while [ "$(ls C/cells 2>/dev/null | grep -c '^cell_.*csv$')" -lt 2 ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
kill -INT $pid 2>/dev/null
wait $pid
rc=$?
check "SIGINT exits 130" [ $rc -eq 130 ]
check "SIGINT says how to resume" grep -q -- "--resume --out C" C.err
"$FATE" phase --resume --out C --threads 2 --plot none > C2.out 2> C2.err
check "--resume (model read from the folder) exits 0" [ $? -eq 0 ]
check "resumed runs.csv identical to uninterrupted" cmp -s A/runs.csv C/runs.csv
check "resumed summary.csv identical" cmp -s A/summary.csv C/summary.csv
# the original command line with --resume appended continues; a changed
# parameter is refused in one line naming it with both values
rm -f C/runs.csv
"$FATE" phase $SMALL --out C --threads 2 --plot none --resume > C3.out 2> C3.err
check "the original command line with --resume appended exits 0" [ $? -eq 0 ]
check "... and gives the same runs.csv" cmp -s A/runs.csv C/runs.csv
"$FATE" phase $SMALL --sigma 0.3 --out C --plot none --resume > C4.out 2> C4.err
check "a changed parameter with --resume exits 2" [ $? -eq 2 ]
check "... naming the option and both values in one line" \
  sh -c '[ "$(wc -l < C4.err)" -eq 1 ] && grep -q -- "--sigma differs from the sweep saved in C (saved 0.0, given 0.3)" C4.err'

# ---- a cell file with the right row count but wrong rows is recomputed
cp -r C E
f=$(ls E/cells | head -1)
awk -F, 'BEGIN { OFS = "," } $3 == "lt" && !done { $3 = "ft"; done = 1 } { print }' "E/cells/$f" > e.tmp && mv e.tmp "E/cells/$f"
"$FATE" phase --resume --out E --threads 2 --plot none > E.out 2> E.err
check "resume with a tampered cell exits 0" [ $? -eq 0 ]
check "the tampered cell was recomputed" cmp -s A/runs.csv E/runs.csv

# ---- figures are PNGs with content
for f in phase_lt phase_ft pperp scratch_fit gram; do
  check "$f.png is a PNG" [ "$(head -c 4 A/$f.png | tail -c 3)" = "PNG" ]
  check "$f.png is not blank" [ "$(wc -c < A/$f.png)" -gt 20000 ]
done

# ---- single-index teachers over theta
"$FATE" phase --model relu2 --d 5 --width 12 --n-src 60 --n 4,16 --theta 0,pi/2 --instances 2 --steps 500 \
  --n-test 500 --quiet --plot none --out S > S.out 2> S.err
check "--theta sweeps single-index teachers" [ $? -eq 0 ] && [ "$(head -c 6 S/runs.csv)" = "theta," ]

# ---- divergence stops with a message saying what to change
"$FATE" phase --model relu2 --lr 1000 --d 5 --width 10 --n 4,8 --mu 0,1 --instances 1 --quiet --out D > D.out 2> D.err
rc=$?
check "divergence exits 1" [ $rc -eq 1 ]
check "divergence names the method, step and --lr" grep -q "diverged.*at step.*smaller --lr" D.err

# ---- LP-FT (--methods ...,lpft; simulation only): its rows beside the
# others', which are the default run's bytes; w_move last; NaN predictions
"$FATE" phase $SMALL --methods scratch,lt,ft,lpft --lambda 1e-4 --out L --threads 2 --plot png > L.out 2> L.err
check "relu2 sweep with lpft exits 0" [ $? -eq 0 ]
check "runs.csv with lpft has w_move last" [ "$(head -1 L/runs.csv)" = \
  "mu,n,method,instance,risk,risk_se,T,train_loss,steps,converged,lr_eff,lt_rank,pperp_student,pperp_source,target_norm2,w_move" ]
# 16 cells x 3 instances x (pretrain, scratch, lt, ft, lpft)
check "runs.csv has the lpft rows" [ "$(($(wc -l < L/runs.csv) - 1))" -eq 240 ] && \
  [ "$(awk -F, '$3 == "lpft"' L/runs.csv | wc -l)" -eq 48 ]
check "risk.npy has the fifth method" grep -aq "'shape': (4, 4, 5, 3)" L/risk.npy
"$FATE" phase $SMALL --lambda 1e-4 --out L0 --threads 2 --plot none > /dev/null 2>&1
check "adding lpft leaves the other rows unchanged" \
  sh -c 'cut -d, -f1-15 L/runs.csv | grep -v ",lpft," | cmp -s - L0/runs.csv'
awk -F, 'NR == FNR { if ($3 == "scratch") sc[$2 "," $4] = $5; next }
  FNR > 1 && $3 == "lpft" { T = sc[$2 "," $4] - $5; if ((T - $7)^2 > 1e-20 || !($16 >= 0)) bad++ }
  FNR > 1 && $3 == "lt" && $16 != 0 { bad++ }
  END { exit bad > 0 }' L/runs.csv L/runs.csv
check "lpft: T = R_scratch - R_lpft, w_move >= 0 (0 for lt)" [ $? -eq 0 ]
check "lpft has no prediction (simulation only)" \
  awk -F, 'FNR > 1 && $3 == "lpft" && ($15 != "nan" || $16 != "nan") { bad++ } END { exit bad > 0 }' L/summary.csv
check "summary.csv with lpft ends with w_move's statistics" sh -c 'head -1 L/summary.csv | grep -q ",predicted_T,mean_w_move,std_w_move,sem_w_move$"'
check "phase_lpft.png is drawn" [ "$(wc -c < L/phase_lpft.png)" -gt 20000 ]
"$FATE" phase $SMALL --methods scratch,lt,ft,lpft --lambda 1e-4 --out L1 --threads 1 --plot none > /dev/null 2>&1
check "lpft: 1 and 2 threads write identical runs.csv" cmp -s L/runs.csv L1/runs.csv
"$FATE" phase --model relu2 --d 5 --width 10 --n 16 --mu 0.5 --instances 1 --methods lpft --quiet --plot none --out DL > /dev/null 2> DL.err
check "lpft at --lambda 0 diverging says to give the probe a ridge" grep -q "LP-FT's fine-tuning diverged.*--lambda" DL.err

# ---- single precision and Adam (issue 17's levers): thread-independent,
# resumable, recorded in sweep.json (a changed --precision is refused), and
# the risks near the double ones
FAST="--model relu2 --d 6 --mstar 3 --width 30 --n-src 200 --n 8,32 --mu 0,1 --instances 2 --steps 3000 --n-test 2000 --plot none --quiet"
"$FATE" phase $FAST --precision single --optimizer adam --lr 0.01 --threads 1 --out S1 > /dev/null 2>&1
check "single + adam sweep exits 0" [ $? -eq 0 ]
"$FATE" phase $FAST --precision single --optimizer adam --lr 0.01 --threads 2 --out S2 > /dev/null 2>&1
check "single + adam: runs.csv identical on 1 and 2 threads" cmp -s S1/runs.csv S2/runs.csv
check "sweep.json records precision and optimizer" \
  sh -c "grep -q '\"precision\": \"single\"' S1/sweep.json && grep -q '\"optimizer\": \"adam\"' S1/sweep.json"
"$FATE" phase $FAST --precision double --optimizer adam --lr 0.01 --out S1 --resume > /dev/null 2> S3.err
rc=$?
check "--resume with another --precision is refused in one line naming it" \
  sh -c "[ $rc -eq 2 ] && [ \$(wc -l < S3.err) -eq 1 ] && grep -q -- --precision S3.err"
"$FATE" phase $FAST --optimizer adam --lr 0.01 --out S6 > /dev/null 2> S6.err
check "adam without --pretrain-lr warns that pretraining runs at Adam's lr" grep -q -- "--pretrain-lr" S6.err
"$FATE" phase $FAST --threads 2 --out S4 > /dev/null 2>&1
"$FATE" phase $FAST --precision single --threads 2 --out S5 > /dev/null 2>&1
check "single precision: every risk within 1e-3 relative and 0.1 standard error of double" \
  /usr/bin/python3 - S4/runs.csv S5/runs.csv <<'PY'
import csv, sys
a, b = (list(csv.DictReader(open(f))) for f in sys.argv[1:3])
assert len(a) == len(b) > 0
for x, y in zip(a, b):
    d = abs(float(x["risk"]) - float(y["risk"]))
    assert d <= 1e-3 * float(x["risk"]) + 1e-12 and d <= 0.1 * float(x["risk_se"]), (x, y)
PY

# ---- bad input: exit 2, one line naming the option
badcase() {
  desc=$1; want=$2; shift 2
  "$FATE" phase --model relu2 "$@" --out X > x.out 2> x.err
  rc=$?
  if [ $rc -eq 2 ] && [ "$(wc -l < x.err)" -eq 1 ] && grep -q -- "$want" x.err && [ ! -s x.out ]; then ok "$desc"
  else bad "$desc" "rc=$rc err=$(cat x.err)"; fi
}
badcase "--mu out of range" "--mu" --mu 0,1.5
badcase "--n not an integer" "--n" --n 4,8.5
badcase "--n zero" "--n" --n 0,4
badcase "--act unknown" "--act" --act sigmoid
badcase "--scaling unknown" "--scaling" --scaling huge
badcase "--mu with --theta" "exclude" --mu 0,1 --theta 0,1
badcase "--lr not a number" "--lr" --lr fast
badcase "--pperp-rcond 1" "--pperp-rcond" --pperp-rcond 1
badcase "unknown option" "--gamma" --gamma 0.5
badcase "a flag given a value" "--online" --online=1
badcase "--methods with a method relu2 lacks" "--methods" --methods lpft,l2sp
badcase "--methods unknown" "--methods" --methods lt,probe
badcase "--optimizer unknown" "--optimizer" --optimizer sgd
badcase "--precision unknown" "--precision" --precision half
badcase "--beta1 1" "--beta1" --beta1 1
badcase "--beta1 0 (0 is no decay; the range is open)" "--beta1" --beta1 0
badcase "--beta2 negative" "--beta2" --beta2 -0.5
badcase "--pretrain-steps not an integer" "--pretrain-steps" --pretrain-steps 1.5
"$FATE" phase --model tanh > x.out 2> x.err
check "--model unknown exits 2" [ $? -eq 2 ] && grep -q -- "--model" x.err
check "no folder for bad input" [ ! -e X ]

echo "# $pass passed, $fail failed"
[ "$fail" -eq 0 ]
