# tap.sh - the harness the shell tests share (sourced, not run): resolves the
# fate binary given as $1 to an absolute path, works in a fresh temporary
# folder removed at exit, and prints TAP-style "ok"/"not ok" lines.
#   check "description" command args...   passes when the command succeeds
#   ok "description" / bad "description" ["detail"]
FATE=${1:?usage: sh $0 path/to/fate}
case "$FATE" in /*) ;; *) FATE="$(pwd)/$FATE" ;; esac
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "not ok - $1"; [ -n "${2:-}" ] && echo "#   $2"; }
check() { d=$1; shift; if "$@"; then ok "$d"; else bad "$d"; fi; }
