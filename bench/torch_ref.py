#!/usr/bin/env python3
"""PyTorch references for bench/run.sh: the protocol of bench/bench_protocol.c
(pretraining on |beta - beta_s|^2, then for each target size n training from
scratch and fine-tuning, each exactly EPOCHS full-batch GD steps at a fixed
learning rate) on exactly the same task, loaded from the .npy files that
bench_protocol --export wrote.

Two styles, as researchers write them:
  tuned  the best a competent PyTorch user would write: all instances batched
         in one tensor, the end-to-end vector beta = W_1 ... w_L first, then
         the residual X beta (bmm), autograd, no Python loop inside a step;
  paper  the network as an ordinary layered model: per-sample forward
         X W_1 W_2 ... w_L through every layer (instances stacked), autograd,
         torch.optim.SGD.
Prints one JSON line (wall time, steps, steps/s, peak memory) and writes the
final risks |beta - beta_t|^2 as CSV (instance,n,method,risk).
With --max-steps S each training runs only S steps and the wall time is
projected to the full protocol from the measured per-step cost (for the
paper style, whose full run takes hours); risks are then not written.
"""
import argparse
import json
import resource
import sys
import time

import numpy as np
import torch


def layers(p, d, k, L):
    """Split (K, nparams) into W_1 (K,d,k), W_l (K,k,k), w_L (K,k,1) views."""
    K = p.shape[0]
    out = [p[:, : d * k].reshape(K, d, k)]
    off = d * k
    for _ in range(L - 2):
        out.append(p[:, off: off + k * k].reshape(K, k, k))
        off += k * k
    out.append(p[:, off: off + k].reshape(K, k, 1))
    return out


def leaves(init, d, k, L, dtype):
    return [t.clone().to(dtype).requires_grad_(True) for t in layers(torch.from_numpy(init), d, k, L)]


def end_to_end(ws):
    """beta = W_1 (W_2 (... w_L)): product vector first, (K, d, 1)."""
    v = ws[-1]
    for W in reversed(ws[:-1]):
        v = torch.bmm(W, v)
    return v


def train(ws, loss_fn, steps, lr, style):
    if style == "paper":
        opt = torch.optim.SGD(ws, lr=lr)
        for _ in range(steps):
            opt.zero_grad(set_to_none=True)
            loss_fn(ws).backward()
            opt.step()
    else:
        for _ in range(steps):
            loss = loss_fn(ws)
            grads = torch.autograd.grad(loss, ws)
            with torch.no_grad():
                for w, g in zip(ws, grads):
                    w.sub_(lr * g)
    return ws


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--style", choices=["tuned", "paper"], required=True)
    ap.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    ap.add_argument("--depth", type=int, default=2)
    ap.add_argument("--n", default="250,500,750")
    ap.add_argument("--epochs", type=int, default=1000)
    ap.add_argument("--lr", type=float, default=0.03)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-steps", type=int, default=0)
    ap.add_argument("--out", default="")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    dtype = torch.float64 if a.dtype == "float64" else torch.float32
    X = torch.from_numpy(np.load(f"{a.data}/X.npy")).to(dtype)
    y = torch.from_numpy(np.load(f"{a.data}/y.npy")).to(dtype)
    bs = torch.from_numpy(np.load(f"{a.data}/beta_s.npy")).to(dtype).unsqueeze(2)
    bt = np.load(f"{a.data}/beta_t.npy")
    pre0 = np.load(f"{a.data}/pre_init.npy")
    sc0 = np.load(f"{a.data}/sc_init.npy")
    K, nmax, d = X.shape
    L = a.depth
    k = d
    ns = [int(v) for v in a.n.split(",")]
    steps = a.max_steps if a.max_steps > 0 else a.epochs
    full_steps = K * a.epochs * (1 + 2 * len(ns))  # instance-steps, as fate counts
    done_steps = K * steps * (1 + 2 * len(ns))

    def pop_loss(ws):  # |beta - beta_s|^2 per instance, summed over instances
        return ((end_to_end(ws) - bs) ** 2).sum()

    def emp_loss(Xn, yn):
        if a.style == "tuned":
            def f(ws):  # mean over samples of (x.beta - y)^2, summed over instances
                return ((torch.bmm(Xn, end_to_end(ws)).squeeze(2) - yn) ** 2).mean(dim=1).sum()
        else:
            def f(ws):  # per-sample forward through the layers
                h = Xn
                for W in ws:
                    h = torch.bmm(h, W)
                return ((h.squeeze(2) - yn) ** 2).mean(dim=1).sum()
        return f

    risks = []
    t0 = time.perf_counter()
    pre = train(leaves(pre0, d, k, L, dtype), pop_loss, steps, a.lr, a.style)
    pre = [w.detach() for w in pre]
    for n in ns:
        Xn, yn = X[:, :n, :].contiguous(), y[:, :n].contiguous()
        f = emp_loss(Xn, yn)
        for method in ("scratch", "ft"):
            ws = leaves(sc0, d, k, L, dtype) if method == "scratch" else \
                [w.clone().requires_grad_(True) for w in pre]
            ws = train(ws, f, steps, a.lr, a.style)
            with torch.no_grad():
                beta = end_to_end(ws).squeeze(2).to(torch.float64).numpy()
            r = ((beta - bt) ** 2).sum(axis=1)
            risks += [(i, n, method, float(r[i])) for i in range(K)]
    wall = time.perf_counter() - t0
    proj = wall * full_steps / done_steps
    rec = {"impl": f"pytorch-{a.style}", "dtype": a.dtype, "wall_s": round(proj, 4),
           "measured_wall_s": round(wall, 4), "projected": a.max_steps > 0,
           "gd_steps": full_steps, "steps_per_s": round(full_steps / proj, 1),
           "maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
           "threads": a.threads, "torch": torch.__version__,
           "blas": ("OpenBLAS" if "openblas" in torch.__config__.show().lower() else "see torch.__config__.show()")}
    print(json.dumps(rec))
    if a.out and a.max_steps == 0:
        with open(a.out, "w") as fh:
            fh.write("instance,n,method,risk\n")
            for i, n, m, r in sorted(risks):
                fh.write(f"{i},{n},{m},{r:.17g}\n")


if __name__ == "__main__":
    sys.exit(main())
