#!/bin/sh
# test_rel_atomic.sh - defect 2 of the reliability review: every output file
# (figures, CSV, .npy, JSON, report) is written to a temporary name, synced
# and renamed. On a full disk the command exits 1 naming the file that failed,
# leaves no empty, truncated or temporary file and a manifest that is not
# "running"; a rerun killed while drawing leaves the earlier figures intact.
# Usage: sh test_rel_atomic.sh path/to/fate
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../tap.sh"
. "$HERE/common.inc"

# every PNG in $1 is whole: it ends with the IEND chunk
pngs_whole() {
  for f in "$1"/*.png; do
    [ -e "$f" ] || continue
    [ "$(tail -c 8 "$f" | od -An -tx1 | tr -d ' \n')" = "49454e44ae426082" ] || { echo "# cut: $f"; return 1; }
  done
}
# the invariants of a folder after a run that exited $2 (0 or 1), stderr in $3
folder_sound() { # dir rc errfile label
  check "$4: exits 0 or 1 (got $2)" [ "$2" -eq 0 -o "$2" -eq 1 ]
  if [ "$2" -eq 1 ]; then
    check "$4: names the file that failed ($(head -c 160 "$3"))" grep -Eq "(cannot write|could not write figure) $1/" "$3"
    check "$4: manifest ends failed" grep -q '"status": "failed"' "$1/manifest.json"
  else
    check "$4: manifest complete" grep -q '"status": "complete"' "$1/manifest.json"
  fi
  check "$4: no empty file" [ -z "$(find "$1" -type f -size 0)" ]
  check "$4: no temporary file left" [ -z "$(find "$1" -name '*.tmp.*')" ]
  check "$4: every PNG whole" pngs_whole "$1"
}

P="--d 10 --gamma 0.3:1.5:6 --theta pi/8:pi/2:6 --instances 4 --quiet"
if small_fs S400 400; then
  "$FATE" phase $P --out S400/p > p.out 2> p.err
  rc=$?
  check "phase on a full 400k disk exits 1 (got $rc)" [ $rc -eq 1 ]
  folder_sound S400/p $rc p.err "phase, 400k"
  check "phase does not list a figure it could not write" \
    sh -c 'for f in $(grep "^  " p.out); do [ -s "$f" ] || exit 1; done'
fi
# smaller disks fail earlier: cells, runs.csv, .npy, manifest
for kb in 160 200 240; do
  if small_fs S$kb $kb; then
    "$FATE" phase $P --out S$kb/p > /dev/null 2> p$kb.err
    folder_sound S$kb/p $? p$kb.err "phase, ${kb}k"
  fi
done
if small_fs SD 400; then
  "$FATE" distance --d 10 --instances 2 --samples 50 --theta 0:pi:4 --scale 1,3 --near 0.2,0.4 --quiet \
    --out SD/d > d.out 2> d.err
  rc=$?
  check "distance on a full disk exits 1 (got $rc)" [ $rc -eq 1 ]
  folder_sound SD/d $rc d.err "distance, 400k"
fi
if small_fs SP 300; then
  "$FATE" reproduce --quick --only sigma0 --d 30 --instances 2 --quiet --out SP/r > /dev/null 2> rp.err
  rc=$?
  check "reproduce on a full disk exits 1 (got $rc)" [ $rc -eq 1 ]
  folder_sound SP/r $rc rp.err "reproduce, 300k"
fi
if small_fs SR 120; then
  "$FATE" phase --model relu2 --d 5 --mstar 2 --width 12 --n-src 60 --n 4,8,16 --mu 0,0.5,1 --instances 2 \
    --steps 3000 --n-test 500 --quiet --out SR/r > r.out 2> r.err
  folder_sound SR/r $? r.err "relu2, 120k"
fi

# a failing runs.csv is named as runs.csv
"$FATE" phase $P --plot none --out R > /dev/null 2>&1
rm R/runs.csv; mkdir R/runs.csv
"$FATE" phase $P --plot none --out R > /dev/null 2> R.err
check "an unwritable runs.csv exits 1" [ $? -eq 1 ]
check "and is named runs.csv ($(cat R.err))" grep -q "cannot write R/runs.csv" R.err
check "its manifest ends failed" grep -q '"status": "failed"' R/manifest.json

# a rerun killed while drawing leaves the earlier figures intact
"$FATE" phase $P --out K > /dev/null 2>&1
md5sum K/*.png > K.md5
for delay in 0 0.05 0.15; do
  touch stamp; sleep 0.01
  "$FATE" phase $P --out K > /dev/null 2>&1 &
  pid=$!
  i=0
  while [ -z "$(find K -newer stamp -name '*.png*')" ] && [ $i -lt 1000 ]; do sleep 0.005; i=$((i + 1)); done
  sleep $delay
  kill -KILL $pid 2>/dev/null
  wait $pid 2>/dev/null
  check "killed while drawing (+${delay}s): the PNGs are those of the first run" md5sum -c --quiet K.md5
done
"$FATE" phase $P --out K > /dev/null 2>&1
check "a rerun after the kills draws again" [ $? -eq 0 ]
check "leaving no temporary file" [ -z "$(find K -name '*.tmp.*')" ]
finish
