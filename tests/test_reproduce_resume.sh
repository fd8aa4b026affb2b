#!/bin/sh
# test_reproduce_resume.sh - `fate reproduce --resume` given the original
# command line (the habit of appending --resume to a killed command): the
# same options, parsed, continue with byte-identical files; a changed one is
# refused in one line naming it with both values, exit 2, nothing in the
# folder touched. Kept small: --quick --only sigma0 with 2 instances (about a
# second). Usage: sh tests/test_reproduce_resume.sh path/to/fate
. "$(cd "$(dirname "$0")" && pwd)/tap.sh"

LINE="--quick --only sigma0 --instances 2 --quiet --plot none"
"$FATE" reproduce $LINE --out R > /dev/null 2> R.err
check "a small reproduce exits 0" [ $? -eq 0 ]
check "... and writes its summary" [ -s R/sigma0/summary.csv ]
cp -R R R0

# every file but the manifest (times, and the words of the last call) and the lock (a pid)
same_files() {
  diff -r -x manifest.json -x .fate.lock "$1" "$2" > diff.out 2>&1
}

# ---- the original line with --resume appended continues
"$FATE" reproduce $LINE --out R --resume > /dev/null 2> C.err
check "original line + --resume exits 0" [ $? -eq 0 ]
check "... writes byte-identical files" same_files R0 R
check "... and says nothing on stderr" [ ! -s C.err ]
# parsed values, not words: a default written out, options in another order
"$FATE" reproduce --resume --seed 1 --d 100 --instances 2 --only sigma0 --quick --quick \
  --out R --quiet --plot none > /dev/null 2> C2.err
check "defaults written out + --resume continues" [ $? -eq 0 ]
check "... byte-identical" same_files R0 R
# the plain form still works
"$FATE" reproduce --resume --out R --quiet --plot none > /dev/null 2> C3.err
check "--resume --out DIR alone continues" [ $? -eq 0 ]
check "... byte-identical" same_files R0 R

# ---- a changed option: refused in one line, exit 2, folder unchanged
rm -rf R1
cp -R R R1
refused() { # DESC OPTION SAVED GIVEN ARGS...
  desc=$1 opt=$2 saved=$3 given=$4
  shift 4
  "$FATE" reproduce "$@" --out R --resume > bo.out 2> be.out
  rc=$?
  if [ $rc -eq 2 ] && [ ! -s bo.out ] && [ "$(wc -l < be.out)" -eq 1 ] &&
     grep -q -- "--resume: $opt differs from the run saved in R (saved $saved, given $given)" be.out &&
     diff -r R1 R > /dev/null 2>&1; then ok "$desc"
  else bad "$desc" "rc=$rc stderr: $(cat be.out)"; fi
}
refused "changing --instances is refused" --instances 2 3 --quick --only sigma0 --instances 3 --quiet
refused "changing --seed is refused" --seed 1 7 $LINE --seed 7
refused "changing --d is refused" --d 100 60 $LINE --d 60
refused "changing --only is refused" --only '"sigma0"' '"sigma0,ridge"' --quick --only sigma0,ridge --instances 2
refused "dropping --quick is refused" --quick true false --only sigma0 --instances 2 --d 100

# relu's default instances (4 at --quick) differ from the linear ones (6):
# --instances 6 leaves the linear experiments as saved but not relu. The
# saved words are edited to "--quick --only sigma0,relu --seed 1" (refused
# before anything runs, so relu never starts).
rm -rf R
cp -R R0 R
sed -e 's/"sigma0"/"sigma0,relu"/' -e '/"--instances",/{s/--instances/--seed/;n;s/"2"/"1"/;}' \
  R0/manifest.json > R/manifest.json
rm -rf R1
cp -R R R1
refused "--instances is compared per experiment" --instances '{"linear":6,"relu":4}' '{"linear":6,"relu":6}' \
  --quick --only relu,sigma0 --instances 6

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
