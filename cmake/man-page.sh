#!/bin/sh
# man-page.sh - the man page of one fate command, made by help2man from that
# command's --help at build time, so the page cannot drift from --help.
#
# usage: sh cmake/man-page.sh HELP2MAN FATE VERSION COMMAND NAME OUT.1 INCLUDE.h2m
#
# help2man runs "PROGRAM --help" and names the page after PROGRAM, so it runs
# a stand-in script called fate-COMMAND that runs `fate COMMAND`. The page of
# phase also carries `fate phase --model relu2 --help` and `--model ridge
# --help` (models with their own options) as sections of their own, made the
# same way and added as include files. --version-string keeps help2man from asking the
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
# model_section MODEL TITLE: `fate phase --model MODEL --help` as the
# section TITLE of the phase page
model_section() {
    stand_in "fate-phase-$1" phase --model "$1"
    "$H2M" --no-info --no-discard-stderr --version-string="$VERSION" --name "$1" \
        --output "$TMP/$1.1" "$TMP/fate-phase-$1"
    # its DESCRIPTION body (roff) as an include section
    { echo "[$2]"
      sed -n '/^\.SH DESCRIPTION/,/^\.SH /p' "$TMP/$1.1" | sed '1d;/^\.SH /d'; } > "$TMP/$1.h2m"
}
if [ "$CMD" = phase ]; then
    model_section relu2 "TWO-LAYER NETWORKS"
    model_section ridge "RIDGE ON THE TARGET (TOY MODEL)"
    set -- "$@" --include "$TMP/relu2.h2m" --include "$TMP/ridge.h2m"
fi
"$H2M" --no-info --no-discard-stderr --version-string="$VERSION" --name "$NAME" "$@" \
    --output "$OUT.tmp" "$TMP/fate-$CMD"
mv "$OUT.tmp" "$OUT"
