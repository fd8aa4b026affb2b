#!/bin/sh
# test_rel_fuzz_parse.sh - a bounded fuzz of the option parser (issue 12).
#
# For every option that each command's --help lists (fate run, theory, phase,
# phase --model relu2, reproduce, distance, predict) it feeds values that are bad by
# construction: the whole fixed pool of its kind (numbers, unsigned
# integers, angles, lists, words) for the first option of each kind, PICK
# values of the pool for every option, and GEN values generated from a
# fixed seed (negative, huge, fractional, junk before or after a valid value,
# empty list elements, bad range counts); then the option without its value,
# each flag given a value, and unknown options. Every call must exit 2 with
# exactly one stderr line that names the option, print nothing on stdout and
# create nothing in its (empty) working folder. Only values refused while
# parsing are generated, and the base options keep any run tiny, so the whole
# fuzz takes a few seconds; a call that runs anyway is stopped after 10 s.
#
# An option of a --help without a kind below fails the test: add its kind.
# usage: sh tests/reliability/test_rel_fuzz_parse.sh path/to/fate
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../tap.sh"
. "$HERE/common.inc"
LC_ALL=C
export LC_ALL
set -f # values such as *pi are words, not patterns
SEED=20261205
PICK=2 # values from the fixed pool of the option's kind, per option
GEN=3  # generated values, per option
X=$SEED
calls=0

# rnd N: R = a pseudo-random integer in [0, N) (an LCG: the same sequence
# on every run and every shell).
rnd() { X=$(((X * 1103515245 + 12345) % 2147483648)); R=$(((X / 65536) % $1)); }
# choose LIST: V = a random element of LIST.
choose() {
  old=$IFS; IFS='|'; set -- $1; IFS=$old
  V=""; [ "$#" -gt 0 ] || return 0
  rnd $#; shift "$R"; V=$1
}
digits() { # D = N random digits, the first not 0
  D=""; rnd 9; D=$((R + 1)); k=1
  while [ "$k" -lt "$1" ]; do rnd 10; D="$D$R"; k=$((k + 1)); done
}
letters() { # L = 1..8 random lowercase letters
  L=""; rnd 8; n=$((R + 1))
  while [ "$n" -gt 0 ]; do choose "a|b|c|d|e|f|g|h|k|m|q|r|s|t|u|w|z"; L="$L$V"; n=$((n - 1)); done
}

# kind CMD OPT: K = the kind of the option, S = a valid value of it (for
# lists: an element; for words: the words, '|'-separated).
kind() {
  S=""
  case "$1:$2" in
  *:--out) K=path ;;
  *:--seed) K=u64 ;;
  *:--format) K=word; S="table|csv|json" ;;
  *:--baseline) K=word; S="scratch|ridge|ridge_cv|early_stop|best" ;;
  *:--model) K=word; S="linear|relu2" ;;
  *:--act) K=word; S="relu|tanh|erf|linear" ;;
  *:--scaling) K=word; S="mean-field|standard" ;;
  *:--optimizer) K=word; S="gd|momentum|adam" ;;
  *:--precision) K=word; S="double|single" ;;
  *:--plot) K=words; S="png|svg|pdf" ;;
  relu:--methods) K=words; S="scratch|lt|ft|lpft" ;;
  *:--methods) K=words; S="scratch|lt|ft|lpft|l2sp|ridge|ridge_cv|early_stop|l2sp_w" ;;
  *:--only) K=words; S="sigma0|sigma0.2|ridge|decay|source|relu|beyond|geometry" ;;
  *:--align) K=word; S="random|top|tail" ;;
  *:--spectrum) K=spectrum ;;
  run:--theta) K=angle ;;
  *:--theta | *:--slices) K=alist; S="pi/4" ;;
  phase:--gamma | theory:--gamma | theory:--gamma-src) K=rlist; S=0.5 ;;
  phase:--lambda | theory:--lambda | theory:--sigma | theory:--sigma-src | theory:--l2sp-lambda) K=rlist; S=0 ;;
  relu:--mu | predict:--mu) K=rlist; S=0.5 ;;
  theory:--k) K=nlist; S=4 ;;
  run:--k | phase:--k) K=int ;;
  run:--overlap) K=real ;;
  phase:--overlap) K=rlist; S=0.5 ;;
  theory:--rho) K=rlist; S=0.5 ;;
  distance:--scale | predict:--scale) K=rlist; S=1 ;;
  distance:--near | predict:--near) K=rlist; S=0.1 ;;
  predict:--gamma) K=rlist; S=0.5 ;;
  predict:--k) K=nlist; S=4 ;;
  relu:--n) K=nlist; S=4 ;;
  *:--n | *:--d | *:--n-src | *:--depth | *:--width | *:--epochs | *:--instances | *:--threads | \
    *:--mstar | *:--n-test | *:--steps | *:--batch | *:--fit-min-n | *:--samples | *:--trajectory | \
    *:--bootstrap | *:--pretrain-steps) K=int ;;
  *:--gamma | *:--lambda | *:--sigma | *:--gamma-src | *:--sigma-src | *:--init-scale | *:--lr | \
    *:--tol | *:--rcond | *:--weight-decay | *:--rel-tol | *:--readout-init | *:--pperp-rcond | \
    *:--gram-mu | *:--l2sp-lambda | *:--alpha | *:--beta1 | *:--beta2 | *:--pretrain-lr) K=real ;;
  *) K="" ;;
  esac
}

# The fixed pools. Every real option has a bound >= 0 and <= 1e12, every
# integer option a bound <= 1e9 (--seed excepted), so these are all bad.
P_int='|abc| 1|1 |+1|-1|-0|1.5|1e3|0x10|18446744073709551616|99999999999999999999999|nan|inf|1e400|1,2'
P_u64='|abc| -1|-1|+1| 1|1 |-0|1.5|1e3|0x10|18446744073709551616|nan|1,2'
P_real='|abc| 0.5|0.5 |-1|1e400|1e300|nan|inf|-inf|0.5x|1,2|1:2:3|0.5.5'
P_angle='|abc|*pi|pi*|*pi/4| pi/4|pi/4 |pi/ 4|pi/0|pi/|2pi|-pi|4|-0.1|45 deg| 45deg|190deg|nan|inf|1e400|pi/4,pi/2|2*|pipi'
P_list='|,|S,,S|,S|S,| S|S |S, S|S:S: 3|S:S:0|S:S|S:S:2:2|S,S:S:2|-1|1e300|nan|abc|S,abc'
P_nlist='|,|4,,8|,4|4,|1.5|0|-1|1e300|4, 8|4:8: 2|abc|4:8:0'
P_word='|abc| S|S |S,S|SS'
P_words='|,|S,,S|,S|S,| S|S |abc|S,abc'
P_spectrum='|abc|powerlaw|powerlaw:|powerlaw:-1|powerlaw:101|powerlaw:nan|powerlaw:inf|powerlaw: 1|powerlaw:1 |powerlaw:1:2|POWERLAW:1|spiked|spiked:|spiked:2|spiked:2:|spiked::2|spiked:0:2|spiked:-1:2|spiked:1.5:2|spiked:2:0|spiked:2:-1|spiked:2:nan|spiked:2:2:2|spiked: 2:2|file:x|file:|file:/nonexistent/eig.txt|powerlaw:1,2'

# junk characters: each makes any number it is put before (P) or after (A) bad
J_int_pre="-|+|.|x|,|:|#|_| "
J_int_post="-|+|.|x|,|:|#|_| |e"
J_real_pre="x|,|#|*|_|=| |/"
J_real_post="x|,|:|#|e|/|*|_| "

gen_num() { # V = a bad number (NUM 1: integer kinds, 0: real kinds)
  if [ "$1" -eq 1 ]; then rnd 6; else rnd 5; fi
  form=$R
  case $form in
  0) digits 3; V="-$D" ;;                                    # negative, not 0
  1) if [ "$1" -eq 1 ]; then digits 22; V=$D; else digits 1; rnd 600; V="${D}e$((R + 13))"; fi ;;
  2) digits 2; D1=$D; digits 2; V="$D1.${D}7" ;;            # a fraction / too many dots
  3) digits 2; if [ "$1" -eq 1 ]; then choose "$J_int_post"; else choose "$J_real_post"; fi; V="$D$V" ;;
  4) digits 2; if [ "$1" -eq 1 ]; then choose "$J_int_pre"; else choose "$J_real_pre"; fi; V="$V$D" ;;
  5) letters; V=$L ;;
  esac
  # for reals, 2 digits '.' 3 digits is a valid number: make it negative
  if [ "$1" -eq 0 ] && [ "$form" -eq 2 ]; then V="-$V"; fi
}
gen_angle() {
  rnd 5
  case $R in
  0) gen_num 0 ;;
  1) digits 3; rnd 6; V="$((R + 4)).$D" ;;                  # > pi
  2) rnd 800; V="$((R + 181))deg" ;;
  3) rnd 8; k=$((R + 1)); choose "$k*pi/|*pi/$k|pi/$k |pi/${k}x| pi/$k|xpi/$k|$k pi|${k}pipi|pi/0|/pi/$k|${k}*pi*|pi/$k/2"; ;;
  4) choose "nan|inf|-inf|infinity|NaN" ;;
  esac
}
gen_list() { # V = a bad list around the valid element S, bad element from GEN_ELEM
  rnd 6
  case $R in
  0) $GEN_ELEM; V="$S,$V" ;;
  1) $GEN_ELEM; case $V in *,* | *:*) ;; *) V="$V,$S" ;; esac ;;
  2) V="$S,,$S" ;;
  3) choose "0|-1|-0|1000001|1.5| 2|2 |x|2,3"; V="$S:$S:$V" ;;
  4) $GEN_ELEM; case $V in *,* | *:*) V="$S,$V" ;; *) V="$V:$S:2" ;; esac ;;
  5) choose ",$S|$S,|$S:$S|$S:$S:2:2"; ;;
  esac
}
gen_word() { # V = a word that is none of S (or valid words joined badly)
  rnd 4
  case $R in
  0 | 1) letters; V=$L; old=$IFS; IFS='|'; for w in $S; do [ "$V" = "$w" ] && V="${V}q"; done; IFS=$old ;;
  2) choose "$S"; V=" $V" ;;
  3) choose "$S"; w=$V; choose "$S"; V="$w,,$V" ;;
  esac
}
gen() { # V = one generated bad value of kind K
  case $K in
  int | u64) gen_num 1 ;;
  real) gen_num 0 ;;
  angle) gen_angle ;;
  alist) GEN_ELEM=gen_angle; gen_list ;;
  rlist | nlist) GEN_ELEM="gen_num 0"; gen_list ;;
  word | words) gen_word ;;
  spectrum) gen_num 0; rnd 2; if [ "$R" -eq 0 ]; then V="powerlaw:$V"; else V="spiked:2:$V"; fi ;;
  path) V="" ;;
  esac
}
pool_of() { # POOL = the fixed pool of kind K
  case $K in
  int) POOL=$P_int ;; u64) POOL=$P_u64 ;; real) POOL=$P_real ;; angle) POOL=$P_angle ;;
  alist | rlist) POOL=$P_list ;; nlist) POOL=$P_nlist ;; word) POOL=$P_word ;; words) POOL=$P_words ;;
  spectrum) POOL=$P_spectrum ;;
  path) POOL="" ;;
  esac
}
subst() { # V = pool pattern $1 with S a valid value (words: a random valid word, SS in capitals)
  V=$1
  if [ "$K" = word ] || [ "$K" = words ]; then
    choose "$S"
    V=$(printf '%s' "$1" | sed "s/SS/$(printf '%s' "$V" | tr a-z A-Z)/; s/S/$V/g")
  else
    case $V in *S*) V=$(printf '%s' "$V" | sed "s|S|$S|g") ;; esac
  fi
}
pool() { pool_of; choose "$POOL"; subst "$V"; } # V = a random value of K's pool
# walk OPT: the whole pool of OPT's kind, once per kind over the fuzz
WALKED=""
walk() {
  case " $WALKED " in *" $K "*) return ;; esac
  WALKED="$WALKED $K"
  wo=$1
  pool_of
  old=$IFS; IFS='|'; set -- $POOL; IFS=$old
  [ "$K" = path ] && set -- ""
  for pat in "$@"; do subst "$pat"; value "$wo" "$V"; done
}

W=$TMP/w
mkdir -p "$W"
FAILS=0
# try NAME WORDS...: one call of fate with BASE and WORDS; NAME must appear
# in the one stderr line.
try() {
  name=$1; shift
  calls=$((calls + 1))
  (cd "$W" && timeout 10 "$FATE" $BASE "$@" >"$TMP/out" 2>"$TMP/err")
  rc=$?
  n=0; first=""
  while IFS= read -r line || [ -n "$line" ]; do n=$((n + 1)); [ "$n" -eq 1 ] && first=$line; done <"$TMP/err"
  why=""
  [ "$rc" -eq 2 ] || why="exit $rc"
  [ "$n" -eq 1 ] || why="$why, $n stderr lines"
  case "$first" in *"$name"*) ;; *) why="$why, stderr does not name $name" ;; esac
  [ -s "$TMP/out" ] && why="$why, stdout not empty"
  set +f
  for f in "$W"/* "$W"/.[!.]*; do [ -e "$f" ] && why="$why, created ${f#"$W"/}"; done
  set -f
  [ -n "$why" ] || return 0
  rm -rf "$W" && mkdir -p "$W"
  cmd_fail=$((cmd_fail + 1))
  [ "$cmd_fail" -le 10 ] && echo "#   fate $CMD ... $(for a in "$@"; do printf "'%s' " "$a"; done): $why: $(head -c 200 "$TMP/err" | tr '\n' '|')"
  return 1
}
# value OPT VALUE: the option with a value, as '--opt value' or '--opt=value'
value() {
  rnd 2
  if [ "$R" -eq 0 ]; then try "$1" "$1" "$2"; else try "$1" "$1=$2"; fi
}

fuzz() { # KEY CMD-WORDS BASE-WORDS
  key=$1 CMD=$2 BASE="$2 $3" cmd_fail=0
  help=$("$FATE" $CMD --help) || { bad "$key: --help failed"; return; }
  vals=$(printf '%s\n' "$help" | sed -n 's/^  *\(--[a-z][a-z0-9-]*\) [A-Z][A-Z]*\( .*\)\{0,1\}$/\1/p')
  flags=$(printf '%s\n' "$help" | sed -n 's/^  *\(--[a-z][a-z0-9-]*\)  *[a-z(].*$/\1/p')
  c0=$calls nopt=0
  for o in $vals; do
    kind "$key" "$o"
    if [ -z "$K" ]; then bad "$key $o: the fuzz has no kind for this option; add it to kind()"; continue; fi
    nopt=$((nopt + 1))
    walk "$o"
    i=0; while [ "$i" -lt "$PICK" ]; do pool; value "$o" "$V"; i=$((i + 1)); done
    i=0; while [ "$i" -lt "$GEN" ]; do gen; value "$o" "$V"; i=$((i + 1)); done
    try "$o" "$o" # its value missing
  done
  for o in $flags; do try "$o" "$o=1"; done
  try "--bogus" --bogus 1
  try "-x" -x
  try "stray" stray
  letters; case " $(echo $vals $flags) " in *" --$L "*) L="${L}q" ;; esac
  try "--$L" "--$L" 1
  if [ "$cmd_fail" -eq 0 ]; then
    ok "$key: $((calls - c0)) bad command lines over $nopt options with values refused (exit 2, one line naming the option, nothing written)"
  else
    bad "$key: $cmd_fail of $((calls - c0)) bad command lines not refused as they should be"
  fi
}

start=$(date +%s)
fuzz run run "--d 4 --instances 1 --epochs 10"
fuzz theory theory "--gamma 0.5 --theta 0"
fuzz phase phase "--d 4 --gamma 0.5 --theta 0 --instances 1 --epochs 10 --plot none --quiet"
fuzz relu "phase --model relu2" "--d 2 --mstar 1 --width 2 --n 2 --mu 0 --steps 10 --n-test 2 --n-src 2 --instances 1 --plot none --quiet"
fuzz reproduce reproduce "--quick --only sigma0 --d 10 --instances 2 --plot none --quiet"
fuzz distance distance "--d 6 --instances 2 --samples 20 --theta 0 --scale 1 --near 0.1 --plot none --quiet"
fuzz predict predict "--d 10 --gamma 0.5 --theta 0 --scale 1 --near 0.1 --k 1 --mu 0 --instances 2 --bootstrap 10 --plot none --quiet"
echo "# $calls calls (seed $SEED, $PICK pooled + $GEN generated values per option) in $(($(date +%s) - start)) s"
finish
