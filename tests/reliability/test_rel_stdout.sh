#!/bin/sh
# test_rel_stdout.sh - defect 5 of the reliability review: an error writing
# standard output (/dev/full, a full disk) makes the command exit 1 with
# "fate <cmd>: error writing standard output: ..." instead of exiting 0 with
# truncated output. Usage: sh test_rel_stdout.sh path/to/fate
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../tap.sh"
. "$HERE/common.inc"

expect_fail() { # name rc errfile
  check "$1 exits 1 (got $2)" [ "$2" -eq 1 ]
  check "$1 says so ($(head -c 200 "$3"))" grep -q "error writing standard output: No space left on device" "$3"
}
if [ -w /dev/full ]; then
  "$FATE" run --d 10 --gamma 0.5 --instances 2 > /dev/full 2> run.err
  expect_fail "fate run > /dev/full" $? run.err
  "$FATE" run --d 10 --gamma 0.5 --instances 2 --format json > /dev/full 2> run.err
  expect_fail "fate run --format json > /dev/full" $? run.err
  "$FATE" theory --gamma 0.5 --theta 0.3 > /dev/full 2> th.err
  expect_fail "fate theory > /dev/full" $? th.err
  "$FATE" --version > /dev/full 2> v.err
  check "fate --version > /dev/full exits 1" [ $? -eq 1 ]
  "$FATE" phase --d 10 --gamma 0.5,1.5 --theta pi/4 --instances 2 --plot none --quiet --out P > /dev/full 2> p.err
  expect_fail "fate phase > /dev/full" $? p.err
  "$FATE" run --d 10 --gamma 0.5 --instances 2 > ok.out 2> ok.err
  check "a normal run still exits 0" [ $? -eq 0 ]
else
  echo "# skip: /dev/full is not writable here"
fi
if small_fs SMALL 64; then
  "$FATE" theory --gamma 0.01:2:2000 --format csv > SMALL/theory.csv 2> th.err
  expect_fail "fate theory --format csv on a full disk" $? th.err
fi
finish
