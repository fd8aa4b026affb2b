#!/bin/sh
# test_docs.sh - the documentation cannot drift from the program.
#
# usage: sh tests/test_docs.sh path/to/fate path/to/source-tree [man-folder]
#
# - Every command that `fate --help` lists has its section in docs/commands.md
#   (a heading "## `fate <command>`"; `fate phase --model relu2` and
#   `--model ridge` have their own).
# - Every option that `fate <command> --help` lists (a line starting with two
#   spaces and `--name`) is mentioned in that command's section as `--name`,
#   and every option row of the section's tables ("| `--name ...") is an
#   option of that command, so a removed option cannot linger in a table.
# - Every `--name` written in a command's section, or in README.md, is an
#   option of some command (or --help, --version).
# - Every relative link in README.md, docs/*.md and python/README.md points to
#   a file that exists, and a link with an anchor (#name) to a heading of that
#   file, with GitHub's rule for heading anchors (lower case, punctuation other
#   than '-' and '_' dropped, spaces to '-', "-1", "-2" for repeated headings).
# - With a third argument, the folder where help2man made the man pages at
#   build time (CMake passes it when help2man is installed): fate.1 and one
#   page fate-<command>.1 per command of `fate --help` exist, fate.1 names each
#   page, and each page holds every option its command's --help lists
#   (fate-phase.1 also those of --model relu2 and ridge), so the pages cannot
#   drift.
# Prints "ok - ..." / "not ok - ..." per check and "N passed, M failed".
SRC=${2:?usage: sh $0 path/to/fate path/to/source-tree [man-folder]}
MAN=${3:-}
case "$SRC" in /*) ;; *) SRC="$(pwd)/$SRC" ;; esac
case "$MAN" in /* | '') ;; *) MAN="$(pwd)/$MAN" ;; esac
. "$(cd "$(dirname "$0")" && pwd)/tap.sh"
LC_ALL=C
export LC_ALL
DOC="$SRC/docs/commands.md"

check "docs/commands.md exists" [ -f "$DOC" ]

# section KEY: the lines of docs/commands.md from the heading "## `KEY`"
# (that code span, closed, first) to the next level-2 heading.
section() {
    awk -v key="## \`$1\`" '
        /^```/ { code = !code }
        !code && /^## / { on = substr($0, 1, length(key)) == key }
        on { print }' "$DOC"
}
# mentions: the `--name` code spans (a backtick right before the dashes)
mentions() { grep -o '`--[a-z][a-z0-9-]*' | tr -d '`' | sort -u; }
# table_opts: the options that start a table row
table_opts() { grep '^| `--[a-z]' | sed 's/^| `\(--[a-z][a-z0-9-]*\).*/\1/' | sort -u; }
# help_opts CMD...: the options a --help lists
help_opts() { "$FATE" "$@" --help 2>/dev/null | grep '^  --[a-z]' | sed 's/^  \(--[a-z][a-z0-9-]*\).*/\1/' | sort -u; }

# ---- every command of `fate --help` has a section
cmds=$("$FATE" --help | awk '/^commands:/ { on = 1; next } on && /^$/ { exit }
                             on && /^  [a-z]+ / { print $1 }')
check "fate --help lists commands" [ -n "$cmds" ]
for c in $cmds; do
    section "fate $c" > "sec_$c"
    check "docs/commands.md has a section for fate $c" [ -s "sec_$c" ]
done

# ---- options: --help against the section, both ways
# the models with options of their own (`fate phase --model M --help`)
MODELS="relu2 ridge"
all=$( { for c in $cmds; do help_opts "$c"; done; for m in $MODELS; do help_opts phase --model "$m"; done;
         printf -- '--help\n--version\n'; } | sort -u)
printf '%s\n' "$all" > all_opts
opts_check() { # NAME SECTIONFILE HELP-ARGS...
    name=$1 sec=$2
    shift 2
    help_opts "$@" > help_list
    [ -s help_list ] || { bad "$name: --help lists options"; return; }
    missing=$(mentions < "$sec" | comm -13 - help_list | tr '\n' ' ')
    if [ -z "$missing" ]; then ok "$name: every option of --help is in docs/commands.md"
    else bad "$name: every option of --help is in docs/commands.md" "missing: $missing"; fi
    extra=$(table_opts < "$sec" | comm -23 - help_list | tr '\n' ' ')
    if [ -z "$extra" ]; then ok "$name: every option in its tables is in --help"
    else bad "$name: every option in its tables is in --help" "not in --help: $extra"; fi
    gone=$(mentions < "$sec" | comm -23 - all_opts | tr '\n' ' ')
    if [ -z "$gone" ]; then ok "$name: every option it mentions exists"
    else bad "$name: every option it mentions exists" "no command has: $gone"; fi
}
for c in $cmds; do
    opts_check "fate $c" "sec_$c" "$c"
done
for m in $MODELS; do
    section "fate phase --model $m" > "sec_$m"
    check "docs/commands.md has a section for fate phase --model $m" [ -s "sec_$m" ]
    opts_check "fate phase --model $m" "sec_$m" phase --model "$m"
done

gone=$(mentions < "$SRC/README.md" | comm -23 - all_opts | tr '\n' ' ')
if [ -z "$gone" ]; then ok "README.md: every option it mentions exists"
else bad "README.md: every option it mentions exists" "no command has: $gone"; fi

# ---- man pages: every option of a --help on its page
# page_opts PAGE: the --options of a roff page (fonts and \- escapes removed)
page_opts() { sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' "$1" | grep -o -- '--[a-z][a-z0-9-]*' | sort -u; }
if [ -n "$MAN" ]; then
    check "man: fate.1 exists" [ -s "$MAN/fate.1" ]
    for c in $cmds; do
        page="$MAN/fate-$c.1"
        check "man: fate.1 names fate-$c(1)" grep -q "^\.BR fate-$c (1)" "$MAN/fate.1"
        if [ ! -s "$page" ]; then bad "man: fate-$c.1 exists"; continue; fi
        ok "man: fate-$c.1 exists"
        { help_opts "$c"; [ "$c" = phase ] && for m in $MODELS; do help_opts phase --model "$m"; done; } | sort -u > help_list
        missing=$(page_opts "$page" | comm -13 - help_list | tr '\n' ' ')
        if [ -s help_list ] && [ -z "$missing" ]; then ok "man: fate-$c.1 has every option of its --help"
        else bad "man: fate-$c.1 has every option of its --help" "missing: $missing"; fi
    done
else
    echo "# skip: no man pages (help2man not installed when built)"
fi

# ---- links
# anchors FILE: GitHub's anchor of every heading outside code blocks
anchors() {
    awk '/^```/ { code = !code; next }
         !code && /^#+ / {
             h = $0; sub(/^#+ +/, "", h); h = tolower(h)
             gsub(/[^a-z0-9 _-]/, "", h); gsub(/ /, "-", h)
             a = h; if (h in seen) a = h "-" seen[h]; seen[h]++
             print a }' "$1"
}
for f in "$SRC/README.md" "$SRC"/docs/*.md "$SRC/python/README.md"; do
    rel=${f#"$SRC"/}
    dir=$(dirname "$f")
    links=$(awk '/^```/ { code = !code; next }
                 !code { s = $0
                   while (match(s, /\]\([^) ]+\)/)) {
                       print substr(s, RSTART + 2, RLENGTH - 3); s = substr(s, RSTART + RLENGTH) } }' "$f" |
            grep -v -E '^(https?|mailto):')
    broken=""
    for l in $links; do
        path=${l%%#*}
        anchor=""
        case "$l" in *'#'*) anchor=${l#*#} ;; esac
        if [ -z "$path" ]; then target=$f; else target="$dir/$path"; fi
        if [ ! -e "$target" ]; then broken="$broken $l"; continue; fi
        if [ -n "$anchor" ]; then
            case "$target" in
            *.md) anchors "$target" | grep -qx -- "$anchor" || broken="$broken $l" ;;
            esac
        fi
    done
    if [ -z "$broken" ]; then ok "$rel: every relative link and anchor resolves"
    else bad "$rel: every relative link and anchor resolves" "broken:$broken"; fi
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
