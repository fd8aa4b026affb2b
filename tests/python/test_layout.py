"""The ctypes mirrors have the layout of include/fate.h, fate_mlp.h and
fate_model.h: sizeof and every field's offsetof agree with a C program
compiled against the headers."""
import ctypes
import os
import shutil
import subprocess

import numpy as np
import pytest

from conftest import REPO
from fate import _lib


def _include_dir():
    return os.environ.get("FATE_INCLUDE") or os.path.join(REPO, "include")


@pytest.fixture(scope="module")
def c_layout(tmp_path_factory):
    cc = shutil.which(os.environ.get("CC", "gcc")) or shutil.which("cc")
    inc = _include_dir()
    if not cc or not os.path.isfile(os.path.join(inc, "fate.h")):
        pytest.skip("no C compiler or no fate.h")
    lines = ['#include <stddef.h>', '#include <stdio.h>', '#include "fate.h"', '#include "fate_mlp.h"',
             '#include "fate_model.h"', 'int main(void) {']
    for name, cls in _lib.STRUCTS.items():
        lines.append('printf("%s sizeof %%zu\\n", sizeof(%s));' % (name, name))
        for field, _ in cls._fields_:
            cf = _lib.c_field_name(field)
            lines.append('printf("%s %s %%zu\\n", offsetof(%s, %s));' % (name, cf, name, cf))
    for enum in ("fate_status", "fate_act", "fate_mlp_scaling", "fate_col_kind", "fate_col_role"):
        lines.append('printf("%s sizeof %%zu\\n", sizeof(%s));' % (enum, enum))
    lines += ['return 0;', '}']
    d = tmp_path_factory.mktemp("layout")
    src, exe = d / "layout.c", d / "layout"
    src.write_text("\n".join(lines) + "\n")
    subprocess.run([cc, "-std=c17", "-I", inc, str(src), "-o", str(exe)], check=True,
                   capture_output=True)
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
    table = {}
    for line in out.splitlines():
        s, f, v = line.split()
        table[(s, f)] = int(v)
    return table


@pytest.mark.parametrize("name", sorted(_lib.STRUCTS))
def test_struct_layout_matches_c(c_layout, name):
    cls = _lib.STRUCTS[name]
    assert ctypes.sizeof(cls) == c_layout[(name, "sizeof")], name
    for field, _ in cls._fields_:
        assert getattr(cls, field).offset == c_layout[(name, _lib.c_field_name(field))], \
            "%s.%s" % (name, field)
    # and every C field is mirrored (no field missing at the end)
    c_fields = {f for (s, f) in c_layout if s == name and f != "sizeof"}
    assert c_fields == {_lib.c_field_name(f) for f, _ in cls._fields_}


@pytest.mark.parametrize("enum", ["fate_status", "fate_act", "fate_mlp_scaling", "fate_col_kind",
                                  "fate_col_role"])
def test_enums_are_int_sized(c_layout, enum):
    assert c_layout[(enum, "sizeof")] == ctypes.sizeof(ctypes.c_int)


def test_model_structs_in_the_library(lib):
    """The exported fate_model structs read through the mirror: their names,
    words and columns."""
    for name in ("linear", "relu2"):
        m = _lib.model(name)
        assert m.name.decode() == name
        assert m.columns and m.run and m.check and m.grid and m.cell_keys
    words = _lib.model("relu2").words
    assert [words[i].decode() for i in range(4)] == ["pretrain", "scratch", "lt", "ft"]


def test_numpy_dtypes_match_structs():
    for cls in (_lib.fate_method_result, _lib.fate_instance_result, _lib.fate_theory_point):
        dt = _lib.struct_dtype(cls)
        assert dt.itemsize == ctypes.sizeof(cls)
        for field, _ in cls._fields_:
            assert dt.fields[_lib.c_field_name(field)][1] == getattr(cls, field).offset
    # a value written by ctypes reads back through the dtype
    r = _lib.fate_instance_result()
    r.lt.risk, r.ft.steps, r.ft_c, r.scratch.converged = 0.25, 7, 1.5, 1
    a = np.frombuffer(bytes(r), dtype=_lib.struct_dtype(_lib.fate_instance_result))
    assert a["lt"]["risk"][0] == 0.25 and a["ft"]["steps"][0] == 7
    assert a["ft_c"][0] == 1.5 and a["scratch"]["converged"][0] == 1
