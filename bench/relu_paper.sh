#!/bin/sh
# relu_paper.sh - the measurements behind bench/RESULTS.md, "The two-layer
# experiment at the paper's size": run from the repository root after
# `make build`. Writes into ${OUT:-/tmp/fate-relu-bench} and prints the
# tables. About 10 minutes on 2 cores (the full `fate reproduce --only relu`
# it times at the end takes about 16 more; skip it with FULL=0).
set -e
F=build/fate
OUT=${OUT:-/tmp/fate-relu-bench}
mkdir -p "$OUT"
PAPER="--d 100 --mstar 100 --width 1000 --n-src 2000 --online --pretrain-steps 2000 --pretrain-lr 0.5 --steps 20000 --n-test 10000"
echo "== machine"; uname -m; nproc; uptime

echo "== 1. the step: fate (double, single) and PyTorch, one thread"
/usr/bin/python3 bench/relu_step.py --n 25,100,400,1600 --steps 20

echo "== 2. single against double precision on the same draws (mu 0.5, 1; n 100, 400, 1600; 1 instance)"
for p in double single; do
  /usr/bin/time -f "$p: %e s wall, %U s user" $F phase --model relu2 $PAPER --mu 0.5,1 --n 100,400,1600 \
    --instances 1 --methods scratch,lt,ft --precision $p --threads 2 --plot none --quiet --out "$OUT/prec_$p"
done
/usr/bin/python3 - "$OUT" <<'PY'
import csv, sys
o = sys.argv[1]
rows = {p: list(csv.DictReader(open("%s/prec_%s/runs.csv" % (o, p)))) for p in ("double", "single")}
worst = 0.0
print("%-5s %-5s %-9s %-14s %-14s %-10s" % ("mu", "n", "method", "double", "single", "|diff|/se"))
for a, b in zip(rows["double"], rows["single"]):
    z = abs(float(a["risk"]) - float(b["risk"])) / float(a["risk_se"])
    worst = max(worst, z)
    print("%-5s %-5s %-9s %-14.8g %-14.8g %-10.2e" % (a["mu"], a["n"], a["method"], float(a["risk"]),
                                                   float(b["risk"]), z))
print("largest |risk difference| / standard error: %.2e" % worst)
PY

echo "== 3. update rules for the target trainings (scratch and ft, mu 0.5, n 400 and 1600, 1 instance)"
for o in "gd --lr 0.5" "momentum --lr 0.05 --beta1 0.9" "adam --lr 1e-4" "adam --lr 1e-3"; do
  name=$(echo "$o" | tr ' ' '_' | tr -d '-')
  /usr/bin/time -f "$o: %e s wall" $F phase --model relu2 $PAPER --mu 0.5 --n 400,1600 --instances 1 \
    --methods scratch,ft --optimizer $o --precision single --threads 2 --plot none --quiet --out "$OUT/opt_$name"
  awk -F, 'NR > 1 && $3 != "lt" {printf "  %-8s n %-5s risk %.6g steps %s converged %s\n", $3, $2, $5, $9, $10}' \
    "$OUT/opt_$name/runs.csv"
done

if [ "${FULL:-1}" = 1 ]; then
  echo "== 4. fate reproduce --only relu (the paper's size, 8 instances, 2 threads)"
  rm -rf "$OUT/full"
  /usr/bin/time -f "full: %e s wall, %U s user" $F reproduce --only relu --out "$OUT/full" --quiet
fi
