#!/bin/sh
# man-page.sh - the man page of one fate command, made by help2man from that
# command's --help at build time, so the page cannot drift from --help.
#
# usage: sh cmake/man-page.sh HELP2MAN FATE VERSION COMMAND NAME OUT.1 INCLUDE.h2m
#
# help2man runs "PROGRAM --help" and names the page after PROGRAM, so it runs
# a stand-in script called fate-COMMAND that runs `fate COMMAND`. The page of
# phase also carries `fate phase --model relu2 --help` (a second model with
# its own options) as the section "TWO-LAYER NETWORKS", made the same way and
# added as an include file. --version-string keeps help2man from asking the
# stand-in for --version, which the commands do not take.
set -e
[ $# -eq 7 ] || { echo "usage: sh $0 HELP2MAN FATE VERSION COMMAND NAME OUT.1 INCLUDE.h2m" >&2; exit 2; }
H2M=$1 FATE_BIN=$2 VERSION=$3 CMD=$4 NAME=$5 OUT=$6 INC=$7
export FATE_BIN
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# stand-in NAME ARGS...: an executable $TMP/NAME that runs fate ARGS
stand_in() {
    f="$TMP/$1"
    shift
    printf '#!/bin/sh\nexec "$FATE_BIN" %s "$@"\n' "$*" > "$f"
    chmod +x "$f"
}

stand_in "fate-$CMD" "$CMD"
set -- --include "$INC"
if [ "$CMD" = phase ]; then
    stand_in fate-phase-relu2 phase --model relu2
    "$H2M" --no-info --no-discard-stderr --version-string="$VERSION" --name relu2 \
        --output "$TMP/relu2.1" "$TMP/fate-phase-relu2"
    # its DESCRIPTION body (roff) as an include section of the phase page
    { echo '[TWO-LAYER NETWORKS]'
      sed -n '/^\.SH DESCRIPTION/,/^\.SH /p' "$TMP/relu2.1" | sed '1d;/^\.SH /d'; } > "$TMP/relu2.h2m"
    set -- "$@" --include "$TMP/relu2.h2m"
fi
"$H2M" --no-info --no-discard-stderr --version-string="$VERSION" --name "$NAME" "$@" \
    --output "$OUT.tmp" "$TMP/fate-$CMD"
mv "$OUT.tmp" "$OUT"
