#!/bin/sh
# test_predict.sh - end-to-end tests of `fate predict`: its files and
# headers, one row per pair, results independent of the thread count, the
# correlations of correlation.csv recomputed from pairs.csv by an independent
# NumPy implementation (Spearman with average ranks, Kendall's tau-b by
# brute force), known orderings the theory fixes (the theory's own T ranks
# the theory perfectly; within the angle family at one n, LogME and the
# explained variance rank T_lt of the theory alike), and bad input exiting 2
# with one line and no output folder.
# Usage: sh tests/test_predict.sh path/to/fate
. "$(cd "$(dirname "$0")" && pwd)/tap.sh"

SMALL="--d 16 --gamma 0.5,1.5 --theta 0:pi:5 --scale 0.5,1,2 --near 0.2,0.4 --k 1,2,4 --mu 0,1 --instances 3 --bootstrap 50 --seed 5 --quiet"
"$FATE" predict $SMALL --threads 2 --out A > A.out 2> A.err
check "small run exits 0" [ $? -eq 0 ]
check "--quiet: nothing on stderr" [ ! -s A.err ]
for f in pairs.csv correlation.csv manifest.json report.md index.html scatter_logme.png scatter_neg_kl_st.png \
         scatter_proj.png; do
  check "writes $f" [ -s "A/$f" ]
done
# angle 5 + scale 3 + near 2 + k 3 + top 3 + tail 3 (angles <= pi/2) + relu2 2, at 2 n
check "pairs.csv has 2 x 21 rows" [ "$(($(wc -l < A/pairs.csv) - 1))" -eq 42 ]
check "correlation.csv has 20 predictors x 8 groups x 4 truths" [ "$(($(wc -l < A/correlation.csv) - 1))" -eq 640 ]
check "relu2 rows: no closed-form theory or distance, finite simulated T" /usr/bin/python3 - A <<'PY'
import csv, math, sys
rows = [r for r in csv.DictReader(open(sys.argv[1] + "/pairs.csv")) if r["family"] == "relu2"]
ok = len(rows) == 4 and all(math.isnan(float(r["T_lt_theory"])) and math.isnan(float(r["neg_kl_st"]))
                            and math.isfinite(float(r["T_lt"])) and math.isfinite(float(r["neg_resid"])) for r in rows)
sys.exit(0 if ok else 1)
PY
"$FATE" predict $SMALL --threads 1 --out B > /dev/null 2>&1
check "1 thread: identical pairs.csv" cmp -s A/pairs.csv B/pairs.csv
check "1 thread: identical correlation.csv" cmp -s A/correlation.csv B/correlation.csv

check "correlations recomputed from pairs.csv by NumPy" /usr/bin/python3 - A <<'PY'
import csv, math, sys
import numpy as np
d = sys.argv[1]
pairs = list(csv.DictReader(open(d + "/pairs.csv")))
corr = list(csv.DictReader(open(d + "/correlation.csv")))
def ranks(v):
    order = np.argsort(v, kind="stable"); r = np.empty(len(v))
    i = 0
    while i < len(v):
        j = i
        while j + 1 < len(v) and v[order[j + 1]] == v[order[i]]: j += 1
        r[order[i:j + 1]] = 0.5 * (i + j) + 1.0
        i = j + 1
    return r
def spearman(x, y):
    ra, rb = ranks(x), ranks(y)
    if ra.std() == 0 or rb.std() == 0: return math.nan
    return float(np.corrcoef(ra, rb)[0, 1])
def kendall(x, y):
    c = dd = tx = ty = 0
    for i in range(len(x)):
        for j in range(i + 1, len(x)):
            a, b = x[i] - x[j], y[i] - y[j]
            if a == 0 and b == 0: continue
            if a == 0: tx += 1
            elif b == 0: ty += 1
            elif (a > 0) == (b > 0): c += 1
            else: dd += 1
    n1, n2 = c + dd + tx, c + dd + ty
    return (c - dd) / math.sqrt(n1 * n2) if n1 and n2 else math.nan
bad = 0
for row in corr:
    sel = [p for p in pairs if row["group"] in ("pooled", p["family"])]
    xs = np.array([float(p[row["predictor"]]) for p in sel]); ys = np.array([float(p[row["truth"]]) for p in sel])
    m = np.isfinite(xs) & np.isfinite(ys); xs, ys = xs[m], ys[m]
    if int(row["pairs"]) != len(xs): bad += 1; continue
    rs = spearman(xs, ys) if len(xs) >= 3 else math.nan
    kt = kendall(xs, ys) if len(xs) >= 3 else math.nan
    for name, ref in (("spearman", rs), ("kendall", kt)):
        got = float(row[name])
        if math.isnan(ref) != math.isnan(got) or (not math.isnan(ref) and abs(got - ref) > 1e-12):
            bad += 1; print(row["predictor"], row["group"], row["truth"], name, got, ref, file=sys.stderr)
    lo, hi = float(row["spearman_lo"]), float(row["spearman_hi"])
    if not math.isnan(lo) and not (lo <= hi): bad += 1
sys.exit(1 if bad else 0)
PY
check "theory_T_lt ranks T_lt_theory perfectly (pooled)" awk -F, '$1 == "theory_T_lt" && $3 == "pooled" && $4 == "T_lt_theory" { ok = ($6 > 0.9999999) } END { exit !ok }' A/correlation.csv
check "angle family at one n: LogME and proj order the theory's T_lt alike" /usr/bin/python3 - A <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1] + "/pairs.csv")) if r["family"] == "angle" and r["n"] == "24"]
t = [float(r["T_lt_theory"]) for r in rows]; p = [float(r["proj"]) for r in rows]
# proj = cos^2 theta: T_lt decreases in sin^2 theta, so their orders agree exactly
order = lambda v: sorted(range(len(v)), key=lambda i: (v[i], i))
sys.exit(0 if [round(p[i], 12) for i in order(t)] == sorted(round(x, 12) for x in p) else 1)
PY

# ---- bad input: exit 2, one line naming the option, no output folder
bad_input() {
  "$FATE" predict "$@" --out BAD > bad.out 2> bad.err
  [ $? -eq 2 ] && [ "$(wc -l < bad.err)" -eq 1 ] && [ ! -e BAD ]
}
check "--d 2 is refused" bad_input --d 2
check "--sigma 0 is refused" bad_input --sigma 0
check "--gamma giving n < 4 is refused" bad_input --d 10 --gamma 0.1
check "--k above d - 1 is refused" bad_input --d 10 --k 10
check "--k 1.5 is refused" bad_input --k 1.5
check "--instances 1 is refused" bad_input --instances 1
check "--bootstrap x is refused" bad_input --bootstrap x
check "an unknown option is refused" bad_input --frobnicate
check "the line names the option" sh -c '"$0" predict --k 1.5 --out BAD 2>&1 | grep -q -- "--k"' "$FATE"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
