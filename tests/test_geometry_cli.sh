#!/bin/sh
# test_geometry_cli.sh - the task-geometry options of `fate run` and `fate
# phase` (--k, --overlap, --spectrum incl. file:PATH, --align): small runs
# succeed with a finite theory where it is derived, --overlap gives the
# same cells as the --theta it stands for, a changed geometry refuses
# --resume, and every bad value exits 2 with one stderr line naming the
# option, leaving no output folder. Usage: sh tests/test_geometry_cli.sh fate
. "$(cd "$(dirname "$0")" && pwd)/tap.sh"

# ---- runs that succeed
"$FATE" run --k 4 --d 40 --gamma 0.5 --instances 3 --format csv > k4.csv 2> k4.err
check "run --k 4 exits 0" [ $? -eq 0 ]
lt_theory=$(awk -F, '$1 == "lt" && $2 == 0 { print $4 }' k4.csv)
check "run --k 4: the lt theory column is a finite number ($lt_theory)" \
  awk -v v="$lt_theory" 'BEGIN { exit !(v != "" && v + 0 == v && v != "nan" && v != "inf") }'
"$FATE" run --k 4 --d 40 --gamma 0.5 --instances 3 > k4.txt 2>&1
check "run --k 4: the summary names k" grep -q "k = 4 pretrained features" k4.txt
"$FATE" run --spectrum powerlaw:0.5 --align top --d 30 --gamma 0.5 --instances 2 > pl.txt 2> pl.err
check "run --spectrum powerlaw:0.5 --align top exits 0" [ $? -eq 0 ]
check "run --spectrum: the summary names the spectrum and align" grep -q "spectrum powerlaw:0.5 .*align top" pl.txt
"$FATE" run --overlap 0.5 --d 20 --instances 2 --format csv > ov.csv
"$FATE" run --theta pi/4 --d 20 --instances 2 --format csv > th.csv
check "run --overlap 0.5 equals --theta pi/4" cmp -s ov.csv th.csv

# a spectrum file: values as given, sorted largest first, '#' comments
{ echo "# eigenvalues of Sigma"; echo "1 3 2 # three"; echo "0.5"; } > eig4.txt
{ echo "3 2 1 0.5"; } > eig4s.txt
"$FATE" run --spectrum file:eig4.txt --d 4 --instances 2 --format csv > f1.csv 2>/dev/null
check "run --spectrum file:PATH exits 0" [ $? -eq 0 ]
"$FATE" run --spectrum file:eig4s.txt --d 4 --instances 2 --format csv > f2.csv 2>/dev/null
check "a spectrum file is sorted largest first" cmp -s f1.csv f2.csv
"$FATE" theory --spectrum file:eig4.txt --d 4 --gamma 0.5 --theta pi/4 > th4.txt
check "theory --spectrum file:PATH exits 0" [ $? -eq 0 ]

"$FATE" phase --overlap 0.2,0.8 --gamma 0.5,1.5 --d 30 --instances 2 --out P --plot none --quiet > P.out 2> P.err
check "phase --overlap 0.2,0.8 exits 0" [ $? -eq 0 ]
check "phase --overlap: 2 x 2 cells" grep -q "2 x 2 cells" P.out
check "phase --overlap: the manifest records the overlaps" grep -q '"overlap"' P/manifest.json
thetas=$(awk -F, 'NR > 1 { print $2 }' P/summary.csv | sort -u | tr '\n' ' ')
check "phase --overlap: thetas acos(sqrt(0.8)), acos(sqrt(0.2)), increasing ($thetas)" \
  awk -v t="$thetas" 'BEGIN { n = split(t, v, " "); a = atan2(1, 2); b = atan2(2, 1)
    exit !(n == 2 && (v[1] - a)^2 < 1e-28 && (v[2] - b)^2 < 1e-28) }'

# ---- --resume refuses a changed geometry, naming the option
"$FATE" phase --k 3 --gamma 0.5 --theta pi/4 --d 10 --instances 1 --out R --plot none --quiet > /dev/null 2>&1
"$FATE" phase --k 2 --gamma 0.5 --theta pi/4 --d 10 --instances 1 --out R --plot none --quiet --resume \
  > /dev/null 2> R.err
rc=$?
check "resume with another --k exits 2 naming --k" sh -c "[ $rc -eq 2 ] && grep -q -- '--k differs' R.err"
printf '4 3 2 1 1 1 1 1 1 1\n' > s10.txt
"$FATE" phase --spectrum file:s10.txt --gamma 0.5 --theta pi/4 --d 10 --instances 1 --out S --plot none \
  --quiet > /dev/null 2>&1
printf '5 3 2 1 1 1 1 1 1 1\n' > s10.txt
"$FATE" phase --out S --plot none --quiet --resume > /dev/null 2> S.err
rc=$?
check "resume after the spectrum file changed exits 2 naming --spectrum" \
  sh -c "[ $rc -eq 2 ] && grep -q -- '--spectrum differs' S.err"
"$FATE" phase --spectrum file:s10.txt --align top --gamma 0.5 --theta pi/4 --d 10 --instances 1 --out S \
  --plot none --quiet --resume > /dev/null 2> S2.err
check "resume with another --align exits 2 naming --align" grep -q -- "--align differs" S2.err

# ---- bad input: exit 2, one line naming the option, nothing written
printf '1 -2 3 4\n' > neg.txt
printf '1 nan 3 4\n' > nan.txt
printf '1 2 3\n' > count.txt
printf '1 2\nabc 4\n' > word.txt
refused() { # refused OPTION-NAMED WORDS...: fate run and fate phase refuse WORDS
  name=$1; shift
  for cmd in run phase; do
    rm -rf out
    if [ "$cmd" = run ]; then extra="--trajectory 10"; else extra="--gamma 0.5"; fi
    "$FATE" $cmd --d 4 --instances 1 $extra --out out "$@" > o.txt 2> e.txt
    rc=$?
    lines=$(wc -l < e.txt)
    if [ $rc -eq 2 ] && [ "$lines" -eq 1 ] && grep -q -- "$name" e.txt && [ ! -e out ] && [ ! -s o.txt ]; then
      ok "$cmd $* refused naming $name"
    else
      bad "$cmd $* refused naming $name" "rc $rc, $lines lines: $(head -c 300 e.txt)"
    fi
  done
}
refused --k --k 0
refused --k --k 10000
refused --k --k 4 --theta pi/4
refused --overlap --overlap 1.5
refused --overlap --overlap x
refused --spectrum --spectrum powerlaw:-1
refused --spectrum --spectrum file:/nonexistent
refused "neg.txt line 1" --spectrum file:neg.txt
refused "nan.txt line 1" --spectrum file:nan.txt
refused "--spectrum file:count.txt" --spectrum file:count.txt
refused "word.txt line 2" --spectrum file:word.txt
refused --align --align top
refused --align --align sideways
refused "--k with --spectrum" --k 2 --spectrum powerlaw:1
refused --overlap --overlap 0.5 --theta pi/4
"$FATE" phase --overlap 0.5,0.5 --gamma 0.5 --d 4 --out dup --quiet > /dev/null 2> dup.err
check "phase --overlap with repeated values exits 2" sh -c "[ $? -eq 2 ] && [ ! -e dup ] && grep -q -- --overlap dup.err"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
