#!/usr/bin/python3
"""Randomized differential fuzzer of `./vecrnn infer` against PyTorch, down the path a PyTorch user takes:
build a random nn.RNN (tanh or relu) / nn.LSTM (with or without proj_size) / nn.GRU, give it weights of its
own, save it one of the ways people do, export it with scripts/export_pytorch.py, write the input (and
h0/c0, lengths) as .npy the ways people write them, run `./vecrnn infer` once per case (a fresh JVM, the
real command line), and compare output, h_n and c_n with PyTorch.

    /usr/bin/python3 scripts/fuzz_infer_pytorch.py [--seed 1] [--cases 20] [--case K] [--keep]

Deterministic for a given --seed: case K draws everything from its own generator seeded by (seed, K), so
`--case K` replays one case. Temporary files live under one temporary directory, removed at the end (kept
with --keep). Exit 1 when any case disagrees, 0 otherwise; every case prints one line.

What is drawn: the cell; input_size and hidden_size from SIZES (large ones rarer, the work of a case
bounded by BUDGET, shrinking T and B where a draw exceeds it); num_layers 1-4; bias; batch_first;
bidirectional; dropout above 0 (the module in eval mode, where PyTorch applies none); weights from
PyTorch's init, scaled up (saturated gates, large relu activations) and/or moved by a few Adam steps;
T in 1..300 and batch in 1..40; inputs at scale 1e-4, 1 or 1e3; h0/c0 or none; lengths (unsorted, all T,
some 1) or none; one unbatched sequence ([T, I]) sometimes. Saved as the module's state_dict, a wrapping
model's state_dict (prefixed names), a training checkpoint dict or TorchScript; exported by calling the
script's main() with the arguments a user types (in this process: importing torch per case would double
the run time). Input files: float32 or float64, C or Fortran order, little- or big-endian; lengths as
int64, int32 or whole float64.

Tolerance. The reference is PyTorch's module in float64 run on the very float32 values vecrnn reads (the
input rounded to float32 first; the widening is exact), so it is the exact math of what both
implementations are given, up to float64 rounding. PyTorch's own float32 forward on the same values has
an error against that reference which already accounts for how the case conditions rounding: saturated
gates, long sequences, large activations and chaotic recurrences all amplify float32 rounding, and they
amplify vecrnn's the same way. vecrnn sums in another order (SIMD lanes, fused gates, its own tanh and
sigmoid), so its error is of the same order but not the same; it must be within FACTOR times PyTorch
float32's error, per tensor, in the max norm. Where PyTorch's error happens to be zero or tiny (all
outputs saturated at exactly +-1, one step of a tiny input) the ratio says nothing, hence the absolute
floor: FLOOR_ULPS float32 ulps of the reference's largest magnitude (at least of 1), a few roundings of
the largest value in the tensor.

A case whose exact outputs exceed float32's range (a relu RNN with large weights over many steps) is
skipped and counted: PyTorch's float32 forward overflows there as vecrnn's does.

Besides the numbers, each case checks that vecrnn refuses nothing PyTorch runs: an input PyTorch would
take (after numpy.load and torch.from_numpy, or an astype to float32) must run; a big-endian one, which
torch.from_numpy refuses, must be refused in one line (exit 2, nothing written), and then run once converted.
"""
import argparse
import contextlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import export_pytorch  # noqa: E402

VECRNN = os.path.join(ROOT, "vecrnn")
SIZES = [1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 100, 129, 200, 257]
BUDGET = 4e7          # multiply-adds of one direction-layer pass summed over the case, at most
FACTOR = 8.0          # vecrnn's error against float64 may be this many times PyTorch float32's
FLOOR_ULPS = 16.0     # plus this many float32 ulps of the tensor's largest magnitude
EPS32 = float(np.finfo(np.float32).eps)


class Wrapper(torch.nn.Module):
    """A model as users write one: the recurrent module as an attribute of a submodule, and a head."""

    def __init__(self, rnn):
        super().__init__()
        self.encoder = torch.nn.Module()
        self.encoder.rnn = rnn
        width = (getattr(rnn, "proj_size", 0) or rnn.hidden_size) * (2 if rnn.bidirectional else 1)
        self.head = torch.nn.Linear(width, 3)

    def forward(self, x):
        return self.head(self.encoder.rnn(x)[0])


def size(rng):
    # smaller sizes more often: weight 1/sqrt(size)
    w = np.array([1 / np.sqrt(s) for s in SIZES])
    return int(rng.choice(SIZES, p=w / w.sum()))


def draw(rng):
    c = {}
    c["kind"] = str(rng.choice(["RNN_TANH", "RNN_RELU", "LSTM", "LSTMP", "GRU"]))
    c["I"], c["H"] = size(rng), size(rng)
    c["proj"] = int(rng.integers(1, c["H"])) if c["kind"] == "LSTMP" and c["H"] > 1 else 0
    if c["kind"] == "LSTMP" and c["proj"] == 0:
        c["kind"] = "LSTM"
    c["L"] = int(rng.choice([1, 1, 2, 2, 3, 4]))
    c["bias"] = bool(rng.random() < 0.8)
    c["batch_first"] = bool(rng.random() < 0.5)
    c["bidir"] = bool(rng.random() < 0.4)
    c["dropout"] = float(rng.choice([0.0, 0.0, 0.3, 0.5]))
    c["T"] = int(rng.choice([1, 2, int(rng.integers(1, 20)), int(rng.integers(1, 100)), int(rng.integers(1, 301))]))
    c["B"] = int(rng.choice([1, int(rng.integers(1, 8)), int(rng.integers(1, 41))]))
    gates = {"RNN_TANH": 1, "RNN_RELU": 1, "GRU": 3}.get(c["kind"], 4)
    out = c["proj"] or c["H"]
    per_step = gates * c["H"] * (c["I"] + out + (c["L"] - 1) * (out * (2 if c["bidir"] else 1) + out))
    per_step *= 2 if c["bidir"] else 1
    while c["T"] * c["B"] * per_step > BUDGET and (c["T"] > 1 or c["B"] > 1):
        if c["T"] >= c["B"]:
            c["T"] = max(1, c["T"] // 2)
        else:
            c["B"] = max(1, c["B"] // 2)
    c["weights"] = str(rng.choice(["init", "scaled", "adam", "adam+scaled"]))
    c["scale_w"] = float(rng.choice([2.0, 4.0, 8.0]))
    c["x_scale"] = float(rng.choice([1e-4, 1.0, 1.0, 1e3]))
    c["states"] = bool(rng.random() < 0.4)
    c["lengths"] = str(rng.choice(["none", "none", "random", "all_T", "some_1"])) if c["T"] > 1 else "none"
    c["unbatched"] = bool(c["lengths"] == "none" and c["B"] == 1 and rng.random() < 0.5)
    c["save"] = str(rng.choice(["module_sd", "wrapped_sd", "checkpoint", "checkpoint_plain", "torchscript", "torchscript_wrapped"]))
    c["x_file"] = str(rng.choice(["f4", "f4", "f4", "f8", "f8", "f4_fortran", "f8_fortran", ">f4", ">f8"]))
    c["len_file"] = str(rng.choice(["i8", "i4", "f8"]))
    return c


def make_module(c, seed):
    torch.manual_seed(seed)
    kw = dict(input_size=c["I"], hidden_size=c["H"], num_layers=c["L"], bias=c["bias"],
              batch_first=c["batch_first"], bidirectional=c["bidir"], dropout=c["dropout"] if c["L"] > 1 else 0.0)
    if c["kind"] in ("LSTM", "LSTMP"):
        m = torch.nn.LSTM(proj_size=c["proj"], **kw)
    elif c["kind"] == "GRU":
        m = torch.nn.GRU(**kw)
    else:
        m = torch.nn.RNN(nonlinearity="relu" if c["kind"] == "RNN_RELU" else "tanh", **kw)
    if "adam" in c["weights"]:
        opt = torch.optim.Adam(m.parameters(), lr=0.05)
        shape = (3, 5, c["I"]) if c["batch_first"] else (5, 3, c["I"])
        for _ in range(3):
            opt.zero_grad()
            y = m(torch.randn(shape))[0]
            ((y - 0.7) ** 2).mean().backward()
            opt.step()
    if "scaled" in c["weights"]:
        with torch.no_grad():
            for p in m.parameters():
                p.mul_(c["scale_w"])
    m.eval()
    return m


def save(c, m, path):
    """Saves m as c says; returns the exporter's extra arguments."""
    extra = []
    if c["save"] == "module_sd":
        torch.save(m.state_dict(), path)
    elif c["save"] == "wrapped_sd":
        torch.save(Wrapper(m).state_dict(), path)
    elif c["save"] == "checkpoint":
        # torch 1.13's weights-only loader reads no float (a loss, an optimizer's lr): such a checkpoint needs
        # --trust-pickle, which the exporter's refusal asks for
        w = Wrapper(m)
        opt = torch.optim.SGD(w.parameters(), lr=0.1, momentum=0.9)
        torch.save({"epoch": 3, "model_state_dict": w.state_dict(), "optimizer_state_dict": opt.state_dict(),
                    "loss": 0.25}, path)
        extra.append("--trust-pickle")
    elif c["save"] == "checkpoint_plain":
        torch.save({"epoch": 3, "state_dict": m.state_dict()}, path)
    elif c["save"] == "torchscript":
        torch.jit.save(torch.jit.script(m), path)
    else:
        torch.jit.save(torch.jit.script(Wrapper(m)), path)
    if c["save"] in ("module_sd", "wrapped_sd", "checkpoint", "checkpoint_plain"):
        if c["kind"].startswith("RNN"):
            extra += ["--type", c["kind"]]
        if c["batch_first"]:
            extra.append("--batch-first")
    return extra


def write_npy(path, a, how):
    """np.save of a (float32 values) as people write it: how is the dtype, with _fortran for column-major."""
    dtype = how.replace("_fortran", "")
    b = a.astype({"f4": "<f4", "f8": "<f8"}.get(dtype, dtype))
    if how.endswith("_fortran"):
        b = np.asfortranarray(b)
    np.save(path, b)


def torch_run(m, x, h0, c0, lengths, c, dtype):
    """PyTorch's forward in dtype on the float32 values x, h0, c0; output padded to T as vecrnn writes it."""
    mm = m.to(dtype)
    xt = torch.from_numpy(x).to(dtype)
    hx = None
    if h0 is not None:
        h = torch.from_numpy(h0).to(dtype)
        hx = (h, torch.from_numpy(c0).to(dtype)) if c0 is not None else h
    with torch.no_grad():
        if lengths is not None:
            packed = torch.nn.utils.rnn.pack_padded_sequence(xt, torch.from_numpy(lengths.astype(np.int64)),
                                                             batch_first=c["batch_first"], enforce_sorted=False)
            y, hn = mm(packed, hx)
            y = torch.nn.utils.rnn.pad_packed_sequence(y, batch_first=c["batch_first"], total_length=c["T"])[0]
        else:
            y, hn = mm(xt, hx)
    out = {"output": y, "h_n": hn[0] if isinstance(hn, tuple) else hn}
    if isinstance(hn, tuple):
        out["c_n"] = hn[1]
    return {k: v.double().numpy() for k, v in out.items()}


def describe(c):
    parts = [c["kind"], f"I={c['I']}", f"H={c['H']}"] + ([f"proj={c['proj']}"] if c["proj"] else [])
    parts += [f"L={c['L']}", f"T={c['T']}", f"B={c['B']}" + ("(unbatched)" if c["unbatched"] else "")]
    parts += [k for k in ("bias", "batch_first", "bidir") if c[k]] + ([f"dropout={c['dropout']}"] if c["dropout"] else [])
    parts += [c["weights"] + (f"x{c['scale_w']:g}" if "scaled" in c["weights"] else ""), f"x~{c['x_scale']:g}"]
    parts += ["h0" if c["states"] else "", f"len={c['lengths']}/{c['len_file']}" if c["lengths"] != "none" else "",
              c["save"], "x:" + c["x_file"]]
    return " ".join(p for p in parts if p)


def run_case(seed, k, work):
    rng = np.random.default_rng([seed, k])
    c = draw(rng)
    d = os.path.join(work, f"case{k}")
    os.makedirs(d)
    m = make_module(c, int(rng.integers(2**31)))
    src = os.path.join(d, "model.pt")
    extra = save(c, m, src)
    model_dir = os.path.join(d, "exported")
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        rc = export_pytorch.main([src, model_dir, *extra])
    if rc != 0:
        return c, f"export refused: {err.getvalue().strip()}"

    T, B, I = c["T"], c["B"], c["I"]
    D = 2 if c["bidir"] else 1
    shape = (B, T, I) if c["batch_first"] else (T, B, I)
    x = (rng.standard_normal(shape) * c["x_scale"]).astype(np.float32)
    lengths = None
    if c["lengths"] != "none":
        lengths = {"random": lambda: rng.integers(1, T + 1, B), "all_T": lambda: np.full(B, T),
                   "some_1": lambda: np.where(rng.random(B) < 0.5, 1, rng.integers(1, T + 1, B))}[c["lengths"]]()
        if c["lengths"] == "random":
            lengths[rng.integers(B)] = T  # as pad_sequence makes them: the longest fills T
        lengths = lengths.astype(np.int64)
        # padding holds garbage; vecrnn must not read it (PyTorch's packing never does)
        for b in range(B):
            if c["batch_first"]:
                x[b, lengths[b]:] = np.nan
            else:
                x[lengths[b]:, b] = np.nan
    h0 = c0 = None
    out_h = c["proj"] or c["H"]
    if c["states"]:
        h0 = rng.standard_normal((c["L"] * D, B, out_h)).astype(np.float32)
        if c["kind"] in ("LSTM", "LSTMP"):
            c0 = (rng.standard_normal((c["L"] * D, B, c["H"])) * 2).astype(np.float32)
    xin, h0in, c0in = x, h0, c0
    if c["unbatched"]:
        xin = x[0] if c["batch_first"] else x[:, 0]
        h0in = None if h0 is None else h0[:, 0]
        c0in = None if c0 is None else c0[:, 0]

    args = [VECRNN, "infer", "--model", model_dir, "--out", os.path.join(d, "out")]
    xf = os.path.join(d, "x.npy")
    write_npy(xf, xin, c["x_file"])
    args += ["--input", xf]
    for name, a in (("h0", h0in), ("c0", c0in)):
        if a is not None:
            f = os.path.join(d, name + ".npy")
            write_npy(f, a, c["x_file"])
            args += ["--" + name, f]
    if lengths is not None:
        f = os.path.join(d, "lengths.npy")
        np.save(f, lengths.astype({"i8": np.int64, "i4": np.int32, "f8": np.float64}[c["len_file"]]))
        args += ["--lengths", f]
    if c["x_file"].startswith(">"):
        # PyTorch takes no big-endian array (torch.from_numpy: "byte order different from the native byte order"):
        # vecrnn must refuse it too, in one line naming the file, and write nothing; then the user converts it
        p = subprocess.run(args, capture_output=True, text=True)
        lines = p.stderr.strip().splitlines()
        if p.returncode != 2 or len(lines) != 1 or "big-endian" not in lines[0] or os.path.exists(os.path.join(d, "out")):
            return c, f"big-endian input: expected one line saying big-endian and exit 2, got exit {p.returncode}: {p.stderr.strip()}"
        for name, a in (("x", xin), ("h0", h0in), ("c0", c0in)):
            if a is not None:
                write_npy(os.path.join(d, name + ".npy"), a, c["x_file"].replace(">", "<"))
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        return c, f"vecrnn infer exit {p.returncode}: {p.stderr.strip()}"

    ref = torch_run(m, x, h0, c0, lengths, c, torch.float64)
    f32 = torch_run(m, x, h0, c0, lengths, c, torch.float32)
    top = max(float(np.abs(r).max()) for r in ref.values())
    if not top <= np.finfo(np.float32).max:
        # a relu RNN with large weights grows without bound: the exact outputs overflow float32, PyTorch's
        # float32 forward gives inf and NaN there as vecrnn does, and no comparison means anything
        return c, f"skip: the exact outputs reach {top:.2g}, beyond float32's range"
    worst = []
    for name, r in ref.items():
        if c["unbatched"]:
            r = r[0] if (name == "output" and c["batch_first"]) else r[:, 0]
            f32[name] = f32[name][0] if (name == "output" and c["batch_first"]) else f32[name][:, 0]
        got = np.load(os.path.join(d, "out", name + ".npy"))
        if got.shape != r.shape:
            return c, f"{name}: shape {got.shape}, PyTorch {r.shape}"
        if not np.isfinite(got).all():
            return c, f"{name}: non-finite values where PyTorch has {'none' if np.isfinite(r).all() else 'some'}"
        e_v = float(np.abs(got.astype(np.float64) - r).max())
        e_t = float(np.abs(f32[name] - r).max())
        allowed = FACTOR * e_t + FLOOR_ULPS * EPS32 * max(1.0, float(np.abs(r).max()))
        worst.append((name, e_v, e_t, allowed))
        if not e_v <= allowed:
            return c, f"{name}: |vecrnn - f64| = {e_v:.3g} > allowed {allowed:.3g} (|torch f32 - f64| = {e_t:.3g})"
    return c, "ok " + " ".join(f"{n}:{v:.1e}/{t:.1e}" for n, v, t, _ in worst)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--cases", type=int, default=20)
    p.add_argument("--case", type=int, help="run this one case of the seed")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory and print it")
    args = p.parse_args(argv)
    warnings.simplefilter("ignore")
    torch.set_num_threads(1)
    work = tempfile.mkdtemp(prefix="vecrnn-fuzz-infer-")
    failed = skipped = 0
    try:
        for k in [args.case] if args.case is not None else range(args.cases):
            c, verdict = run_case(args.seed, k, work)
            ok = verdict.startswith("ok")
            skipped += verdict.startswith("skip")
            failed += not ok and not verdict.startswith("skip")
            print(f"{'ok  ' if ok else verdict[:4] if verdict.startswith('skip') else 'FAIL'} case {k}: {describe(c)}:"
                  f" {verdict[3:] if ok else verdict[6:] if verdict.startswith('skip') else verdict}", flush=True)
    finally:
        if args.keep:
            print("kept", work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    n = 1 if args.case is not None else args.cases
    print(f"{n - failed - skipped} of {n} cases agree with PyTorch, {failed} disagree, {skipped} skipped as beyond"
          f" float32's range (seed {args.seed})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
