#!/bin/sh
# test_install.sh - install into a temporary prefix and use the installed copy
# the way a user would: the CLI and its man page, a C program built with
# pkg-config against <fate.h> and libfate.so, and the Python package (installed
# by CMake, and by pip where pip is available).
# Usage: sh tests/test_install.sh BUILD_DIR SOURCE_DIR PYTHON_DIR PYTHON
BUILD=${1:?}; SRC=${2:?}; PYDIR=${3:?}; PY=${4:?}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0
check() { d=$1; shift; if "$@"; then pass=$((pass + 1)); echo "ok - $d"; else fail=$((fail + 1)); echo "not ok - $d"; fi; }
P="$TMP/prefix"
cmake --install "$BUILD" --prefix "$P" > "$TMP/install.log" 2>&1
check "cmake --install into a temporary prefix" [ $? -eq 0 ]
LIB=$(dirname "$(find "$P" -name 'libfate.so.0' | head -1)")
check "versioned shared library installed" [ -n "$LIB" ] && [ -e "$LIB/libfate.so.0" ] && [ -e "$LIB/libfate.so" ]
check "soname is libfate.so.0" sh -c "objdump -p '$LIB/libfate.so' | grep -q 'SONAME *libfate.so.0'"
check "headers installed" [ -f "$P/include/fate.h" ]
# The figures are the CLI's own layer (plot/): neither their header nor
# PLplot, cairo or pango come with the library a C or Python user loads.
check "figure header not installed" [ ! -e "$P/include/fate_plot.h" ]
check "installed library links no PLplot, cairo or pango" \
  sh -c "! readelf -d '$LIB/libfate.so.0' | grep NEEDED | grep -Eq 'plplot|cairo|pango'"
# the man pages exist where help2man was there to make them at build time
if [ -f "$BUILD/fate.1" ]; then
  for page in fate.1 fate-run.1 fate-theory.1 fate-phase.1 fate-reproduce.1 fate-distance.1 fate-predict.1; do
    check "man page $page installed" [ -s "$P/share/man/man1/$page" ]
  done
else
  echo "# skip: no man pages were built (help2man not installed)"
fi
check "installed CLI runs" sh -c "'$P/bin/fate' --version | grep -q '^fate '"
export PKG_CONFIG_PATH="$LIB/pkgconfig"
check "pkg-config --cflags --libs fate" sh -c "pkg-config --cflags --libs fate | grep -q -- '-lfate'"
cc -std=c17 -Wall -Wextra -Werror "$SRC/examples/run_one.c" $(pkg-config --cflags --libs fate) \
   -Wl,-rpath,"$LIB" -o "$TMP/run_one" 2> "$TMP/cc.log"
check "example compiles against the installed copy" [ $? -eq 0 ]
"$TMP/run_one" > "$TMP/run_one.out" 2>&1
check "example runs" [ $? -eq 0 ]
check "example prints risks beside theory" grep -q "fine-tuning .*theory" "$TMP/run_one.out"
check "example uses the installed library" sh -c "ldd '$TMP/run_one' | grep -q '$LIB/libfate.so.0'"
PYTHONPATH="$P/$PYDIR" FATE_LIBRARY= "$PY" -c "
import fate, sys
p = fate.library_path()
assert p.startswith(sys.argv[1]), p
r = fate.theory.risk_scratch(0.5, 0.0)
assert abs(float(r) - 0.5) < 1e-12, r
" "$P" > "$TMP/py.log" 2>&1
check "installed Python package finds the installed library" [ $? -eq 0 ]
# The package alone through pip (python/pyproject.toml), offline with Debian's
# pip, setuptools and wheel, from a copy because setuptools writes build/ and
# fate.egg-info beside the sources. --no-deps: --target does not see the
# system's numpy, which the import below needs anyway.
if "$PY" -m pip --version > /dev/null 2>&1 && "$PY" -c "import setuptools, wheel" > /dev/null 2>&1; then
  cp -r "$SRC/python" "$TMP/pysrc"
  "$PY" -m pip install --no-index --no-build-isolation --no-deps --target "$TMP/pip" "$TMP/pysrc" > "$TMP/pip.log" 2>&1
  check "pip installs python/ offline (pyproject.toml)" [ $? -eq 0 ]
  PYTHONPATH="$TMP/pip" FATE_LIBRARY="$LIB/libfate.so.0" "$PY" -c "
import fate, sys
assert fate.__file__.startswith(sys.argv[1]), fate.__file__
r = fate.run(d=10, instances=2)
assert r['lt']['risk'].shape == (2,), r
" "$TMP/pip" > "$TMP/pip-run.log" 2>&1
  check "pip-installed package runs fate.run on the installed library" [ $? -eq 0 ]
else
  echo "# skip - pip install check: no pip, setuptools or wheel for $PY (Debian: python3-pip)"
fi
[ $fail -eq 0 ] || cat "$TMP/py.log" "$TMP/cc.log" "$TMP/install.log" "$TMP/pip.log" "$TMP/pip-run.log" 2>/dev/null
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
