#!/bin/sh
# test_rel_cells.sh - defect 4 of the reliability review and two smaller
# ones: a damaged cell file (copied over another cell, a method renamed,
# instance 99, nan as a risk, an edited number) is recomputed with a warning
# naming it and the final files equal a clean run's; stale temporary files of
# a killed run are removed; seeds >= 2^63 round-trip through sweep.json,
# manifest.json and --resume; with K = 1 the standard error is nan.
# Usage: sh test_rel_cells.sh path/to/fate
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../tap.sh"
. "$HERE/common.inc"

P="--d 10 --gamma 0.5,1.5 --theta pi/4,pi/2 --instances 3 --lambda 0,0.1 --plot none --quiet --seed 5"
"$FATE" phase $P --out REF > /dev/null 2>&1
check "reference sweep runs" [ $? -eq 0 ]
C=cells/cell_g001_t000.csv
# damage: name, then an awk program applied to $C (field 4 method, 6 instance, 7 risk)
damage() {
  rm -rf E; cp -r REF E
  if [ "$2" = copy ]; then cp E/cells/cell_g000_t000.csv E/$C
  else awk -F, -v OFS=, "$2" E/$C > e.tmp && mv e.tmp E/$C; fi
  "$FATE" phase --resume --out E > E.out 2> E.err
  rc=$?
  check "$1: resume exits 0" [ $rc -eq 0 ]
  check "$1: warns naming the file ($(head -c 200 E.err))" grep -q "warning.*E/$C" E.err
  check "$1: runs.csv equals a clean run's" cmp -s REF/runs.csv E/runs.csv
  check "$1: summary.csv equals a clean run's" cmp -s REF/summary.csv E/summary.csv
}
damage "another cell's file" copy
damage "a method renamed" 'FNR > 1 && $4 == "lt" && !d { $4 = "xx"; d = 1 } { print }'
damage "instance 99" 'FNR > 1 && $6 == 2 && !d { $6 = 99; d = 1 } { print }'
damage "nan risk" 'FNR > 1 && $4 == "ft" && !d { $7 = "nan"; d = 1 } { print }'
damage "an edited number" 'FNR == 3 { $7 = sprintf("%.17g", $7 * 1.000001) } { print }'
damage "a row dropped, another doubled" 'FNR == 3 { s = $0 } FNR == 4 { print s; next } { print }'

# a clean resume recomputes nothing and warns about nothing
rm -rf E; cp -r REF E
"$FATE" phase --resume --out E > /dev/null 2> E.err
check "a clean resume warns about nothing ($(head -c 200 E.err))" [ ! -s E.err ]

# stale temporary files of a killed run are removed when a job starts
rm -rf E; cp -r REF E
echo partial > E/cells/cell_g000_t000.csv.tmp.99999
echo partial > E/runs.csv.tmp.99999
"$FATE" phase --resume --out E > /dev/null 2>&1
check "stale cells/*.tmp.* removed" [ ! -e E/cells/cell_g000_t000.csv.tmp.99999 ]
check "stale *.tmp.* in the folder removed" [ ! -e E/runs.csv.tmp.99999 ]

# relu2 cells carry the same checksum
R="--model relu2 --d 5 --mstar 2 --width 12 --n-src 60 --n 4,8 --mu 0,1 --instances 2 --steps 2000 --n-test 500 --plot none --quiet"
"$FATE" phase $R --out RR > /dev/null 2>&1
rm -rf RE; cp -r RR RE
awk -F, -v OFS=, 'FNR == 3 { $5 = sprintf("%.17g", $5 * 1.000001) } { print }' RE/cells/cell_g001_t001.csv > e.tmp
mv e.tmp RE/cells/cell_g001_t001.csv
"$FATE" phase --resume --out RE > /dev/null 2> RE.err
check "relu2: an edited number is recomputed with a warning" grep -q "warning.*RE/cells/cell_g001_t001.csv" RE.err
check "relu2: runs.csv equals a clean run's" cmp -s RR/runs.csv RE/runs.csv

# seeds >= 2^63 round-trip
"$FATE" phase $P --seed 18446744073709551615 --out BIG > /dev/null 2>&1
check "sweep.json keeps the seed 2^64-1" grep -q '"seed": "18446744073709551615"' BIG/sweep.json
check "manifest.json keeps the seed 2^64-1" grep -q '"seed": "18446744073709551615"' BIG/manifest.json
cp BIG/runs.csv big.runs
"$FATE" phase --resume --out BIG > /dev/null 2> big.err
check "--resume of that folder recomputes nothing ($(head -c 200 big.err))" [ ! -s big.err ]
check "--resume of that folder gives the same runs.csv" cmp -s big.runs BIG/runs.csv
"$FATE" phase $P --seed 9223372036854775807 --out MID > /dev/null 2>&1
check "a seed below 2^63 stays a number" grep -q '"seed": 9223372036854775807' MID/sweep.json

# K = 1: the standard error is nan, not 0
"$FATE" phase --d 10 --gamma 0.5 --theta pi/4 --instances 1 --plot none --quiet --out K1 > /dev/null 2>&1
check "K = 1: sem_risk and sem_T are nan" awk -F, 'NR > 1 && ($9 != "nan" || $12 != "nan") { exit 1 }' K1/summary.csv
finish
