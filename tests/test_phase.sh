#!/bin/sh
# test_phase.sh - end-to-end tests of `fate phase` and `fate reproduce`:
# output files and headers, summary = statistics of runs.csv, resume after
# SIGINT and SIGKILL gives files identical to an uninterrupted run, the sign
# of simulated T agrees with theory, figures are valid and not blank, and bad
# input exits 2. Usage: sh tests/test_phase.sh path/to/fate
. "$(cd "$(dirname "$0")" && pwd)/tap.sh"

SMALL="--d 40 --gamma 0.25:1.75:4 --theta pi/8:pi/2:4 --lambda 0,0.2 --instances 5 --seed 3 --quiet"

# ---- a small sweep and its files
"$FATE" phase $SMALL --out A --plot png,svg,pdf > A.out 2> A.err
check "small sweep exits 0" [ $? -eq 0 ]
for f in runs.csv summary.csv manifest.json phase_lt.png phase_ft.png slices_lt.png slices_ft.png \
         scratch.png ridge.png phase_lt.svg phase_lt.pdf; do
  check "writes $f" [ -s "A/$f" ]
done
check "prints the paths it wrote" grep -q "A/summary.csv" A.out
check "runs.csv header is stable" [ "$(head -1 A/runs.csv)" = \
  "gamma,theta,n,method,lambda,instance,risk,T,train_loss,loss_min,steps,converged,on_saddle,balance,ft_c" ]
check "summary.csv header is stable" [ "$(head -1 A/summary.csv)" = \
  "gamma,theta,n,method,lambda,instances,mean_risk,std_risk,sem_risk,mean_T,std_T,sem_T,theory_risk,theory_T,theory_T_paper,converged_frac,mean_steps" ]
# 16 cells x 5 instances x (scratch + 2 lambdas of lt + ft)
check "runs.csv has one row per (cell, method, instance, lambda)" [ "$(($(wc -l < A/runs.csv) - 1))" -eq 320 ]
check "summary.csv has one row per (cell, method, lambda)" [ "$(($(wc -l < A/summary.csv) - 1))" -eq 64 ]

# ---- NumPy arrays beside the CSVs
check "summary.npy is a .npy file" [ "$(head -c 6 A/summary.npy | tail -c 5)" = "NUMPY" ]
check "summary.npy has shape (gamma, theta, method, field)" grep -aq "'shape': (4, 4, 4, 11)" A/summary.npy
check "risk.npy has shape (gamma, theta, method, instance)" grep -aq "'shape': (4, 4, 4, 5)" A/risk.npy
check "gammas.npy has shape (4,)" grep -aq "'shape': (4,)" A/gammas.npy

# ---- summary statistics equal those recomputed from runs.csv
awk -F, '
  NR == FNR { if (FNR > 1) { k = $1 "," $2 "," $4 "," $5; n[k]++; s[k] += $7; q[k] += $7 * $7; t[k] += $8; tt[k] += $8 * $8 } next }
  FNR > 1 {
    k = $1 "," $2 "," $4 "," $5; m = s[k] / n[k]; mt = t[k] / n[k]
    sd = sqrt((q[k] - n[k] * m * m) / (n[k] - 1)); se = sd / sqrt(n[k])
    if (n[k] != $6) { print "count " k; bad++ }
    if ((m - $7)^2 > (1e-12 * (1 + (m < 0 ? -m : m)))^2) { print "mean_risk " k " " m " " $7; bad++ }
    if ((mt - $10)^2 > (1e-12 * (1 + (mt < 0 ? -mt : mt)))^2) { print "mean_T " k " " mt " " $10; bad++ }
    if ((se - $9)^2 > (1e-7 * (1 + se))^2) { print "sem_risk " k " " se " " $9; bad++ }
    rows++
  }
  END { if (rows != 64) bad++; exit bad > 0 }' A/runs.csv A/summary.csv > awk.out 2>&1
check "summary.csv = statistics of runs.csv" [ $? -eq 0 ]

# ---- sign of T agrees with theory where |T_theory| > 3 standard errors
awk -F, 'FNR > 1 && ($4 == "lt" || $4 == "ft") && $14 != "inf" && $14 != "nan" {
    th = $14 + 0; se = $12 + 0; if ((th < 0 ? -th : th) > 3 * se) { n++; if ((th > 0) == ($10 > 0)) a++ } }
  END { printf "%d %d\n", a, n; exit !(n > 10 && a >= 0.9 * n) }' A/summary.csv > sign.out
check "sign of T agrees with theory in >= 90% of decided cells ($(cat sign.out))" [ $? -eq 0 ]

# ---- figures: valid files, not blank
for f in A/phase_lt.png A/slices_ft.png A/scratch.png; do
  check "$f is a PNG" [ "$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]
  check "$f is not blank (> 20 kB)" [ "$(wc -c < "$f")" -gt 20000 ]
done
check "SVG is SVG" grep -q "<svg" A/phase_lt.svg
check "PDF is PDF" [ "$(head -c 4 A/phase_lt.pdf)" = "%PDF" ]

# ---- rerunning the same command continues (nothing recomputed) and gives identical files
cp A/runs.csv A.runs; cp A/summary.csv A.summary
"$FATE" phase $SMALL --out A --plot none > /dev/null 2>&1
check "rerun leaves runs.csv identical" cmp -s A.runs A/runs.csv
check "rerun leaves summary.csv identical" cmp -s A.summary A/summary.csv

# ---- SIGINT: finished cells kept, --resume ends with identical files
BIG="--d 60 --gamma 0.2:1.8:6 --theta pi/12:pi/2:6 --instances 6 --seed 5 --quiet --plot none --threads 2"
"$FATE" phase $BIG --out REF > /dev/null 2>&1
"$FATE" phase $BIG --out B > B.out 2> B.err &
pid=$!
i=0
while [ "$(ls B/cells 2>/dev/null | grep -c '^cell_.*csv$')" -lt 2 ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
kill -INT $pid 2>/dev/null
wait $pid
rc=$?
check "SIGINT exits 130" [ $rc -eq 130 ]
check "SIGINT says how to resume" grep -q -- "--resume --out B" B.err
check "SIGINT leaves only some cells done" [ "$(ls B/cells | grep -c '^cell_.*csv$')" -lt 36 ]
check "manifest says interrupted" grep -q '"status": "interrupted"' B/manifest.json
"$FATE" phase --resume --out B --quiet --threads 1 > /dev/null 2>&1
check "--resume completes" [ $? -eq 0 ]
check "resumed runs.csv identical to uninterrupted" cmp -s REF/runs.csv B/runs.csv
check "resumed summary.csv identical to uninterrupted" cmp -s REF/summary.csv B/summary.csv
"$FATE" phase $BIG --out B --resume > /dev/null 2> B2.err
check "the original command line with --resume appended continues" [ $? -eq 0 ]
check "... with the same runs.csv" cmp -s REF/runs.csv B/runs.csv

# ---- SIGKILL: every file parseable, then a rerun completes identically
"$FATE" phase $BIG --out K > /dev/null 2>&1 &
pid=$!
i=0
while [ "$(ls K/cells 2>/dev/null | grep -c '^cell_.*csv$')" -lt 3 ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
kill -KILL $pid 2>/dev/null
wait $pid 2>/dev/null
okfiles=1
for f in K/cells/cell_*.csv; do
  # header plus 6 instances x (scratch, lt, ft)
  [ "$(head -1 "$f" | cut -c1-11)" = "gamma,theta" ] && [ "$(wc -l < "$f")" -eq 19 ] || okfiles=0
done
check "after SIGKILL every saved cell is complete" [ $okfiles -eq 1 ]
if command -v python3 > /dev/null; then
  check "after SIGKILL manifest.json parses" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' K/manifest.json
  check "after SIGKILL sweep.json parses" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' K/sweep.json
fi
"$FATE" phase $BIG --out K > /dev/null 2>&1
check "rerun after SIGKILL completes" [ $? -eq 0 ]
check "after SIGKILL + rerun runs.csv identical" cmp -s REF/runs.csv K/runs.csv
check "after SIGKILL + rerun summary.csv identical" cmp -s REF/summary.csv K/summary.csv

# ---- thread count does not change results
"$FATE" phase $SMALL --out T1 --threads 1 --plot none > /dev/null 2>&1
check "1 thread = 2 threads (runs.csv)" cmp -s A.runs T1/runs.csv

# ---- the methods beyond the paper against a tuned baseline (issue 14)
"$FATE" phase --d 30 --gamma 0.5,1.5 --theta pi/8,3pi/8 --instances 3 --sigma 0.2 --quiet --plot png \
  --methods lt,ft,lpft,l2sp,ridge_cv --baseline ridge --out B > B.out 2> B.err
check "all methods against --baseline ridge exit 0" [ $? -eq 0 ]
for m in lt ft lpft l2sp ridge_cv; do
  check "phase_$m and slices_$m drawn" [ -s "B/phase_$m.png" ] && [ -s "B/slices_$m.png" ]
done
check "no map of the baseline itself" [ ! -e B/phase_ridge.png ]
check "ridge_cv adds its cv_lambda column" [ "$(head -1 B/runs.csv | tr ',' '\n' | tail -1)" = cv_lambda ]
# 4 cells x 3 instances x (lt, ft, lpft, l2sp, ridge, ridge_cv)
check "one row per (cell, method, instance)" [ "$(($(wc -l < B/runs.csv) - 1))" -eq 72 ]
awk -F, 'NR > 1 { k = $1 "," $2 "," $6; if ($4 == "ridge") { rb[k] = $7; if ($8 != 0) bad++ } else r[k "," $4] = $7 "," $8 }
  END { for (x in r) { split(x, a, ","); split(r[x], v, ","); k = a[1] "," a[2] "," a[3]
          d = rb[k] - v[1] - v[2]; if (d * d > 1e-24) { print x, d; bad++ } n++ }
        exit !(n == 60 && bad == 0) }' B/runs.csv > base.out 2>&1
check "T = R_ridge - R on every row ($(head -1 base.out))" [ $? -eq 0 ]
check "the oracle ridge's lambda is its key" \
  awk -F, 'NR > 1 && $4 == "ridge" && $5 == "nan" { bad++ } END { exit bad > 0 }' B/runs.csv
"$FATE" phase --d 30 --gamma 0.5,1.5 --theta pi/8,3pi/8 --instances 3 --sigma 0.2 --quiet --plot none \
  --methods lt,ft,lpft,l2sp,ridge_cv --baseline ridge --threads 1 --out B1 > /dev/null 2>&1
check "1 thread = 2 threads with every method (runs.csv)" cmp -s B/runs.csv B1/runs.csv
"$FATE" phase --d 30 --gamma 0.5,1.5 --theta pi/8,3pi/8 --instances 3 --sigma 0.2 --quiet --plot none \
  --methods lt --baseline best --out BB > /dev/null 2>&1
awk -F, 'NR > 1 { k = $1 "," $2 "," $6; r[k "," $4] = $7; t[k "," $4] = $8; key[k] = 1 }
  END { for (k in key) { b = r[k ",ridge"] < r[k ",ridge_cv"] ? r[k ",ridge"] : r[k ",ridge_cv"]
          if (r[k ",early_stop"] < b) b = r[k ",early_stop"]
          d = b - r[k ",lt"] - t[k ",lt"]; if (d * d > 1e-24) bad++; n++ } exit !(n == 12 && bad == 0) }' BB/runs.csv
check "--baseline best: T = min(R_ridge, R_ridge_cv, R_early_stop) - R" [ $? -eq 0 ]

"$FATE" phase --d 30 --gamma 0.5,1 --theta pi/8 --instances 3 --sigma 0.5 --quiet --plot none \
  --methods scratch,lt --baseline early-stop --out BS > /dev/null 2>&1
check "--baseline early-stop (the issue's spelling) runs" [ -s BS/runs.csv ]
check "early_stop is never above scratch's risk (same training)" awk -F, 'NR > 1 { k = $1 "," $2 "," $6
    if ($4 == "early_stop") e[k] = $7; if ($4 == "scratch") s[k] = $7 }
  END { for (k in e) { n++; if (!(k in s) || e[k] > s[k]) bad++ } exit !(n > 0 && bad == 0) }' BS/runs.csv

# ---- bad input: one line on stderr naming the option, exit 2, nothing on stdout
badcase() {
  desc=$1; opt=$2; shift 2
  "$FATE" "$@" > bo.out 2> be.out
  rc=$?
  if [ $rc -eq 2 ] && [ ! -s bo.out ] && [ "$(wc -l < be.out)" -eq 1 ] && grep -q -- "$opt" be.out; then ok "$desc"
  else bad "$desc" "rc=$rc stderr: $(cat be.out)"; fi
}
badcase "phase --gamma 0" --gamma phase --gamma 0 --out X
badcase "phase --theta 4" --theta phase --theta 0.1,4 --out X
badcase "phase --gamma bad range" --gamma phase --gamma 0.1:2 --out X
badcase "phase --plot gif" --plot phase --plot gif --out X
badcase "phase --lambda -1" --lambda phase --lambda 0,-1 --out X
badcase "phase unsorted --gamma" --gamma phase --gamma 0.5,0.2 --out X
badcase "phase unknown option" --bogus phase --bogus 1
badcase "phase --baseline unknown" --baseline phase --baseline lasso --out X
badcase "phase --l2sp-lambda -1" --l2sp-lambda phase --methods l2sp --l2sp-lambda -1 --out X
badcase "phase --methods unknown" --methods phase --methods lt,dropout --out X
badcase "phase --methods l2sp_w (fate run only)" --methods phase --methods lt,l2sp_w --out X
badcase "phase --resume without a sweep" --resume phase --resume --out NOPE
badcase "phase --resume changing --d" "--resume: --d differs" phase --resume --out A --d 10
# a parameter only the new command line sets (the saved sweep left it at its default) differs too
"$FATE" phase --d 20 --gamma 0.5,1.5 --theta 0,pi/4 --instances 2 --methods scratch,lt,ridge --plot none --quiet \
  --out RB2 > /dev/null 2>&1
badcase "phase --resume adding --baseline" "--baseline differs" phase --d 20 --gamma 0.5,1.5 --theta 0,pi/4 \
  --instances 2 --methods scratch,lt --baseline ridge --out RB2 --resume
# sigma0.2 is reopened for the decay baseline: its files are listed once
"$FATE" reproduce --quick --only sigma0.2,decay --instances 2 --plot none --quiet --out RD > /dev/null 2>&1
if command -v python3 > /dev/null; then
  check "reproduce sigma0.2,decay: manifest lists each file once" python3 -c '
import json, sys
f = json.load(open(sys.argv[1]))["files"]
sys.exit(0 if f and len(f) == len(set(f)) else 1)' RD/manifest.json
fi
# "Beyond the paper": the four maps against the tuned ridge, three slices, the winner map, the paragraph
"$FATE" reproduce --quick --only beyond --d 20 --instances 2 --quiet --out RB > RB.out 2> RB.err
check "reproduce --only beyond exits 0" [ $? -eq 0 ]
for f in phase_lt phase_ft phase_lpft phase_l2sp compare_pi8 compare_pi4 compare_3pi8 winner; do
  check "beyond/$f.png drawn" [ -s "RB/beyond/$f.png" ]
done
check "the report has the section and its paragraph" grep -q "What changes compared with the paper" RB/report.md
check "its comparisons in standard errors" grep -q "LP-FT T against the tuned ridge" RB/report.md
check "T against the tuned ridge in beyond/runs.csv" \
  awk -F, 'NR > 1 && $4 == "ridge" && $8 != 0 { bad++ } END { exit bad > 0 }' RB/beyond/runs.csv
# "Task geometry": k features (k <= d/4: 1, 2, 4 at d = 20) and the three alignments under a power law
"$FATE" reproduce --quick --only geometry --d 20 --instances 3 --quiet --out RG > RG.out 2> RG.err
check "reproduce --only geometry exits 0" [ $? -eq 0 ]
for f in phase_lt_k1 phase_lt_k4 phase_ft_k4 phase_lt_top phase_lt_tail phase_ft_random T_vs_k phase_kappa; do
  check "geometry/$f.png drawn" [ -s "RG/geometry/$f.png" ]
done
check "no k = 8 sweep at d = 20" [ ! -d RG/geometry/k8 ]
check "the report has the section" grep -q "Task geometry" RG/report.md
check "k = 4's linear transfer against its theory in the report" grep -q "k = 4 features, against its exact mean" RG/report.md
check "k = 4: lt theory finite where n > k + 1, infinite at n = k (the inverse-Wishart pole)" /usr/bin/python3 -c '
import csv, math, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["method"] == "lt"]
fin = [math.isfinite(float(r["theory_risk"])) for r in rows if int(r["n"]) > 5]
pole = [float(r["theory_risk"]) == math.inf for r in rows if int(r["n"]) == 4]
sys.exit(0 if fin and all(fin) and pole and all(pole) else 1)' RG/geometry/k4/summary.csv
# a saved option that no longer parses: one line naming the manifest, exit 2
sed 's/"args": \[/"args": ["--bogus", /' RD/manifest.json > RD/m.json && mv RD/m.json RD/manifest.json
"$FATE" reproduce --resume --out RD > RD.out 2> RD.err
check "resume with a bad saved option exits 2" [ $? -eq 2 ]
check "... with one line naming the manifest and the option" \
  sh -c '[ "$(wc -l < RD.err)" -eq 1 ] && grep -q "resume: the options saved in RD/manifest.json: unknown option .--bogus." RD.err'
badcase "reproduce unknown option" --bogus reproduce --bogus
badcase "reproduce --only nonsense" --only reproduce --only foo
badcase "reproduce --instances 1" --instances reproduce --instances 1
check "bad input created no output folder" [ ! -e X ]

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
