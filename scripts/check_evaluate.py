#!/usr/bin/python3
"""`./vecrnn evaluate` against scikit-learn and numpy, as a new user would check it: for many random tasks
(classification of 2..12 classes with classes absent from Y or never predicted, imbalanced labels, one-hot
and bool Y, per-step labels padded by --lengths, regression [N], [N, K] and per-step [N, T, K], token ids
with --vocab, quantized models (int8, bf16), tune's best model) fit a model briefly, run `evaluate --json` and `predict`
on held-out arrays, and recompute every figure of the JSON from predict's outputs:

  classification: loss (numpy cross-entropy in double and sklearn's log_loss), accuracy_score, perplexity,
                  f1_score(average='macro') over the labels in y_true or y_pred, and per class the support,
                  predicted count, precision, recall and F1 of precision_recall_fscore_support
  regression:     loss and mean_squared_error, RMSE, mean_absolute_error, and MAPE as vecrnn defines it
                  (Keras's: 100 * mean(|p - y| / max(|y|, 1e-7)); sklearn's mean_absolute_percentage_error
                  is a fraction, not percent, and floors |y| at float64's epsilon, not 1e-7)

    /usr/bin/python3 scripts/check_evaluate.py [--tasks 40] [--seed 1] [WORKDIR]

Needs Debian's python3-sklearn and numpy, and the launcher's JDK. Prints one line a task and a summary;
exits 1 on any disagreement.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from sklearn.metrics import (accuracy_score, f1_score, log_loss, mean_absolute_error, mean_squared_error,
                             precision_recall_fscore_support)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VECRNN = os.path.join(ROOT, "vecrnn")
REL = 2e-5  # the logits pass through float32 files; vecrnn sums in double as numpy does


def vecrnn(*args):
    p = subprocess.run([VECRNN, *map(str, args)], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("vecrnn " + " ".join(map(str, args[:1])) + " exit " + str(p.returncode) + ": " + p.stderr.strip())
    return p.stdout


class Tally:
    def __init__(self):
        self.agree = {}
        self.disagree = []

    def close(self, task, name, got, want, rel=REL):
        ok = (got is None and want is None) or (got is not None and want is not None
                                                and abs(got - want) <= rel * max(1.0, abs(want)))
        self.agree[name] = self.agree.get(name, 0) + (1 if ok else 0)
        if not ok:
            self.disagree.append(f"{task}: {name} vecrnn {got} reference {want}")
        return ok


def softmax_ce(logits, labels):
    z = logits.astype(np.float64)
    m = z.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(z - m).sum(axis=1))
    return lse - z[np.arange(len(labels)), labels]


def check_classification(task, ev, logits, labels, k, tally):
    """logits [R, K] and labels [R] of the valid rows only."""
    pred = logits.argmax(axis=1)
    ce = softmax_ce(logits, labels).mean()
    tally.close(task, "loss", ev["loss"], ce)
    prob = np.exp(logits.astype(np.float64) - logits.max(axis=1, keepdims=True))
    prob /= prob.sum(axis=1, keepdims=True)
    tally.close(task, "log_loss", ev["loss"], log_loss(labels, prob, labels=list(range(k))), rel=1e-4)
    tally.close(task, "perplexity", ev["perplexity"], float(np.exp(ce)) if ce < 709 else None, rel=1e-4)
    tally.close(task, "accuracy", ev["accuracy"], accuracy_score(labels, pred), rel=1e-12)
    tally.close(task, "f1", ev["f1"], f1_score(labels, pred, average="macro", zero_division=0), rel=1e-12)
    present = sorted(set(labels.tolist()) | set(pred.tolist()))
    p, r, f, s = precision_recall_fscore_support(labels, pred, labels=present, zero_division=0)
    classes = ev["classes"]
    ok = [c["class"] for c in classes] == present
    for j, c in zip(present, classes):
        n_pred = int((pred == j).sum())
        ok &= c["support"] == int(s[present.index(j)]) and c["predicted"] == n_pred
        i = present.index(j)
        ok &= (c["precision"] is None) == (n_pred == 0)
        ok &= n_pred == 0 or abs(c["precision"] - p[i]) < 1e-12
        # sklearn's recall of a class never a target is 0 with an UndefinedMetricWarning; vecrnn's is null (n/a)
        ok &= (c["recall"] is None) == (s[i] == 0)
        ok &= s[i] == 0 or abs(c["recall"] - r[i]) < 1e-12
        ok &= abs(c["f1"] - f[i]) < 1e-12
    tally.agree["classes"] = tally.agree.get("classes", 0) + (1 if ok else 0)
    if not ok:
        tally.disagree.append(f"{task}: per-class table differs: vecrnn {classes} reference labels {present} p {p} r {r} f {f} s {s}")
    return len(present)


def check_regression(task, ev, pred, target, tally):
    """pred and target [R, K] of the valid rows only."""
    p, y = pred.astype(np.float64), target.astype(np.float64)
    mse = mean_squared_error(y, p)
    tally.close(task, "loss", ev["loss"], mse)
    tally.close(task, "rmse", ev["rmse"], float(np.sqrt(mse)))
    tally.close(task, "mae", ev["mae"], mean_absolute_error(y, p))
    mape = 100.0 * np.mean(np.abs(p - y) / np.maximum(np.abs(y), 1e-7))
    tally.close(task, "mape", ev["mape"], float(mape) if np.isfinite(mape) else None, rel=1e-4)


def make_task(rng, i):
    """One random task: a dict of arrays and options."""
    kind = ["cls", "cls", "cls_onehot", "cls_bool", "cls_step", "reg1", "regk", "reg_step", "tokens", "tokens_step"][i % 10]
    n, t, f = int(rng.integers(40, 120)), int(rng.integers(3, 9)), int(rng.integers(1, 5))
    x = rng.normal(size=(n, t, f)).astype(np.float32)
    lengths = None
    task = dict(kind=kind, fit=[], x=x)
    if kind.startswith("tokens"):
        vocab = int(rng.integers(5, 40))
        x = rng.integers(0, vocab, size=(n, t)).astype(rng.choice([np.int64, np.int32]))
        task["x"] = x
        task["fit"] += ["--vocab", vocab]
        f = 1
    if kind.startswith("cls") or kind.startswith("tokens"):
        k = int(rng.integers(2, 13)) if kind != "cls_bool" else 2
        # imbalanced: a Dirichlet draw of class weights, some of them tiny
        w = rng.dirichlet(np.full(k, 0.4))
        shape = (n, t) if kind in ("cls_step", "tokens_step") else (n,)
        y = rng.choice(k, size=shape, p=w)
        if kind in ("cls_step", "tokens_step"):
            task["fit"].append("--per-step")
            lengths = rng.integers(1, t + 1, size=n).astype(np.int64)
            lengths[0] = t
            for r_, L in enumerate(lengths):
                y[r_, L:] = -100  # PyTorch's ignore_index, as a user pads labels; never read
        task["labels"] = y
        task["k"] = k
        task["task"] = "classification"
        if kind == "cls_onehot":
            y = np.eye(k, dtype=np.float32)[y]
            if t == k:  # fit cannot tell one-hot rows [N, K] from a label a step [N, T] (it says so): another T
                task["x"] = x = np.concatenate([x, x[:, :1]], axis=1)
        elif kind == "cls_bool":
            y = y.astype(bool)
        task["y"] = y
    else:
        width = 1 if kind == "reg1" else int(rng.integers(2, 5))
        scale = float(rng.choice([0.1, 1.0, 10.0]))
        shape = {"reg1": (n,), "regk": (n, width), "reg_step": (n, t, width)}[kind]
        y = (rng.normal(size=shape) * scale + rng.normal()).astype(np.float32)
        if rng.random() < 0.2:
            y.flat[0] = 0.0  # a zero target: MAPE is huge, as Keras's
        if kind == "reg_step":
            task["fit"].append("--per-step")
            lengths = rng.integers(1, t + 1, size=n).astype(np.int64)
            lengths[0] = t
        task["y"] = y
        task["task"] = "regression"
    task["lengths"] = lengths
    return task


def valid_rows(arr, lengths, per_step):
    """[N, ...] or per step [N, T, ...] to the valid rows [R, ...]."""
    if not per_step:
        return arr
    if lengths is None:
        return arr.reshape(-1, *arr.shape[2:])
    return np.concatenate([arr[i, :L] for i, L in enumerate(lengths)])


def split(task, rng):
    """Training arrays and held-out arrays (the held-out rows may miss classes)."""
    n = task["x"].shape[0]
    cut = int(n * 0.6)
    idx = rng.permutation(n)
    tr, te = idx[:cut], idx[cut:]
    if task["task"] == "classification":
        # fit gives a model as many outputs as its largest training label says: a held-out label above that is
        # refused by evaluate (as PyTorch's cross_entropy and Keras refuse it), so a row with the top label trains
        top = [i for i in te if (task["labels"][i] == task["labels"].max()).any()]
        if top and not (task["labels"][tr] == task["labels"].max()).any():
            tr, te = np.append(tr, top[0]), te[te != top[0]]
    if task["task"] == "classification" and task["kind"] in ("cls", "cls_onehot") and rng.random() < 0.5:
        # drop a class from the held-out rows: a class only predicted, or absent altogether
        gone = task["labels"][te][0]
        te = te[task["labels"][te] != gone] if (task["labels"][te] != gone).any() else te
    return tr, te


def run_task(work, task, rng, tally, extra_models=(), tune=False):
    name = f"{len(tally.done):02d}-{task['kind']}"
    d = os.path.join(work, name)
    os.makedirs(d)
    tr, te = split(task, rng)
    files = {}
    for part, idx in (("train", tr), ("test", te)):
        for key in ("x", "y", "lengths"):
            if task[key] is None:
                continue
            path = os.path.join(d, f"{key}_{part}.npy")
            np.save(path, task[key][idx])
            files[key, part] = path
    args = ["--x", files["x", "train"], "--y", files["y", "train"], "--task", task["task"], "--out", os.path.join(d, "m"),
            "--epochs", int(rng.integers(1, 4)), "--hidden", int(rng.integers(3, 12)), "--lr", "0.02", "--val", "0.2",
            "--seed", int(rng.integers(1, 1000)), "--threads", "1", *task["fit"]]
    if task["lengths"] is not None:
        args += ["--lengths", files["lengths", "train"]]
    if tune:  # tune's best model, in place of fit's: no --hidden or --lr (it searches them)
        drop = {"--hidden", "--lr"}
        args = [a for i, a in enumerate(args) if a not in drop and (i == 0 or args[i - 1] not in drop)]
        vecrnn("tune", *args, "--trials", 2)
    else:
        vecrnn("fit", *args)
    models = [("fp32", os.path.join(d, "m"))]
    for precision in extra_models:
        q = os.path.join(d, "q-" + precision)
        vecrnn("quantize", "--model", os.path.join(d, "m"), "--out", q, "--precision", precision, "--x", files["x", "test"])
        models.append((precision, q))
    lengths = task["lengths"][te] if task["lengths"] is not None else None
    per_step = "--per-step" in task["fit"]
    for label, model in models:
        check_model(f"{name}/{label}", d, model, files, task, te, lengths, per_step, tally)
    tally.done.append(name)


def check_model(name, d, model, files, task, te, lengths, per_step, tally):
    ln = ["--lengths", files["lengths", "test"]] if lengths is not None else []
    out_json = os.path.join(d, os.path.basename(model) + "-e.json")
    text = vecrnn("evaluate", "--model", model, "--x", files["x", "test"], "--y", files["y", "test"], "--task", task["task"],
                  "--json", out_json, *ln)
    ev = json.load(open(out_json))
    p_out = os.path.join(d, os.path.basename(model) + "-p.npy")
    vecrnn("predict", "--model", model, "--x", files["x", "test"], "--out", p_out, *ln)
    p = np.load(p_out)
    n = len(te)
    tally.close(name, "sequences", ev["sequences"], n, rel=0)
    steps = int(lengths.sum()) if lengths is not None else n * task["x"].shape[1]
    tally.close(name, "steps", ev.get("steps"), steps if per_step else None, rel=0)
    # a one-hot Y adds a line saying how it was read before the figures
    first = next((l for l in text.splitlines() if l.startswith("evaluated on")), text.splitlines()[0])
    want = f"evaluated on {n} sequence{'s' if n != 1 else ''}" + (f" ({steps} steps)" if per_step else "") + ":"
    tally.agree["text"] = tally.agree.get("text", 0) + (1 if first.startswith(want) else 0)
    if not first.startswith(want):
        tally.disagree.append(f"{name}: first line {first!r}, expected it to start {want!r}")
    if task["task"] == "classification":
        labels = valid_rows(task["labels"][te], lengths, per_step)
        logits = valid_rows(p, lengths, per_step)
        present = check_classification(name, ev, logits, labels, p.shape[-1], tally)
        lines = [l for l in text.splitlines() if l.strip()[:1].isdigit()]
        if len(lines) != min(present, 50):
            tally.disagree.append(f"{name}: {len(lines)} class lines printed for {present} classes")
        print(f"{name}: {n} rows, {p.shape[-1]} outputs, {present} classes listed, accuracy {ev['accuracy']:.3f}")
    else:
        y = task["y"][te]
        y = y.reshape(n, -1) if not per_step else y
        pred = p.reshape(n, -1) if not per_step else p
        check_regression(name, ev, valid_rows(pred, lengths, per_step), valid_rows(y, lengths, per_step), tally)
        print(f"{name}: {n} rows, rmse {ev['rmse']:.4f}, mape {ev['mape']}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("work", nargs="?")
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="check-evaluate-")
    rng = np.random.default_rng(a.seed)
    tally = Tally()
    tally.done = []
    try:
        for i in range(a.tasks):
            task = make_task(rng, i)
            extra = ("int8", "bf16") if i % 7 == 3 else ()
            try:
                run_task(work, task, rng, tally, extra, tune=i % 10 == 1)
            except RuntimeError as e:
                tally.done.append(str(i))
                tally.disagree.append(f"task {i} ({task['kind']}): {e}")
    finally:
        if not a.work:
            shutil.rmtree(work, ignore_errors=True)
    print("agreement:", ", ".join(f"{k} {v}" for k, v in sorted(tally.agree.items())))
    for line in tally.disagree:
        print("DISAGREE", line)
    sys.exit(1 if tally.disagree else 0)


if __name__ == "__main__":
    main()
