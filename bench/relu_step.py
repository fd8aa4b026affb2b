#!/usr/bin/env python3
"""The two-layer training step at the paper's size, fate against PyTorch on
the same machine in one run.

  python3 bench/relu_step.py [--n 25,100,400,1600] [--steps 20]

One full-batch GD step of the mean-field network f(x) = (1/m) sum_i c_i
relu(w_i . x) at m = 1000, d = 100 on n samples, in float64 and float32:

  fate     build/bench_mlp (fate_mlp_train: the gradient of src/mlp.c or
           src/mlp_f32.c and the update), best of 3 repetitions
  pytorch  the same step written as a competent user would: X @ W.T, relu,
           the mean squared error, autograd backward, an in-place update
           under no_grad, no Python work besides; best of 3 repetitions

Both sides run one thread (OPENBLAS_NUM_THREADS=1, torch.set_num_threads(1)):
fate's sweeps run one training per core with single-threaded BLAS inside, so
one thread is the rate that matters. Prints the machine's conditions, then per
(n, precision) the step time of each side and the ratio pytorch / fate.
"""
import argparse
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def fate_steps(ns, steps):
    exe = os.path.join(ROOT, "build", "bench_mlp")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    out = subprocess.run([exe, "1000", "100", ",".join(str(n) for n in ns), str(steps)], env=env,
                         capture_output=True, text=True, check=True).stdout
    res = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 7 and f[0].isdigit():
            res[(int(f[0]), f[1])] = float(f[2]) * 1e-3
    return res, out


def torch_step(n, steps, dtype):
    import torch
    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(1)
    m, d = 1000, 100
    X = torch.randn(n, d, generator=g, dtype=dtype)
    y = torch.randn(n, generator=g, dtype=dtype)
    W = (torch.randn(m, d, generator=g, dtype=dtype) / d ** 0.5).requires_grad_()
    c = (1e-3 * torch.randn(m, generator=g, dtype=dtype)).requires_grad_()
    lr = 1e-3 * m
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(steps):
            f = torch.relu(X @ W.T) @ c / m
            loss = ((f - y) ** 2).mean()
            loss.backward()
            with torch.no_grad():
                W -= lr * W.grad
                c -= lr * c.grad
                W.grad = None
                c.grad = None
        best = min(best, (time.perf_counter() - t0) / steps)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", default="25,100,400,1600")
    ap.add_argument("--steps", type=int, default=20)
    a = ap.parse_args()
    ns = [int(v) for v in a.n.split(",")]
    print("machine: %s, %d cores, load %.2f %.2f %.2f; %s" % (platform.processor() or platform.machine(),
          os.cpu_count(), *os.getloadavg(), platform.platform()))
    fate, raw = fate_steps(ns, a.steps)
    try:
        import torch
        have_torch = True
        print("pytorch %s" % torch.__version__)
    except ImportError:
        have_torch = False
        print("pytorch: not installed (Debian python3-torch); fate's side only")
    print("\n%6s  %-6s  %10s  %12s  %8s" % ("n", "prec", "fate ms", "pytorch ms", "pt/fate"))
    for n in ns:
        for prec, dt in (("double", "float64"), ("single", "float32")):
            tf = fate[(n, prec)]
            if have_torch:
                import torch
                tt = torch_step(n, a.steps, getattr(torch, dt))
                print("%6d  %-6s  %10.3f  %12.3f  %7.2fx" % (n, prec, tf * 1e3, tt * 1e3, tt / tf))
            else:
                print("%6d  %-6s  %10.3f  %12s  %8s" % (n, prec, tf * 1e3, "-", "-"))
    print("\nfate's rates against the same products alone (build/bench_mlp):\n" + raw)
    return 0


if __name__ == "__main__":
    sys.exit(main())
