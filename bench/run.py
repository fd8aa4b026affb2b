#!/usr/bin/env python3
"""Side-by-side benchmark: fate against PyTorch references on the same
machine, same task, same protocol, same thread count, in one run.

  python3 bench/run.py [--threads 2] [--quick]

For each workload it exports the task from fate (bench_protocol --export),
runs fate (at depth 2 in Gram form, the engine of the protocols, and in the
weight form of the public fate_dln_train; ratios are to the first), then bench/torch_ref.py in the tuned and paper styles in float64
and float32, and prints a table: wall time, instance GD steps per second,
peak memory, time ratio reference/fate, and the largest relative difference
of the final risks from fate's. Paper-style runs at full size take hours, so
they are timed on --paper-steps steps per training and projected (marked).
Every process gets OPENBLAS_NUM_THREADS=1 and the same --threads: fate runs
instances on OpenMP threads with single-threaded BLAS; PyTorch runs its
intra-op threads (torch.set_num_threads) over OpenBLAS, single-threaded
inside, so neither side oversubscribes the cores.
"""
import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PY = "/usr/bin/python3"

WORKLOADS = {
    "A": dict(d=500, depth=2, instances=20, n="250,500,750", epochs=1000, lr=0.03, sigma=0.2),
    "B": dict(d=200, depth=3, instances=10, n="100,200,300", epochs=1000, lr=0.03, sigma=0.2),
}
QUICK = {
    "A": dict(d=100, depth=2, instances=4, n="50,100,150", epochs=200, lr=0.03, sigma=0.2),
    "B": dict(d=60, depth=3, instances=4, n="30,60,90", epochs=200, lr=0.03, sigma=0.2),
}


def risks(path):
    with open(path) as fh:
        return {(r["instance"], r["n"], r["method"]): float(r["risk"]) for r in csv.DictReader(fh)}


def run(cmd, env):
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def cpu_name():
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke test of the harness)")
    ap.add_argument("--paper-steps", type=int, default=5)
    ap.add_argument("--workloads", default="A,B")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    a = ap.parse_args()
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS=str(a.threads))
    table = []
    print(f"machine: {cpu_name()}, {os.cpu_count()} cores; threads per run: {a.threads}")
    print("BLAS: fate links OpenBLAS (CBLAS); PyTorch (Debian python3-torch) calls the system "
          "libblas.so.3, which update-alternatives points to OpenBLAS (checked below)")
    alt = subprocess.run(["update-alternatives", "--query", "libblas.so.3-x86_64-linux-gnu"],
                         capture_output=True, text=True).stdout
    for line in alt.splitlines():
        if line.startswith("Value:"):
            print("  libblas.so.3 ->", line.split(":", 1)[1].strip())
    for name in a.workloads.split(","):
        w = (QUICK if a.quick else WORKLOADS)[name]
        with tempfile.TemporaryDirectory() as tmp:
            common = ["--d", str(w["d"]), "--depth", str(w["depth"]), "--instances", str(w["instances"]),
                      "--n", w["n"], "--epochs", str(w["epochs"]), "--lr", str(w["lr"])]
            # depth 2: the Gram form (what the protocols run) is the baseline,
            # the weight form of the public fate_dln_train is shown beside it
            engines = ["gram", "w"] if w["depth"] == 2 else ["w"]
            base = ref = None
            for eng in engines:
                fate_csv = os.path.join(tmp, f"fate_{eng}.csv")
                rec = run([os.path.join(a.build, "bench_protocol")] + common +
                          ["--sigma", str(w["sigma"]), "--threads", str(a.threads), "--engine", eng,
                           "--out", fate_csv] + (["--export", tmp] if base is None else []), env)
                rec["workload"] = name
                if base is None:
                    base, ref = rec["wall_s"], risks(fate_csv)
                    rec["max_rel_risk_diff"] = 0.0
                else:
                    got = risks(fate_csv)
                    rec["max_rel_risk_diff"] = max(abs(got[k] - ref[k]) / abs(ref[k]) for k in ref)
                rec["ratio"] = rec["wall_s"] / base
                table.append(rec)
            tcommon = ["--data", tmp, "--depth", str(w["depth"]), "--n", w["n"], "--epochs", str(w["epochs"]),
                       "--lr", str(w["lr"]), "--threads", str(a.threads)]
            for style in ("tuned", "paper"):
                for dtype in ("float64", "float32"):
                    out_csv = os.path.join(tmp, f"{style}_{dtype}.csv")
                    extra = ["--max-steps", str(a.paper_steps)] if style == "paper" and not a.quick else []
                    r = run([PY, os.path.join(HERE, "torch_ref.py"), "--style", style, "--dtype", dtype,
                             "--out", out_csv] + tcommon + extra, env)
                    r["workload"] = name
                    r["ratio"] = r["wall_s"] / base
                    if os.path.exists(out_csv):
                        got = risks(out_csv)
                        r["max_rel_risk_diff"] = max(abs(got[k] - ref[k]) / abs(ref[k]) for k in ref)
                    else:
                        r["max_rel_risk_diff"] = None
                    table.append(r)
                    print(json.dumps(r), file=sys.stderr)
    print()
    print(f"| workload | implementation | dtype | wall (s) | GD steps/s | peak MB | time / fate | max rel. risk diff |")
    print(f"|---|---|---|---|---|---|---|---|")
    for r in table:
        wall = f"{r['wall_s']:.2f}" + (" (projected)" if r.get("projected") else "")
        ratio = "1" if r["ratio"] == 1.0 else f"{r['ratio']:.1f}x"
        diff = "—" if r["max_rel_risk_diff"] is None else f"{r['max_rel_risk_diff']:.1e}"
        print(f"| {r['workload']} | {r['impl']} | {r['dtype']} | {wall} | {r['steps_per_s']:.0f} | "
              f"{r['maxrss_mb']:.0f} | {ratio} | {diff} |")


if __name__ == "__main__":
    main()
