#!/usr/bin/python3
"""`./vecrnn fit` + `evaluate` beside the same model trained by a plain PyTorch loop, on small new tasks.

Run from the repository root with Debian's python3-torch (1.13) and numpy:

    /usr/bin/python3 scripts/compare_fit_pytorch.py [--seeds 0,1] [--only xor,copy] [--work DIR]

Every task is generated with numpy from a fixed seed (the data seed is the same for every run; --seeds
varies the model seed of both sides). Each is saved in a dtype and shape a user coming from Keras or
PyTorch would plausibly hand over (float64, float16, int32 and int64 ids, bool, uint8 and float labels,
-100 in padded label slots with int32 lengths, Fortran order, [N, 1] targets), then:

- vecrnn: `./vecrnn fit` with the README's options for the task (the held-out validation arrays through
  --val-x/--val-y, early stopping at fit's default patience), then `./vecrnn evaluate --json` on a test set;
- PyTorch: the same architecture (nn.LSTM/GRU/RNN, batch_first, the hidden size and layers, fit's --dropout
  between layers and before the head, an nn.Embedding where fit gets --vocab, bidirectional on packed sequences where fit gets --bidirectional, an nn.Linear head on the last
  valid step's output (on h_n's two directions where bidirectional), or on every step with --per-step), the same initialisation scheme (PyTorch's defaults), Adam at the same lr, the same batch size and epochs, clip_grad_norm_ at fit's --clip,
  early stopping on the same validation arrays with the same patience, restoring the best epoch; evaluated
  on the same test set with the figures evaluate prints (accuracy and macro F1, or RMSE; for --task multilabel,
  BCEWithLogitsLoss and Keras's binary accuracy with scikit-learn's macro F1 over the labels), over the valid
  steps only where lengths pad. A task with --init keras starts both sides as Keras does (Glorot, orthogonal,
  forget-gate bias 1, embeddings U(-0.05, 0.05)).

It prints a markdown table: task, metric, vecrnn and PyTorch per seed, and each side's wall time (the
JVM's start-up included; informational only on a shared machine).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn as nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ---------------------------------------------------------------------------------------------- tasks
# Each task returns a dict: x, y (and lengths) for train/val/test, the fit options, and how to read them.

def split3(n_train, n_val, n_test, make):
    """make(n, rng) -> dict of arrays; three independent draws from one data seed."""
    rng = np.random.default_rng(12345)
    return make(n_train, rng), make(n_val, rng), make(n_test, rng)


def task_xor():
    """Two marked positions among T = 12; the label is the XOR of the signs at them (float64 X, int64 labels)."""
    t = 12

    def make(n, rng):
        bits = rng.integers(0, 2, size=(n, t))
        x = np.zeros((n, t, 2))
        x[:, :, 0] = bits * 2 - 1 + rng.normal(0, 0.1, size=(n, t))
        a = rng.integers(0, t // 2, size=n)
        b = rng.integers(t // 2, t, size=n)
        x[np.arange(n), a, 1] = 1
        x[np.arange(n), b, 1] = 1
        y = bits[np.arange(n), a] ^ bits[np.arange(n), b]
        return dict(x=x.astype(np.float64), y=y.astype(np.int64))
    return dict(name="XOR of 2 marked steps, float64 X (3000 x 12)", task="classification", data=split3(3000, 300, 500, make),
                opts=["--hidden", "32", "--epochs", "40", "--lr", "3e-3", "--patience", "10"], hidden=32, epochs=40, lr=3e-3, patience=10)


def task_copy():
    """The first token (one of 8) recalled after 11 noise tokens: int32 token ids with --vocab, uint8 labels."""
    t, v = 12, 10

    def make(n, rng):
        x = rng.integers(8, v, size=(n, t))
        first = rng.integers(0, 8, size=n)
        x[:, 0] = first
        return dict(x=x.astype(np.int32), y=first.astype(np.uint8))
    return dict(name="copy the first of 12 tokens, int32 ids, uint8 labels (2000 x 12)", task="classification",
                data=split3(2000, 300, 500, make), opts=["--vocab", str(v), "--hidden", "32", "--epochs", "30", "--lr", "3e-3", "--patience", "10"],
                hidden=32, epochs=30, lr=3e-3, vocab=v, embed=32, patience=10)


def task_sine():
    """Noisy sines of random frequency and phase, the next value as the target, Y [N, 1] float64."""
    t = 40

    def make(n, rng):
        f = rng.uniform(0.05, 0.25, size=(n, 1))
        ph = rng.uniform(0, 2 * np.pi, size=(n, 1))
        s = np.sin(2 * np.pi * f * np.arange(t + 1)[None, :] + ph)
        x = s[:, :t] + rng.normal(0, 0.1, size=(n, t))
        return dict(x=x[:, :, None].astype(np.float64), y=s[:, t:].astype(np.float64))
    return dict(name="noisy sine, next value, Y [N, 1] float64, 2 layers, dropout 0.1 (3000 x 40)", task="regression",
                data=split3(3000, 300, 500, make), opts=["--hidden", "32", "--layers", "2", "--dropout", "0.1", "--epochs", "20"],
                hidden=32, layers=2, dropout=0.1, epochs=20, lr=1e-3)


def task_multi():
    """Three targets a step: the running mean, the input two steps back, and the running max of the first feature."""
    t = 30

    def make(n, rng):
        x = rng.normal(0, 1, size=(n, t, 2)).astype(np.float32)
        y = np.zeros((n, t, 3), np.float32)
        y[:, :, 0] = np.cumsum(x[:, :, 0], 1) / np.arange(1, t + 1)
        y[:, 2:, 1] = x[:, :-2, 1]
        y[:, :, 2] = np.maximum.accumulate(x[:, :, 0], 1) / 2
        return dict(x=np.asfortranarray(x), y=y)
    return dict(name="3 regression targets a step, Fortran-order X (2000 x 30)", task="regression", per_step=True,
                data=split3(2000, 300, 500, make), opts=["--per-step", "--hidden", "32", "--epochs", "20", "--lr", "3e-3"],
                hidden=32, epochs=20, lr=3e-3)


def task_tags():
    """Per-step tags of token ids with lengths 5..40 (int32): 1 where the token equals the one four steps back, 2 where it
    is 0, else 0; the padded label slots hold -100 (PyTorch's ignore_index), the padded ids 0."""
    t, v = 40, 6

    def make(n, rng):
        x = rng.integers(0, v, size=(n, t))
        lens = rng.integers(5, t + 1, size=n)
        y = np.zeros((n, t), np.int64)
        y[:, 4:] = (x[:, 4:] == x[:, :-4]).astype(np.int64)
        y[x == 0] = 2
        for i in range(n):
            x[i, lens[i]:] = 0
            y[i, lens[i]:] = -100
        return dict(x=x.astype(np.int64), y=y, lengths=lens.astype(np.int32))
    return dict(name="per-step tags, --lengths 5..40 int32, -100 padding (2000 x 40)", task="classification", per_step=True,
                data=split3(2000, 300, 500, make), opts=["--per-step", "--vocab", str(v), "--hidden", "32", "--epochs", "20", "--lr", "3e-3"],
                hidden=32, epochs=20, lr=3e-3, vocab=v, embed=32)


def task_imbalanced():
    """Rare events (about 5%): a burst of three large values somewhere in T = 30; bool labels, --class-weight balanced."""
    t = 30

    def make(n, rng):
        x = rng.normal(0, 1, size=(n, t, 1))
        y = rng.random(n) < 0.05
        for i in np.nonzero(y)[0]:
            s = rng.integers(0, t - 3)
            x[i, s:s + 3, 0] += 2.0
        return dict(x=x.astype(np.float32), y=y)
    return dict(name="rare burst (5%), bool Y, --class-weight balanced (4000 x 30)", task="classification",
                data=split3(4000, 600, 1000, make), opts=["--hidden", "32", "--epochs", "20", "--lr", "3e-3", "--class-weight", "balanced"],
                hidden=32, epochs=20, lr=3e-3, balanced=True)


def task_freq():
    """Three close frequency bands of a noisy sine, float16 X, float32 labels 0., 1., 2.; fit's defaults alone."""
    t = 50

    def make(n, rng):
        c = rng.integers(0, 3, size=n)
        f = np.array([0.05, 0.065, 0.08])[c] * rng.uniform(0.95, 1.05, size=n)
        ph = rng.uniform(0, 2 * np.pi, size=n)
        x = np.sin(2 * np.pi * f[:, None] * np.arange(t)[None, :] + ph[:, None]) + rng.normal(0, 0.8, size=(n, t))
        return dict(x=x[:, :, None].astype(np.float16), y=c.astype(np.float32))
    return dict(name="3 close frequencies, float16 X, float labels, defaults (3000 x 50)", task="classification",
                data=split3(3000, 300, 500, make), opts=[], hidden=64, epochs=20, lr=1e-3)


def task_long():
    """T = 200: whether the values of all 200 steps sum above 0 (every step counts, the first as much as the last)."""
    t = 200

    def make(n, rng):
        x = rng.normal(0, 1, size=(n, t, 1))
        y = (x.sum(axis=(1, 2)) > 0).astype(np.int64)
        return dict(x=x.astype(np.float32), y=y)
    return dict(name="sign of a sum over 200 steps, GRU (1500 x 200)", task="classification", data=split3(1500, 300, 500, make),
                opts=["--cell", "gru", "--hidden", "32", "--epochs", "20", "--lr", "3e-3"], hidden=32, epochs=20, lr=3e-3, cell="gru")


def task_events():
    """Multi-label, one row a sequence: which of 4 events a sequence holds (feature k above 2 at some step, for k < 4) and
    whether feature 4 sums above 0; bool multi-hot Y [N, 5] (Keras's sigmoid Dense(5) with binary_crossentropy)."""
    t = 20

    def make(n, rng):
        x = rng.normal(0, 1, size=(n, t, 5))
        y = np.concatenate([(x[:, :, :4] > 2.0).any(axis=1), (x[:, :, 4].sum(axis=1) > 0)[:, None]], axis=1)
        return dict(x=x.astype(np.float32), y=y)
    return dict(name="multi-label: 4 events + a sign, bool multi-hot Y [N, 5] (3000 x 20)", task="multilabel",
                data=split3(3000, 300, 500, make), opts=["--hidden", "32", "--epochs", "20", "--lr", "3e-3"], hidden=32, epochs=20, lr=3e-3)


def task_steptags():
    """Multi-label per step, with lengths 6..25 (int64): bool one-hot tokens as X (pandas 2's get_dummies), 3 labels a step
    (the token equals the one 2 steps back; it was seen before in the sequence; it is 0 or 1), float32 Y [N, T, 3], zeros
    in the padding; --init keras on both sides (Glorot, orthogonal, forget-gate bias 1)."""
    t, v = 25, 5

    def make(n, rng):
        ids = rng.integers(0, v, size=(n, t))
        lens = rng.integers(6, t + 1, size=n)
        x = np.eye(v, dtype=bool)[ids]
        y = np.zeros((n, t, 3), np.float32)
        y[:, 2:, 0] = ids[:, 2:] == ids[:, :-2]
        for s in range(1, t):
            y[:, s, 1] = (ids[:, :s] == ids[:, s:s + 1]).any(axis=1)
        y[:, :, 2] = ids <= 1
        for i in range(n):
            x[i, lens[i]:] = False
            y[i, lens[i]:] = 0
        return dict(x=x, y=y, lengths=lens.astype(np.int64))
    return dict(name="multi-label per step, bool one-hot X, --lengths 6..25, --init keras (2000 x 25)", task="multilabel", per_step=True,
                data=split3(2000, 300, 500, make), opts=["--per-step", "--hidden", "32", "--epochs", "20", "--lr", "3e-3", "--init", "keras"],
                hidden=32, epochs=20, lr=3e-3, init="keras")


def task_topics():
    """Multi-label tagging of token sequences (--vocab 30, int32 ids, lengths 8..30 as int32): 6 topics, topic k on where
    at least two of the sequence's valid tokens are of it (ids 6..29, topic id % 6; ids 0..5 are stop words of none);
    uint8 Y [N, 6]; --init keras on both sides, embeddings U(-0.05, 0.05) as Keras's Embedding draws them."""
    t, v = 30, 30

    def make(n, rng):
        ids = rng.integers(0, v, size=(n, t))
        lens = rng.integers(8, t + 1, size=n)
        valid = np.arange(t)[None, :] < lens[:, None]
        ids[~valid] = 0
        y = np.stack([((ids >= 6) & (ids % 6 == k) & valid).sum(axis=1) >= 2 for k in range(6)], axis=1)
        return dict(x=ids.astype(np.int32), y=y.astype(np.uint8), lengths=lens.astype(np.int32))
    return dict(name="multi-label tagging of token sequences, --vocab 30, --lengths 8..30, uint8 Y [N, 6], --init keras (3000 x 30)",
                task="multilabel", vocab=30, embed=16, data=split3(3000, 300, 500, make),
                opts=["--vocab", "30", "--embed", "16", "--hidden", "32", "--epochs", "20", "--lr", "3e-3", "--init", "keras"],
                hidden=32, epochs=20, lr=3e-3, init="keras")


def task_context():
    """Multi-label per step that needs the steps after it (--bidirectional): token ids (--vocab 8, int64, lengths 5..30
    int64), 3 labels a step: the next valid token is the same; the token occurs again later in the sequence; the
    token is the sequence's last valid one. bool Y [N, T, 3], False in the padding."""
    t, v = 30, 8

    def make(n, rng):
        ids = rng.integers(0, v, size=(n, t))
        lens = rng.integers(5, t + 1, size=n)
        y = np.zeros((n, t, 3), bool)
        for i in range(n):
            s = ids[i, :lens[i]]
            y[i, :lens[i] - 1, 0] = s[1:] == s[:-1]
            for j in range(lens[i]):
                y[i, j, 1] = (s[j + 1:] == s[j]).any()
            y[i, :lens[i], 2] = s == s[-1]
            ids[i, lens[i]:] = 0
        return dict(x=ids, y=y, lengths=lens.astype(np.int64))
    return dict(name="multi-label per step needing later steps, --bidirectional, --vocab 8, --lengths 5..30 (2000 x 30)",
                task="multilabel", per_step=True, bidirectional=True, vocab=8, embed=16, data=split3(2000, 300, 500, make),
                opts=["--per-step", "--bidirectional", "--vocab", "8", "--embed", "16", "--hidden", "32", "--epochs", "20", "--lr", "3e-3"],
                hidden=32, epochs=20, lr=3e-3)


TASKS = dict(xor=task_xor, copy=task_copy, sine=task_sine, multi=task_multi, tags=task_tags,
             imbalanced=task_imbalanced, freq=task_freq, long=task_long, events=task_events, steptags=task_steptags, topics=task_topics,
             context=task_context)


# ---------------------------------------------------------------------------------------------- metrics

def class_metrics(pred, y):
    """Accuracy and macro F1 (over the classes that are a target or a prediction), as evaluate prints them."""
    acc = float(np.mean(pred == y))
    f1s = []
    for c in np.union1d(pred, y):
        tp = np.sum((pred == c) & (y == c))
        fp = np.sum((pred == c) & (y != c))
        fn = np.sum((pred != c) & (y == c))
        f1s.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return acc, float(np.mean(f1s))


def multilabel_metrics(logits, y):
    """Keras's binary_accuracy (threshold 0.5) and scikit-learn's macro F1 over every label (0 for a label never a target
    nor predicted), as evaluate prints them for --task multilabel: logits and targets [rows, K]."""
    pred, t = logits > 0, y > 0.5
    acc = float(np.mean(pred == t))
    f1s = []
    for k in range(y.shape[1]):
        tp = np.sum(pred[:, k] & t[:, k])
        err = np.sum(pred[:, k] != t[:, k])
        f1s.append(0.0 if tp == 0 else 2 * tp / (2 * tp + err))
    return acc, float(np.mean(f1s))


# ---------------------------------------------------------------------------------------------- vecrnn

def run_vecrnn(spec, work, seed):
    d = os.path.join(work, spec["key"])
    model = os.path.join(d, "model-%d" % seed)
    args = ["./vecrnn", "fit", "--x", os.path.join(d, "train_x.npy"), "--y", os.path.join(d, "train_y.npy"),
            "--val-x", os.path.join(d, "val_x.npy"), "--val-y", os.path.join(d, "val_y.npy"),
            "--task", spec["task"], "--out", model, "--seed", str(seed), "--overwrite"] + spec["opts"]
    if "lengths" in spec["data"][0]:
        args += ["--lengths", os.path.join(d, "train_lengths.npy"), "--val-lengths", os.path.join(d, "val_lengths.npy")]
    t0 = time.time()
    r = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("fit failed: " + " ".join(args) + "\n" + r.stderr)
    fit_s = time.time() - t0
    js = os.path.join(d, "eval-%d.json" % seed)
    ev = ["./vecrnn", "evaluate", "--model", model, "--x", os.path.join(d, "test_x.npy"), "--y", os.path.join(d, "test_y.npy"),
          "--json", js, "--overwrite"]
    if "lengths" in spec["data"][2]:
        ev += ["--lengths", os.path.join(d, "test_lengths.npy")]
    r = subprocess.run(ev, cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("evaluate failed: " + " ".join(ev) + "\n" + r.stderr)
    with open(js) as f:
        m = json.load(f)
    if spec["task"] == "classification":
        return (m["accuracy"], m["f1"]), fit_s
    if spec["task"] == "multilabel":
        return (m["binary_accuracy"], m["f1_macro"]), fit_s
    return (m["rmse"],), fit_s


# ---------------------------------------------------------------------------------------------- PyTorch

class Net(nn.Module):
    def __init__(self, spec, features, width):
        super().__init__()
        cell = dict(lstm=nn.LSTM, gru=nn.GRU, rnn=nn.RNN, rnn_relu=lambda *a, **k: nn.RNN(*a, nonlinearity="relu", **k))[spec.get("cell", "lstm")]
        self.emb = nn.Embedding(spec["vocab"], spec["embed"]) if spec.get("vocab") else None
        inp = spec["embed"] if self.emb is not None else features
        layers, dropout = spec.get("layers", 1), spec.get("dropout", 0.0)
        # fit --dropout: between recurrent layers (nn.LSTM's dropout) and before the head
        self.bidirectional = spec.get("bidirectional", False)
        self.rnn = cell(inp, spec["hidden"], num_layers=layers, batch_first=True, dropout=dropout if layers > 1 else 0.0,
                        bidirectional=self.bidirectional)
        self.drop = nn.Dropout(dropout)
        self.fc = nn.Linear(spec["hidden"] * (2 if self.bidirectional else 1), width)
        self.per_step = spec.get("per_step", False)
        if spec.get("init") == "keras":
            # fit --init keras, as Keras's LSTM and Dense start: Glorot-uniform input weights, recurrent weights orthogonal as
            # one matrix (Keras's recurrent_kernel [h, 4h]), zero biases but the forget gate's input bias 1 (gate order i, f, g, o)
            h = spec["hidden"]
            for name, p in self.rnn.named_parameters():
                with torch.no_grad():
                    if name.startswith("weight_ih"):
                        nn.init.xavier_uniform_(p)
                    elif name.startswith("weight_hh"):
                        nn.init.orthogonal_(p)
                    else:
                        p.zero_()
                        if name.startswith("bias_ih") and isinstance(self.rnn, nn.LSTM):
                            p[h:2 * h] = 1
            nn.init.xavier_uniform_(self.fc.weight)
            nn.init.zeros_(self.fc.bias)
            if self.emb is not None:
                nn.init.uniform_(self.emb.weight, -0.05, 0.05)  # Keras's Embedding: embeddings_initializer='uniform'

    def forward(self, x, lengths):
        if self.emb is not None:
            x = self.emb(x)
        if self.bidirectional:
            # the backward direction starts at each sequence's last valid step, as fit --bidirectional --lengths reads it
            packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            out, h_n = self.rnn(packed)
            if not self.per_step:
                # fit --head last: each direction's final output, the last layer's h_n (the backward one's at step 0)
                h_n = h_n[0] if isinstance(h_n, tuple) else h_n
                return self.fc(self.drop(torch.cat([h_n[-2], h_n[-1]], dim=1)))
            out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        else:
            out, _ = self.rnn(x)  # padding past a length is computed but never read: each step depends only on the earlier ones
        out = self.drop(out)
        if self.per_step:
            return self.fc(out)
        idx = (lengths - 1).clamp(min=0)
        return self.fc(out[torch.arange(out.shape[0]), idx])


def torch_tensors(spec, part):
    x = part["x"]
    x = torch.from_numpy(np.ascontiguousarray(x).astype(np.int64 if spec.get("vocab") else np.float32))
    n, t = x.shape[0], x.shape[1]
    lengths = torch.from_numpy(part["lengths"].astype(np.int64)) if "lengths" in part else torch.full((n,), t, dtype=torch.int64)
    y = np.asarray(part["y"])
    if spec["task"] == "classification":
        y = torch.from_numpy(y.astype(np.int64))
    else:
        y = torch.from_numpy(y.astype(np.float32))
        if not spec.get("per_step") and y.dim() == 1:
            y = y[:, None]
    return x, lengths, y


def torch_loss(spec, out, y, lengths, weight):
    if spec.get("per_step"):
        mask = torch.arange(out.shape[1])[None, :] < lengths[:, None]
        out, y = out[mask], y[mask]
    if spec["task"] == "classification":
        return nn.functional.cross_entropy(out, y, weight=weight)
    if spec["task"] == "multilabel":
        return nn.functional.binary_cross_entropy_with_logits(out, y)
    return nn.functional.mse_loss(out, y)


def run_torch(spec, seed):
    torch.manual_seed(seed)
    np.random.seed(seed)
    tr, va, te = (torch_tensors(spec, p) for p in spec["data"])
    features = 1 if spec.get("vocab") else tr[0].shape[2]
    if spec["task"] == "classification":
        width = int(max(tr[2].max(), va[2].max())) + 1
    else:
        width = tr[2].shape[-1]
    t0 = time.time()
    net = Net(spec, features, width)
    opt = torch.optim.Adam(net.parameters(), lr=spec["lr"])
    weight = None
    if spec.get("balanced"):
        counts = torch.bincount(tr[2].flatten()[tr[2].flatten() >= 0], minlength=width).float()
        weight = torch.where(counts > 0, counts.sum() / (len(counts) * counts.clamp(min=1)), torch.zeros_like(counts))
    best, best_state, bad = float("inf"), None, 0
    n = tr[0].shape[0]
    batch = spec.get("batch", 32)
    for _ in range(spec["epochs"]):
        net.train()
        perm = torch.randperm(n)
        for s in range(0, n, batch):
            b = perm[s:s + batch]
            opt.zero_grad()
            loss = torch_loss(spec, net(tr[0][b], tr[1][b]), tr[2][b], tr[1][b], weight)
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), spec.get("clip", 1.0))
            opt.step()
        net.eval()
        with torch.no_grad():
            vl = float(torch_loss(spec, net(va[0], va[1]), va[2], va[1], weight))
        if vl < best:
            best, best_state, bad = vl, {k: v.clone() for k, v in net.state_dict().items()}, 0
        else:
            bad += 1
            if bad >= spec.get("patience", 5):
                break
    net.load_state_dict(best_state)
    secs = time.time() - t0
    with torch.no_grad():
        out = net(te[0], te[1])
    y = te[2]
    if spec.get("per_step"):
        mask = torch.arange(out.shape[1])[None, :] < te[1][:, None]
        out, y = out[mask], y[mask]
    if spec["task"] == "classification":
        return class_metrics(out.argmax(-1).numpy(), y.numpy()), secs
    if spec["task"] == "multilabel":
        return multilabel_metrics(out.numpy(), y.numpy()), secs
    return (float(torch.sqrt(torch.mean((out - y) ** 2))),), secs


# ---------------------------------------------------------------------------------------------- main

def save(spec, work):
    d = os.path.join(work, spec["key"])
    os.makedirs(d, exist_ok=True)
    for name, part in zip(("train", "val", "test"), spec["data"]):
        for k, a in part.items():
            np.save(os.path.join(d, "%s_%s.npy" % (name, k)), a)


def fmt(vals):
    return " / ".join("%.3f" % v for v in vals)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="0,1", help="model seeds, comma-separated (both sides)")
    ap.add_argument("--only", default=None, help="task keys, comma-separated: " + ",".join(TASKS))
    ap.add_argument("--work", default=None, help="directory for the arrays and models (default: a temporary one)")
    a = ap.parse_args()
    torch.set_num_threads(1)
    seeds = [int(s) for s in a.seeds.split(",")]
    keys = a.only.split(",") if a.only else list(TASKS)
    unknown = [k for k in keys if k not in TASKS]
    if unknown:  # before any task runs, not as a KeyError after the first ones have taken minutes
        ap.error("--only: unknown task %s; the tasks are %s" % (", ".join(map(repr, unknown)), ",".join(TASKS)))
    work = a.work or tempfile.mkdtemp(prefix="vecrnn-compare-")
    print("arrays and models in", work, file=sys.stderr)
    print("| task | metric | vecrnn (seeds %s) | PyTorch | vecrnn s | PyTorch s |" % ",".join(map(str, seeds)))
    print("|---|---|---|---|---|---|")
    for key in keys:
        spec = TASKS[key]()
        spec["key"] = key
        save(spec, work)
        vr, pr, vs, ps = [], [], 0.0, 0.0
        for s in seeds:
            m, secs = run_vecrnn(spec, work, s)
            vr.append(m)
            vs += secs
            m, secs = run_torch(spec, s)
            pr.append(m)
            ps += secs
        metric = {"classification": "accuracy (macro F1)", "multilabel": "binary accuracy (macro F1)"}.get(spec["task"], "RMSE")
        if spec["task"] in ("classification", "multilabel"):
            v = fmt([m[0] for m in vr]) + " (" + fmt([m[1] for m in vr]) + ")"
            p = fmt([m[0] for m in pr]) + " (" + fmt([m[1] for m in pr]) + ")"
        else:
            v, p = fmt([m[0] for m in vr]), fmt([m[0] for m in pr])
        print("| %s | %s | %s | %s | %.0f | %.0f |" % (spec["name"], metric, v, p, vs / len(seeds), ps / len(seeds)), flush=True)


if __name__ == "__main__":
    main()
