#!/usr/bin/python3
"""`./vecrnn infer` against PyTorch on named edge cases that the committed fixtures (make_pytorch_fixtures.py) lack
and scripts/fuzz_infer_pytorch.py reaches only by chance or not at all: a module saved as a user saves it, exported
with scripts/export_pytorch.py, run once through the real command line, and its output, h_n and c_n compared.

    /usr/bin/python3 scripts/check_infer_edges.py [--only SUBSTRING] [--keep]

The cases: a GRU of 3 bidirectional layers without biases given h0; a bidirectional 2-layer LSTM with proj_size 3 on
a packed batch of unsorted lengths with 1s; nn.RNN(relu) of hidden size 1; input size 1; T = 1; a batch of 37;
batch_first both ways; weights times 30 (saturated gates, and a GRU whose recurrence amplifies rounding); weights
and an input in float32's subnormal range (compared relative to the tensor's own scale, so flushing subnormals to
zero would fail); a state_dict saved after flatten_parameters(); dropout=0.3 modules in eval mode with dropout in
config.json.

Tolerance: fuzz_infer_pytorch.py's. The reference is the module in float64 on the very float32 values infer reads;
vecrnn's max error over a tensor may be FACTOR times PyTorch float32's own error on the same case (float32 rounding
over T steps, which saturation and long recurrences amplify for both alike, though not at the same elements) plus
FLOOR_ULPS float32 ulps of the tensor's largest magnitude (at least 1; for the subnormal cases the magnitude
itself, plus as many of the smallest subnormal, 1.4e-45, which a subnormal result rounds to). Exit 1 when a case
disagrees.
"""
import argparse
import contextlib
import io
import json
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
from fuzz_infer_pytorch import EPS32, FACTOR, FLOOR_ULPS, torch_run  # noqa: E402

TINY32 = 1.401298464324817e-45  # float32's smallest subnormal, its ulp below 2^-126


def scaled(m, factor):
    with torch.no_grad():
        for p in m.parameters():
            p.mul_(factor)
    return m


def seeded(seed, make):
    torch.manual_seed(seed)
    return make()


def cases():
    """(name, module, T, B, options): h0 (give h0/c0), lengths, x_scale, relative (subnormal scale), config (keys
    added to config.json), flatten."""
    nn = torch.nn
    out = [
        ("GRU 5->7, 3 bidirectional layers, no bias, h0",
         seeded(1, lambda: nn.GRU(5, 7, num_layers=3, bidirectional=True, bias=False)), 9, 4, dict(h0=True)),
        ("LSTM proj 3 of 9, 2 bidirectional layers, unsorted lengths with 1s, h0",
         seeded(2, lambda: nn.LSTM(4, 9, num_layers=2, bidirectional=True, proj_size=3)), 8, 5,
         dict(h0=True, lengths=[3, 8, 1, 6, 1])),
        ("RNN relu hidden 1, h0", seeded(3, lambda: nn.RNN(3, 1, nonlinearity="relu")), 12, 3, dict(h0=True)),
        ("LSTM input 1", seeded(4, lambda: nn.LSTM(1, 6)), 10, 2, {}),
        ("GRU input 1 hidden 1, 2 layers, h0", seeded(4, lambda: nn.GRU(1, 1, num_layers=2)), 10, 2, dict(h0=True)),
        ("GRU T = 1, 2 bidirectional layers, h0", seeded(5, lambda: nn.GRU(4, 6, num_layers=2, bidirectional=True)),
         1, 3, dict(h0=True)),
        ("LSTM T = 1, bidirectional, lengths all 1", seeded(5, lambda: nn.LSTM(4, 6, bidirectional=True)), 1, 3,
         dict(lengths=[1, 1, 1])),
        ("LSTM batch 37, 2 layers, h0", seeded(6, lambda: nn.LSTM(6, 10, num_layers=2)), 7, 37, dict(h0=True)),
        ("GRU batch 37, batch_first, bidirectional, lengths",
         seeded(6, lambda: nn.GRU(6, 10, batch_first=True, bidirectional=True)), 7, 37,
         dict(lengths=[int(v) for v in np.random.default_rng(1).integers(1, 8, 37)])),
    ]
    for bf in (False, True):
        out.append((f"LSTM batch_first={bf}, bidirectional, h0",
                    seeded(7, lambda: nn.LSTM(5, 8, batch_first=bf, bidirectional=True)), 6, 3, dict(h0=True)))
        out.append((f"RNN tanh batch_first={bf}, lengths", seeded(7, lambda: nn.RNN(5, 8, batch_first=bf)), 6, 3,
                    dict(lengths=[2, 6, 4])))
    for name, make in (("LSTM", lambda: nn.LSTM(5, 8, num_layers=2)), ("GRU", lambda: nn.GRU(5, 8, num_layers=2)),
                       ("RNN tanh", lambda: nn.RNN(5, 8, num_layers=2))):
        out.append((f"{name} 2 layers, weights x30 (saturated), h0", scaled(seeded(8, make), 30), 20, 3,
                    dict(h0=True)))
    for name, make in (("LSTM", lambda: nn.LSTM(5, 8)), ("GRU", lambda: nn.GRU(5, 8)),
                       ("RNN tanh", lambda: nn.RNN(5, 8)), ("RNN relu", lambda: nn.RNN(5, 8, nonlinearity="relu"))):
        out.append((f"{name} weights x1e-39 (subnormal)", scaled(seeded(9, make), 1e-39), 5, 2, dict(relative=True)))
    out.append(("RNN tanh without biases, input x1e-40 (subnormal), weights as drawn",
                seeded(9, lambda: nn.RNN(5, 8, num_layers=2, bias=False)), 5, 2, dict(x_scale=1e-40, relative=True)))
    out.append(("LSTM 2 bidirectional layers, state_dict after flatten_parameters()",
                seeded(10, lambda: nn.LSTM(5, 8, num_layers=2, bidirectional=True)), 6, 3, dict(flatten=True)))
    out.append(("LSTM 2 layers, dropout 0.3, eval", seeded(11, lambda: nn.LSTM(5, 8, num_layers=2, dropout=0.3)),
                6, 3, dict(config={"dropout": 0.3})))
    out.append(("GRU 3 bidirectional layers, dropout 0.3, eval",
                seeded(11, lambda: nn.GRU(5, 8, num_layers=3, dropout=0.3, bidirectional=True)), 6, 3,
                dict(config={"dropout": 0.3})))
    return out


def run_case(work, m, T, B, o):
    """None where infer agrees with PyTorch, else what differs; and the errors per tensor."""
    m.eval()
    if o.get("flatten"):
        m.flatten_parameters()
    rng = np.random.default_rng(0)
    src = os.path.join(work, "model.pt")
    torch.save(m.state_dict(), src)
    extra = ["--type", "RNN_" + m.nonlinearity.upper()] if isinstance(m, torch.nn.RNN) else []
    extra += ["--batch-first"] if m.batch_first else []
    model_dir = os.path.join(work, "exported")
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        if export_pytorch.main([src, model_dir, *extra]) != 0:
            return f"export refused: {err.getvalue().strip()}", ""
    if o.get("config"):
        path = os.path.join(model_dir, "config.json")
        with open(path) as f:
            cfg = json.load(f)
        cfg.update(o["config"])
        with open(path, "w") as f:
            json.dump(cfg, f)
    D = 2 if m.bidirectional else 1
    x = (rng.standard_normal((B, T, m.input_size) if m.batch_first else (T, B, m.input_size))
         * o.get("x_scale", 1.0)).astype(np.float32)
    lengths = None if o.get("lengths") is None else np.array(o["lengths"], dtype=np.int64)
    if lengths is not None:  # padding holds NaN: infer must not read it
        for b, n in enumerate(lengths):
            if m.batch_first:
                x[b, n:] = np.nan
            else:
                x[n:, b] = np.nan
    args = [os.path.join(ROOT, "vecrnn"), "infer", "--model", model_dir, "--input", os.path.join(work, "x.npy"),
            "--out", os.path.join(work, "out")]
    np.save(os.path.join(work, "x.npy"), x)
    h0 = c0 = None
    if o.get("h0"):
        h0 = rng.standard_normal((m.num_layers * D, B, getattr(m, "proj_size", 0) or m.hidden_size)).astype(np.float32)
        np.save(os.path.join(work, "h0.npy"), h0)
        args += ["--h0", os.path.join(work, "h0.npy")]
        if isinstance(m, torch.nn.LSTM):
            c0 = (rng.standard_normal((m.num_layers * D, B, m.hidden_size)) * 2).astype(np.float32)
            np.save(os.path.join(work, "c0.npy"), c0)
            args += ["--c0", os.path.join(work, "c0.npy")]
    if lengths is not None:
        np.save(os.path.join(work, "lengths.npy"), lengths)
        args += ["--lengths", os.path.join(work, "lengths.npy")]
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        return f"infer exit {p.returncode}: {p.stderr.strip()}", ""
    c = dict(batch_first=m.batch_first, T=T)
    ref = torch_run(m, x, h0, c0, lengths, c, torch.float64)
    f32 = torch_run(m.float(), x, h0, c0, lengths, c, torch.float32)
    notes = []
    for name, r in ref.items():
        got = np.load(os.path.join(work, "out", name + ".npy"))
        if got.shape != r.shape or got.dtype != np.float32:
            return f"{name}: {got.dtype} {got.shape}, PyTorch float32 {r.shape}", " ".join(notes)
        top = float(np.abs(r).max())
        e_v, e_t = float(np.abs(got - r).max()), float(np.abs(f32[name] - r).max())
        allowed = FACTOR * e_t + FLOOR_ULPS * (EPS32 * (top if o.get("relative") else max(1.0, top)) + TINY32)
        notes.append(f"{name} {e_v:.1e}/{e_t:.1e} of {top:.1e}")
        if not (np.isfinite(got).all() and e_v <= allowed):
            return f"{name}: |vecrnn - f64| = {e_v:.3g} > allowed {allowed:.3g} (torch f32: {e_t:.3g})", " ".join(notes)
    return None, " ".join(notes)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", help="run the cases whose name holds this")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory and print it")
    args = p.parse_args(argv)
    warnings.simplefilter("ignore")
    torch.set_num_threads(1)
    work = tempfile.mkdtemp(prefix="vecrnn-infer-edges-")
    failed = n = 0
    try:
        for k, (name, m, T, B, o) in enumerate(cases()):
            if args.only and args.only not in name:
                continue
            d = os.path.join(work, f"case{k}")
            os.makedirs(d)
            why, notes = run_case(d, m, T, B, o)
            n += 1
            failed += why is not None
            print(f"{'FAIL' if why else 'ok  '} {name}: {why or notes} (T={T}, B={B})", flush=True)
    finally:
        if args.keep:
            print("kept", work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{n - failed} of {n} cases agree with PyTorch (|vecrnn - f64| / |torch f32 - f64| of max |f64| each)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
