#!/bin/sh
# test_distance_cli.sh - end-to-end tests of `fate distance`: output files and
# their documented headers, one row per task pair, the trends each family must
# show (KL grows with theta and with c; T_lt falls with theta up to pi/2 and
# grows with c; near-useless pairs closer than a helpful pair transfer
# negatively), the theory columns equal `fate run`'s theory (and the simulated
# T its simulation) at a_s = a_t = 1, results independent of the thread count,
# valid figures, and bad input exiting 2 with one line.
# Usage: sh tests/test_distance_cli.sh path/to/fate
. "$(cd "$(dirname "$0")" && pwd)/tap.sh"

# d = 40, n = 20, 4 instances per pair, 60 samples per law: a few seconds
SMALL="--d 40 --instances 4 --samples 60 --seed 3 --quiet"
DISTS="kl_st kl_ts hellinger2 bhattacharyya w2 mmd2_gauss mmd2 energy w1 sw1 knn_kl tv js bl
mmd2_proj energy_proj w1_proj sw1_proj knn_kl_proj tv_proj js_proj bl_proj"
NUMCOLS="family_id,param,a_s,a_t,theta,kl_st,kl_ts,hellinger2,bhattacharyya,w2,mmd2_gauss,mmd2,energy,w1,sw1,knn_kl,tv,js,bl,mmd2_proj,energy_proj,w1_proj,sw1_proj,knn_kl_proj,tv_proj,js_proj,bl_proj,overlap,proj_norm,resid_norm,T_lt,T_lt_sem,T_lt_theory,T_ft,T_ft_sem,T_ft_theory"
CORRHEAD="measure,kind,spearman_T_lt,spearman_T_ft,pairs,spearman_T_lt_angle,spearman_T_lt_scale,spearman_T_lt_near"

# ---- help
"$FATE" distance --help > help.out 2>&1
check "--help exits 0" [ $? -eq 0 ]
check "--help documents the pairs.npy column order" sh -c "tr -d ' \n' < help.out | grep -q '$NUMCOLS'"
check "--help documents the correlation.csv header" sh -c "tr -d ' \\n' < help.out | grep -q '$CORRHEAD'"
check "--help explains the _proj columns" grep -q "_proj" help.out

# ---- a small run and its files
"$FATE" distance $SMALL --threads 2 --out A > A.out 2> A.err
check "small run exits 0" [ $? -eq 0 ]
check "--quiet: nothing on stderr" [ ! -s A.err ]
for f in pairs.csv pairs.npy correlation.csv manifest.json report.md index.html angle_kl.png angle_w1.png \
         overlap.png overlap_zoom.png; do
  check "writes $f" [ -s "A/$f" ]
done
missing=""
for n in $DISTS; do [ -s "A/scatter_$n.png" ] || missing="$missing $n"; done
check "writes scatter_<distance>.png for every distance" [ -z "$missing" ]
check "prints the paths it wrote" sh -c 'grep -q "A/pairs.csv" A.out && grep -q "A/manifest.json" A.out && grep -q "A/scatter_w1.png" A.out'
check "pairs.csv header is the documented one" [ "$(head -1 A/pairs.csv)" = "family,$NUMCOLS" ]
check "correlation.csv header is the documented one" [ "$(head -1 A/correlation.csv)" = "$CORRHEAD" ]
check "pairs.csv has 13 + 10 + 5 rows" [ "$(($(wc -l < A/pairs.csv) - 1))" -eq 28 ]
check "13 angle, 10 scale, 5 near-useless pairs, in that order" [ "$(awk -F, 'NR > 1 { if ($1 != last) printf "%s%s", sep, $1; last = $1; sep = " "; n[$1]++ }
  END { printf " %d %d %d", n["angle"], n["scale"], n["near-useless"] }' A/pairs.csv)" = "angle scale near-useless 13 10 5" ]
check "pairs.npy is a .npy file" [ "$(head -c 6 A/pairs.npy | tail -c 5)" = "NUMPY" ]
check "pairs.npy has shape (pairs, numeric columns)" grep -aq "'shape': (28, 36)" A/pairs.npy
check "manifest lists the npy columns" grep -q '"pairs_npy_columns"' A/manifest.json
check "manifest says complete" grep -q '"status": "complete"' A/manifest.json
if command -v python3 > /dev/null; then
  check "manifest.json parses, its column list is pairs.csv's" python3 -c '
import json, sys
m = json.load(open("A/manifest.json"))
h = open("A/pairs.csv").readline().strip().split(",")[1:]
sys.exit(0 if m["pairs_npy_columns"] == h and m["params"]["d"] == 40 and m["params"]["samples"] == 60 else 1)'
fi
rows=$(($(wc -l < A/correlation.csv) - 1))
check "correlation.csv: one row per distance and feature measure (27, got $rows)" [ "$rows" -eq 27 ]
missing=""
for n in $DISTS; do grep -q "^$n,distance," A/correlation.csv || missing="$missing $n"; done
check "correlation.csv has a row for every distance" [ -z "$missing" ]
for n in overlap proj_norm resid_norm T_lt_theory T_ft_theory; do
  check "correlation.csv has the feature row $n" grep -q "^$n,feature," A/correlation.csv
done

# awk over pairs.csv with columns by name: c["kl_st"] is its field number
COLS='NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }'

# ---- closed forms: KL(p_s || p_t) = |beta_s - beta_t|^2 / (2 sigma^2), both directions
awk -F, "$COLS"'
  { as = $c["a_s"]; at = $c["a_t"]; th = $c["theta"]
    kl = (as * as + at * at - 2 * as * at * cos(th)) / (2 * 0.04)
    e1 = $c["kl_st"] - kl; e2 = $c["kl_ts"] - kl
    if (e1 * e1 > (1e-6 * (1 + kl))^2 || e2 * e2 > (1e-6 * (1 + kl))^2) { print NR, kl, $c["kl_st"], $c["kl_ts"]; bad++ } }
  END { exit bad > 0 }' A/pairs.csv > kl.out
check "kl_st = kl_ts = |beta_s - beta_t|^2/(2 sigma^2) for every pair" [ $? -eq 0 ]

# ---- angle family: KL grows with theta, T_lt falls up to pi/2, theory symmetric
awk -F, "$COLS"'
  $1 == "angle" { n++; th[n] = $c["theta"]; kl[n] = $c["kl_st"]; t[n] = $c["T_lt"]; tt[n] = $c["T_lt_theory"] }
  END {
    for (i = 2; i <= n; i++) {
      if (!(kl[i] > kl[i - 1])) { print "kl", i; bad++ }
      if (th[i] <= 3.1415927 / 2 + 1e-9) {
        if (!(t[i] < t[i - 1])) { print "T_lt", i; bad++ }
        if (!(tt[i] < tt[i - 1])) { print "theory", i; bad++ }
      }
    }
    d = tt[1] - tt[n]; if (d * d > 1e-20) { print "symmetry"; bad++ }
    exit (n != 13 || bad > 0) }' A/pairs.csv > angle.out
check "angle family: KL increases with theta, T_lt decreases on [0, pi/2]" [ $? -eq 0 ]

# ---- scale family: KL and W2 grow, T_lt grows and stays positive
awk -F, "$COLS"'
  $1 == "scale" { n++; kl[n] = $c["kl_st"]; w[n] = $c["w2"]; t[n] = $c["T_lt"]; s[n] = $c["T_lt_sem"]
                  if (!(t[n] - 2 * s[n] > 0)) { print "not helpful", n; bad++ } }
  END {
    for (i = 2; i <= n; i++) if (!(kl[i] > kl[i - 1] && w[i] > w[i - 1] && t[i] > t[i - 1])) { print i; bad++ }
    if (!(kl[n] > 50 * kl[2])) { print "kl range"; bad++ }
    exit (n != 10 || bad > 0) }' A/pairs.csv > scale.out
check "scale family: KL and W2 grow with c, T_lt > 0 grows with c" [ $? -eq 0 ]

# ---- near but useless: smaller KL than a helpful pair, yet negative T_lt
awk -F, "$COLS"'
  { n++; fam[n] = $1; kl[n] = $c["kl_st"]; t[n] = $c["T_lt"]; s[n] = $c["T_lt_sem"] }
  END {
    for (i = 1; i <= n; i++) {
      if (fam[i] != "near-useless" || !(t[i] + 2 * s[i] < 0)) continue
      for (j = 1; j <= n; j++) if (kl[j] > kl[i] && t[j] - 2 * s[j] > 0) { found++; break }
    }
    print found + 0; exit !(found >= 1) }' A/pairs.csv > near.out
check "near-useless pairs closer (KL) than a helpful pair transfer negatively ($(cat near.out))" [ $? -eq 0 ]

# ---- correlations: feature measures order the pairs, distances do not
awk -F, 'NR > 1 { r[$1] = $3; rs[$1] = $7; rn[$1] = $8; k[$1] = $2 }
  END {
    if (!(r["T_lt_theory"] > 0.95)) { print "theory", r["T_lt_theory"]; bad++ }
    if (!(r["proj_norm"] > 0.8)) { print "proj_norm", r["proj_norm"]; bad++ }
    if (!(r["resid_norm"] < -0.8)) { print "resid_norm", r["resid_norm"]; bad++ }
    split("kl_st kl_ts hellinger2 bhattacharyya w2 mmd2_gauss", cf, " ")
    for (i in cf) if (!(rs[cf[i]] > 0.5 && rn[cf[i]] < -0.5)) { print "sign flip", cf[i]; bad++ }
    for (m in k) if (k[m] == "distance" && !(r[m] > -0.5)) { print "predictive?", m, r[m]; bad++ }
    exit bad > 0 }' A/correlation.csv > corr.out
check "Spearman: theory T and |P_u beta_t|^2 order the pairs, no distance does ($(tr '\n' ' ' < corr.out))" [ $? -eq 0 ]
check "report names contradicting pairs" sh -c 'grep -q "Pairs that contradict" A/report.md && grep -q "near-useless a = .* is closer than" A/report.md'
check "report has the correlation table" grep -q "| T_lt_theory | feature |" A/report.md
# sw1 in D = d + 1 dimensions: every pair shares the draws, so its spread
# across the angle family is far below its sd over independent redraws (the
# report marks its rho), while the scale family's spread is real
awk -F'|' '{ for (i = 2; i <= 9; i++) gsub(/^ +| +$/, "", $i) }
  $2 == "angle" && $3 == "sw1" { a = ($8 + 0 < 1 && $7 + 0 > 0 && $9 ~ /within noise/) }
  $2 == "scale" && $3 == "sw1" { s = ($8 + 0 > 3 && $9 !~ /within noise/) }
  END { exit !(a && s) }' A/report.md
check "report: sw1's angle-family spread is within its redraw noise, the scale family's is not" [ $? -eq 0 ]
check "manifest records the sliced redraws" grep -q '"sliced_redraws": 8' A/manifest.json
check "index.html shows the figures" grep -q '<img src="scatter_kl_st.png"' A/index.html

# ---- theory (and simulation) at a_s = a_t = 1 equal fate run's at the same gamma, theta, sigma, d
tbad=0
for k in 0 2 3 4 6 8 10 12; do
  if [ $k -eq 0 ]; then th=0; else th="${k}pi/12"; fi
  "$FATE" run --d 40 --gamma 0.5 --theta "$th" --sigma 0.2 --instances 1 --seed 3 --format csv > run.csv 2>/dev/null || tbad=1
  awk -F, -v k=$k '
    FNR == NR { if ($1 == "lt") lt = $7; if ($1 == "ft") ft = $7; next }
    FNR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    $1 == "angle" && ++a == k + 1 {
      e1 = $c["T_lt_theory"] - lt; e2 = $c["T_ft_theory"] - ft
      exit !(e1 * e1 < 1e-18 && e2 * e2 < 1e-18) }' run.csv A/pairs.csv || { tbad=1; echo "#   theta index $k differs"; }
done
check "T_lt_theory and T_ft_theory equal fate run's theory at a_s = a_t = 1" [ $tbad -eq 0 ]
"$FATE" run --d 40 --gamma 0.5 --theta pi/4 --sigma 0.2 --instances 4 --seed 3 --format csv > run4.csv 2>/dev/null
awk -F, '
  FNR == NR { if ($1 == "lt") { s += $6; n++ } if ($1 == "ft") { f += $6; m++ } next }
  FNR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
  $1 == "angle" && ++a == 4 { e1 = $c["T_lt"] - s / n; e2 = $c["T_ft"] - f / m
    exit !(n == 4 && m == 4 && e1 * e1 < 1e-16 && e2 * e2 < 1e-16) }' run4.csv A/pairs.csv
check "simulated T_lt and T_ft at theta = pi/4 equal fate run's" [ $? -eq 0 ]

# ---- thread count does not change results; other figure formats
"$FATE" distance $SMALL --threads 1 --out B --plot svg > /dev/null 2>&1
check "second run (1 thread, svg) exits 0" [ $? -eq 0 ]
check "1 thread = 2 threads (pairs.csv)" cmp -s A/pairs.csv B/pairs.csv
check "1 thread = 2 threads (correlation.csv)" cmp -s A/correlation.csv B/correlation.csv
check "--plot svg writes SVG" grep -q "<svg" B/angle_kl.svg
check "--plot svg writes no PNG" [ -z "$(ls B | grep '\.png$')" ]

# ---- figures: valid, not blank
for f in angle_kl angle_w1 overlap overlap_zoom scatter_kl_st scatter_w1 scatter_tv_proj; do
  check "$f.png is a PNG" [ "$(head -c 8 "A/$f.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]
  check "$f.png is not blank (> 20 kB)" [ "$(wc -c < "A/$f.png")" -gt 20000 ]
done

# ---- bad input: one line on stderr naming the option, exit 2, nothing written
badcase() {
  desc=$1; opt=$2; shift 2
  "$FATE" distance "$@" --out X > bo.out 2> be.out
  rc=$?
  if [ $rc -eq 2 ] && [ ! -s bo.out ] && [ "$(wc -l < be.out)" -eq 1 ] && grep -q -- "$opt" be.out; then ok "$desc"
  else bad "$desc" "rc=$rc stderr: $(cat be.out)"; fi
}
badcase "--gamma 0" --gamma --gamma 0
badcase "--gamma too small for n >= 3" --gamma --gamma 0.01
badcase "--sigma 0" --sigma --sigma 0
badcase "--sigma -1" --sigma --sigma -1
badcase "--d 2" --d --d 2
badcase "--depth 1" --depth --depth 1
badcase "--instances 1" --instances --instances 1
badcase "--samples 5" --samples --samples 5
badcase "--samples 10000" --samples --samples 10000
badcase "--theta 4" --theta --theta 0,4
badcase "--scale 0" --scale --scale 0,2
badcase "--near -0.1" --near --near -0.1
badcase "--near bad range" --near --near 0.1:0.5
badcase "--plot gif" --plot --plot gif
badcase "--threads 0" --threads --threads 0
badcase "--seed -1" --seed --seed -1
badcase "--d without a value" --d --samples 100 --d
badcase "unknown option" --bogus --bogus 1
check "bad input created no output folder" [ ! -e X ]

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
