#!/bin/sh
# test_rel_lock.sh - defect 3 of the reliability review: a folder is locked
# while a command writes it (a second command into it exits 2 naming the
# process), the lock dies with the process (kill -9 leaves none), and a folder
# written by another command is refused. The first command is stopped
# (SIGSTOP) once its manifest exists, so it holds the folder however fast it
# would otherwise finish. Usage: sh test_rel_lock.sh path/to/fate
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../tap.sh"
. "$HERE/common.inc"

# start "$@" in the background and stop it once $DIR/manifest.json exists
start_stopped() {
  rm -rf "$DIR"
  "$FATE" "$@" > /dev/null 2>&1 &
  pid=$!
  i=0
  while [ ! -e "$DIR/manifest.json" ] && [ $i -lt 2000 ]; do sleep 0.01; i=$((i + 1)); done
  kill -STOP $pid
}

A="--d 60 --gamma 0.2:1.8:8 --theta pi/16:pi/2:6 --instances 6 --lambda 0,0.1 --plot none --quiet"
DIR=X start_stopped phase $A --seed 7 --out X --threads 1
"$FATE" phase $A --seed 8 --out X --threads 2 > two.out 2> two.err
check "a second phase into a busy folder exits 2" [ $? -eq 2 ]
check "it says the folder is in use by process $pid ($(cat two.err))" grep -q "in use by process $pid" two.err
check "in one line" [ "$(wc -l < two.err)" -eq 1 ]
"$FATE" distance --d 10 --instances 2 --samples 20 --theta 0,pi/2 --scale 1 --near 0.2 --plot none --quiet \
  --out X > d.out 2> d.err
check "distance into the busy folder exits 2" [ $? -eq 2 ]
kill -KILL $pid
wait $pid 2>/dev/null
# the killed process left its lock file, but not its lock
"$FATE" phase $A --seed 7 --out X --threads 2 > three.out 2> three.err
check "after kill -9 the folder is free again" [ $? -eq 0 ]
check "runs.csv holds one seed's rows only" [ "$(($(wc -l < X/runs.csv) - 1))" -eq 1152 ]

# relu2 and reproduce take the lock too
R="--model relu2 --d 5 --mstar 2 --width 12 --n-src 60 --n 4,8,16,32 --mu 0,0.5,1 --instances 4 --steps 40000 --n-test 500 --plot none --quiet --threads 1"
DIR=Q start_stopped phase $R --out Q
"$FATE" phase $R --out Q > q.out 2> q.err
check "relu2: a second phase into a busy folder exits 2" [ $? -eq 2 ]
check "relu2: naming process $pid" grep -q "process $pid" q.err
kill -KILL $pid
wait $pid 2>/dev/null
RP="--quick --only sigma0 --d 60 --instances 2 --plot none --quiet --threads 1"
DIR=REP start_stopped reproduce $RP --out REP
"$FATE" reproduce $RP --out REP > r.out 2> r.err
check "reproduce: a second run into a busy folder exits 2" [ $? -eq 2 ]
check "reproduce: naming process $pid" grep -q "process $pid" r.err
kill -CONT $pid
wait $pid
check "the first reproduce finishes" [ $? -eq 0 ]

# a folder of another command is refused, an empty one is taken
S="--d 10 --gamma 0.5,1.5 --theta pi/4 --instances 2 --plot none --quiet"
"$FATE" phase $S --out REP > p.out 2> p.err
check "phase --out on a reproduce folder exits 2" [ $? -eq 2 ]
check "naming --out, the folder and its command ($(cat p.err))" grep -q -- "--out.*REP.*reproduce" p.err
check "in one line" [ "$(wc -l < p.err)" -eq 1 ]
"$FATE" phase $S --out REP/sigma0/ > p.out 2> p.err
check "phase --out on a reproduce sub-folder exits 2" [ $? -eq 2 ]
check "naming the reproduce folder ($(cat p.err))" grep -q -- "--out.*part of the results of .fate reproduce. in 'REP'" p.err
"$FATE" reproduce --resume --out REP --plot none --quiet > /dev/null 2>&1
check "the reproduce folder still resumes" [ $? -eq 0 ]
"$FATE" distance --d 10 --instances 2 --samples 20 --theta 0,pi/2 --scale 1 --near 0.2 --plot none --quiet \
  --out DIST > /dev/null 2>&1
"$FATE" phase $S --out DIST > p.out 2> p.err
check "phase --out on a distance folder exits 2" [ $? -eq 2 ]
check "naming distance" grep -q "distance" p.err
"$FATE" reproduce $RP --out DIST > p.out 2> p.err
check "reproduce --out on a distance folder exits 2" [ $? -eq 2 ]
"$FATE" distance --d 10 --instances 2 --samples 20 --theta 0,pi/2 --scale 1 --near 0.2 --plot none --quiet \
  --out X > p.out 2> p.err
check "distance --out on a phase folder exits 2" [ $? -eq 2 ]
"$FATE" phase $S --out X > /dev/null 2>&1
check "phase into its own folder is fine" [ $? -eq 0 ]
mkdir EMPTY
"$FATE" phase $S --out EMPTY > /dev/null 2>&1
check "an empty folder is fine" [ $? -eq 0 ]
finish
