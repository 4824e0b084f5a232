#!/usr/bin/python3
"""Generate the PyTorch parity fixtures of vecrnn's whole models (nn's Model and Trainer).

What it writes
--------------
One safetensors file per case (the writer of ``make_pytorch_fixtures.py``) into
``nn/src/test/resources/pytorch-model/<case>.safetensors`` (read by
``dev.vecrnn.nn.train.ModelTorchParityTest``, which needs no Python), or into a directory given as
the first argument (``--search N`` random cases, for a search). Each case is a model that
``Model.builder`` can build and PyTorch can state exactly:

* ``__metadata__`` (strings): ``layers``, the builder's calls separated by ``;`` (``embedding:V:E``,
  ``recurrent:TYPE:H:LAYERS:BIDIR:PROJ``, ``lastStep``, ``finalStates``, ``attention``,
  ``dense:UNITS:ACTIVATION``); ``input_features``; ``loss`` (mse, mae, bce, ce: Loss.parse's names); ``per_step``;
  ``has_lengths``; ``lr`` (an SGD learning rate); ``tbptt`` (``k1,k2``, or empty); ``split`` (the
  row where the gradient-accumulation check splits the batch); ``case``, ``seed``,
  ``torch_version``.
* ``param.<name>`` (F32): the model's state_dict under vecrnn's names (``layers.<i>.<name>``; the
  recurrent layers' names are PyTorch's, ``weight_ih_l0`` ..., Dense's are nn.Linear's, Embedding's
  nn.Embedding's, attention's ``v``).
* ``x`` (F32, ``[B, T, F]``: token ids as floats for an embedding; the padding holds NaN, or the id
  -3, which must not matter), ``lengths`` (I64, unsorted, when some sequences are shorter), ``target`` (F32 ``[B, K]`` or ``[B, T, K]``; I64 class ids ``[B]`` or
  ``[B, T]`` for ce; padding holds garbage that must not matter).
* ``output`` (F64): the model's output, ``[B, K]`` or ``[B, T, K]`` (padding steps not compared).
* ``dout`` (F32): d(loss)/d(output) (zero on padding), and ``grad.<name>`` (F64): d(loss)/d(param),
  with loss the built-in loss, reduction 'mean' over the valid rows (one per sequence, or per valid
  step), as vecrnn's Trainer applies it; ``grad.x`` (F64) when the input is float.
* ``class_weight`` (F32, ``[K]``, ce) or ``pos_weight`` (F32, ``[K]``, bce), in the named cases that have them: the
  loss is ``CrossEntropyLoss(weight=w)`` or ``BCEWithLogitsLoss(pos_weight=p)`` everywhere below.
* ``loss`` (F64, ``[1]``): the loss; ``sgd.<name>`` (F64): the parameters after one
  ``torch.optim.SGD(lr)`` step on that gradient; ``val_loss`` (F64, ``[1]``): the loss of the same
  batch at those parameters.
* ``accum.dout_a``, ``accum.dout_b`` (F32) and ``accum.grad.<name>`` (F64): the batch split at row
  ``split`` into two batches A and B, each with its own mean loss; d(loss_A)/d(output_A),
  d(loss_B)/d(output_B) and the sum of the two parameter gradients (two backward calls, no zero_grad
  in between).
* with ``tbptt``: ``tbptt.<name>`` (F64): the parameters after the windows of TBPTT(k1, k2) over the
  batch (vecrnn's Trainer.tbptt: window e covers steps [max(0, e - k2), min(e, T)), starts from the
  state carried, detached, from the window that ended at its start, scores its last k1 steps, SGD
  step after each window).

References are float64 autograd on the stored float32 values; each case is run in float32 too and
re-drawn (next seed) unless that agrees within 2e-6 (scaled by max(1, |ref|)).

    /usr/bin/python3 scripts/make_model_fixtures.py               # the committed cases
    /usr/bin/python3 scripts/make_model_fixtures.py DIR --search N [--first K]
"""

import argparse
import os
import random
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_pytorch_fixtures import max_scaled_err, write_safetensors  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "nn", "src", "test", "resources", "pytorch-model")
F32_AGREEMENT = 2e-6
CELLS = ("LSTM", "GRU", "RNN_TANH", "RNN_RELU")
ACTIVATIONS = ("linear", "relu", "tanh", "sigmoid")


def activate(x, act):
    """A dense layer's activation by its spec name (linear: none)."""
    return torch.relu(x) if act == "relu" else torch.tanh(x) if act == "tanh" else \
        torch.sigmoid(x) if act == "sigmoid" else x


class Net(torch.nn.Module):
    """The model of a spec, as vecrnn's layers compute it (recurrent layers batch_first, with biases)."""

    def __init__(self, spec, input_features):
        super().__init__()
        self.spec = spec
        self.layers = torch.nn.ModuleList()
        f = input_features
        for kind, *a in spec:
            if kind == "embedding":
                m = torch.nn.Embedding(a[0], a[1])
                f = a[1]
            elif kind == "recurrent":
                t, h, nl, bidir, proj = a
                kw = dict(input_size=f, hidden_size=h, num_layers=nl, batch_first=True, bidirectional=bidir)
                if t == "LSTM":
                    m = torch.nn.LSTM(proj_size=proj, **kw)
                elif t == "GRU":
                    m = torch.nn.GRU(**kw)
                else:
                    m = torch.nn.RNN(nonlinearity="tanh" if t == "RNN_TANH" else "relu", **kw)
                f = (proj or h) * (2 if bidir else 1)
            elif kind == "finalStates":
                m = torch.nn.Identity()
            elif kind == "attention":
                m = torch.nn.Module()
                m.v = torch.nn.Parameter(torch.randn(f) / f ** 0.5)
            elif kind == "dense":
                m = torch.nn.Linear(f, a[0])
                f = a[0]
            else:
                m = torch.nn.Identity()
            self.layers.append(m)

    def forward(self, x, lengths, carry=None):
        """x [B, T, F] (ids as floats for an embedding); lengths: list or None. carry: per recurrent
        layer index, its (h0[, c0]) or None; returns (output, the final states per recurrent layer)."""
        B, T = x.shape[0], x.shape[1]
        lens = lengths or [T] * B
        states = {}
        for i, ((kind, *a), m) in enumerate(zip(self.spec, self.layers)):
            if kind == "embedding":
                x = m(x[..., 0].long())
            elif kind == "recurrent":
                h0 = None if carry is None else carry.get(i)
                if lengths is not None:
                    p = torch.nn.utils.rnn.pack_padded_sequence(x, torch.tensor(lens), batch_first=True,
                                                                enforce_sorted=False)
                    out, st = m(p, h0)
                    x, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=T)
                else:
                    x, st = m(x, h0)
                states[i] = st
                last = (st[0] if isinstance(st, tuple) else st, 2 if m.bidirectional else 1)
            elif kind == "finalStates":
                # the last recurrent layer's h_n, its top layer's directions side by side (forward at each
                # sequence's last valid step, backward at step 0): what Bidirectional(LSTM(h)) returns
                hn, d = last
                x = torch.cat([hn[-d + j] for j in range(d)], dim=1)
            elif kind == "lastStep":
                x = torch.stack([x[b, lens[b] - 1] for b in range(B)])
            elif kind == "attention":
                ys = []
                for b in range(B):
                    xb = x[b, :lens[b]]
                    ys.append(torch.softmax(xb @ m.v, dim=0) @ xb)
                x = torch.stack(ys)
            elif kind == "dense":
                x = m(x)
                x = activate(x, a[1])
        return x, states


def valid_rows(out, target, lengths, per_step):
    """The rows the loss sees: [B, K] as they are, or the valid steps of [B, T, K] in (b, t) order."""
    if not per_step:
        return out, target
    B = out.shape[0]
    idx = [(b, t) for b in range(B) for t in range(lengths[b] if lengths else out.shape[1])]
    o = torch.stack([out[b, t] for b, t in idx])
    y = torch.stack([target[b, t] for b, t in idx])
    return o, y


def loss_of(name, out, target, lengths, per_step, weight=None):
    """The mean loss over the valid rows; weight: ce's class weights or bce's positive weights (a list), or None."""
    o, y = valid_rows(out, target, lengths, per_step)
    w = None if weight is None else torch.tensor(weight, dtype=o.dtype)
    if name == "mse":
        return F.mse_loss(o, y)
    if name == "mae":
        return F.l1_loss(o, y)
    if name == "bce":
        return F.binary_cross_entropy_with_logits(o, y, pos_weight=w)
    return F.cross_entropy(o, y, weight=w)


def random_spec(rng, max_T=12, max_B=6, hidden=(1, 3, 4, 7, 8, 9, 16, 17)):
    """A random model spec and data shape (sizes small: the committed files stay a few KB)."""
    spec = []
    embed = rng.random() < 0.4
    if embed:
        vocab = rng.choice((3, 7, 11))
        spec.append(("embedding", vocab, rng.choice((1, 4, 5, 8, 9))))
        feats = 1
    else:
        vocab = 0
        feats = rng.choice((1, 3, 4, 8, 9))
    per_step = rng.random() < 0.4
    stacks = rng.choice((1, 1, 1, 2))
    for _ in range(stacks):
        t = rng.choice(CELLS + ("LSTM",))
        h = rng.choice(hidden)
        proj = rng.choice([p for p in (1, 2, 3, 5) if p < h]) if t == "LSTM" and h > 1 and rng.random() < 0.3 else 0
        spec.append(("recurrent", t, h, rng.choice((1, 1, 2)), rng.random() < 0.4, proj))
    if not per_step:
        spec.append((rng.choice(("lastStep", "lastStep", "attention")),))
    for _ in range(rng.choice((0, 1))):
        spec.append(("dense", rng.choice((3, 5, 8)), rng.choice(ACTIVATIONS)))
    loss = rng.choice(("mse", "mae", "bce", "ce"))
    spec.append(("dense", rng.choice((2, 3, 5)) if loss == "ce" else rng.choice((1, 2, 3)), "linear"))
    T, B = rng.randint(1, max_T), rng.randint(2, max_B)
    lengths = None
    if rng.random() < 0.5:
        lengths = [rng.choice((1, rng.randint(1, T), T)) for _ in range(B)]
        lengths[rng.randrange(B)] = T
    tbptt = None
    unidirectional = all(not (s[0] == "recurrent" and s[4]) for s in spec)
    if per_step and lengths is None and unidirectional and T >= 2 and rng.random() < 0.7:
        k1 = rng.randint(1, max(1, T // 2))
        tbptt = (k1, k1 * rng.choice((1, 2, 3)))
    return dict(spec=spec, feats=feats, vocab=vocab, loss=loss, per_step=per_step, T=T, B=B,
                lengths=lengths, tbptt=tbptt, split=rng.randint(1, B - 1))


def spec_string(spec):
    parts = []
    for kind, *a in spec:
        if kind == "recurrent":
            a = [a[0], a[1], a[2], "true" if a[3] else "false", a[4]]
        parts.append(":".join([kind] + [str(v) for v in a]))
    return ";".join(parts)


def state_dict_of(net):
    """vecrnn's names: layers.<i>.<PyTorch's name within the layer>."""
    return {k: v for k, v in net.state_dict().items()}


def grads(net, loss):
    net.zero_grad(set_to_none=True)
    loss.backward()
    return {k: p.grad.detach().clone() for k, p in net.named_parameters()}


def reference(c, net, x, target, lr):
    """Everything the fixture holds that depends on the precision of net and x (float32 or float64)."""
    lengths, per_step, loss_name, weight = c["lengths"], c["per_step"], c["loss"], c.get("weight")
    r = {}
    float_in = c["vocab"] == 0
    xg = x.clone().requires_grad_(float_in)
    out, _ = net(xg, lengths)
    out.retain_grad()
    loss = loss_of(loss_name, out, target, lengths, per_step, weight)
    r.update({"grad." + k: g for k, g in grads(net, loss).items()})
    r["loss"] = loss.detach().reshape(1)
    r["output"] = out.detach()
    r["dout"] = out.grad.detach()
    if float_in:
        r["grad.x"] = xg.grad.detach()
    with torch.no_grad():
        for k, p in net.named_parameters():
            r["sgd." + k] = p - lr * r["grad." + k]
        # the loss after that step (the trainer's validation on the same batch)
        saved = {k: p.clone() for k, p in net.named_parameters()}
        for k, p in net.named_parameters():
            p.copy_(r["sgd." + k])
        r["val_loss"] = loss_of(loss_name, net(x, lengths)[0], target, lengths, per_step, weight).reshape(1)
        for k, p in net.named_parameters():
            p.copy_(saved[k])
    # two backward calls on the halves, no zero_grad between
    s = c["split"]
    net.zero_grad(set_to_none=True)
    for part, rows in (("a", slice(0, s)), ("b", slice(s, None))):
        lp = None if lengths is None else lengths[rows]
        o, _ = net(x[rows], lp)
        o.retain_grad()
        loss_of(loss_name, o, target[rows], lp, per_step, weight).backward()
        r["accum.dout_" + part] = o.grad.detach()
    r.update({"accum.grad." + k: p.grad.detach().clone() for k, p in net.named_parameters()})
    if c["tbptt"]:
        r.update({"tbptt." + k: v for k, v in tbptt_weights(c, net, x, target, lr).items()})
    return r


def tbptt_weights(c, net, x, target, lr):
    """The parameters after TBPTT(k1, k2) over the batch with SGD(lr), on a copy of net."""
    import copy
    net = copy.deepcopy(net)
    k1, k2 = c["tbptt"]
    T = x.shape[1]
    carries = {}
    e = k1
    while e - k1 < T:
        end, start, loss_from = min(e, T), max(0, e - k2), e - k1
        net.zero_grad(set_to_none=True)
        out, states = net(x[:, start:end], None, carries.get(start))
        scored = out[:, loss_from - start:]
        loss_of(c["loss"], scored, target[:, loss_from:end], None, True, c.get("weight")).backward()
        with torch.no_grad():
            for p in net.parameters():
                if p.grad is not None:
                    p -= lr * p.grad
        carries[end] = {i: tuple(s.detach() for s in st) if isinstance(st, tuple) else st.detach()
                        for i, st in states.items()}
        carries.pop(start, None)
        e += k1
    return {k: p.detach().clone() for k, p in net.named_parameters()}


def build(c, seed):
    torch.manual_seed(seed)
    net = Net(c["spec"], c["feats"]).float()
    B, T = c["B"], c["T"]
    if c["vocab"]:
        x = torch.randint(0, c["vocab"], (B, T, 1)).float()
    else:
        x = torch.randn(B, T, c["feats"])
    K = c["spec"][-1][1]
    shape = (B, T) if c["per_step"] else (B,)
    if c["loss"] == "ce":
        target = torch.randint(0, K, shape)
    elif c["loss"] == "bce" and c.get("multi_hot"):
        target = torch.randint(0, 2, shape + (K,)).float()
    elif c["loss"] == "bce":
        target = torch.rand(shape + (K,))
    else:
        target = torch.randn(shape + (K,))
    lr = 0.1
    sd32 = {k: v.detach().clone() for k, v in state_dict_of(net).items()}
    r32 = reference(c, net, x, target, lr)
    net = net.double()
    r64 = reference(c, net, x.double(), target if c["loss"] == "ce" else target.double(), lr)
    mask = valid_mask(c)
    err = 0.0
    for k, ref in r64.items():
        a = r32[k]
        if k == "output" and c["per_step"]:
            a, ref = a[mask], ref[mask]  # padding steps are not compared
        err = max(err, max_scaled_err(a, ref))
    if not err <= F32_AGREEMENT:
        return None, f"f32 err {err:.2e}"
    tensors = {"param." + k: v.numpy().astype(np.float32) for k, v in sd32.items()}
    xs = x.clone()
    if c["lengths"] is not None:  # garbage on the padding: it must not matter
        for b, n in enumerate(c["lengths"]):
            xs[b, n:] = -3.0 if c["vocab"] else float("nan")
    tensors["x"] = xs.numpy().astype(np.float32)
    if c["lengths"] is not None:
        tensors["lengths"] = np.array(c["lengths"], dtype=np.int64)
    tgt = target.clone()
    if c["per_step"] and c["lengths"] is not None:  # garbage on the padding: it must not matter
        for b, n in enumerate(c["lengths"]):
            tgt[b, n:] = -7 if c["loss"] == "ce" else float("nan")
    tensors["target"] = tgt.numpy().astype(np.int64 if c["loss"] == "ce" else np.float32)
    if c.get("weight") is not None:
        tensors["class_weight" if c["loss"] == "ce" else "pos_weight"] = np.array(c["weight"], dtype=np.float32)
    for k, v in r64.items():
        dt = np.float32 if k in ("dout", "accum.dout_a", "accum.dout_b") else np.float64
        tensors[k] = v.numpy().astype(dt)
    b = lambda v: "true" if v else "false"
    meta = {"layers": spec_string(c["spec"]), "input_features": str(c["feats"]), "loss": c["loss"],
            "per_step": b(c["per_step"]), "has_lengths": b(c["lengths"] is not None), "lr": str(lr),
            "tbptt": "" if not c["tbptt"] else f"{c['tbptt'][0]},{c['tbptt'][1]}",
            "split": str(c["split"]), "case": c["name"], "seed": str(seed),
            "torch_version": torch.__version__}
    return (tensors, meta), f"f32 err {err:.2e}"


def valid_mask(c):
    B, T = c["B"], c["T"]
    m = torch.zeros(B, T, dtype=torch.bool)
    for b in range(B):
        m[b, :(c["lengths"][b] if c["lengths"] else T)] = True
    return m


def write_case(c, out_dir, base_seed):
    for attempt in range(20):
        seed = base_seed + attempt
        result, note = build(c, seed)
        if result is not None:
            break
    else:
        print(f"{c['name']}: no well-conditioned seed ({note})", file=sys.stderr)
        return 0
    path = os.path.join(out_dir, c["name"] + ".safetensors")
    write_safetensors(path, *result)
    print(f"{c['name']:10s} seed {seed:7d} {os.path.getsize(path):6d} bytes  {result[1]['layers']}  "
          f"loss {c['loss']} per_step {c['per_step']} T={c['T']} B={c['B']} lengths {c['lengths']} "
          f"tbptt {c['tbptt']} ({note})", flush=True)
    return os.path.getsize(path)


# The committed cases, random_spec(random.Random(n)), picked from the first 600 as a small set (each file
# under 21 KB) covering every loss with per-sequence and per-step targets, each head (lastStep, attention,
# none), embeddings, every cell with and without a head, two recurrent stacks, bidirectional layers under
# either head, an LSTM projection, every dense activation, lengths with 1s, and TBPTT with k2 = k1,
# k2 = 2 k1 (T not a multiple of k1) and k2 = 3 k1 across two recurrent stacks.
COMMITTED = (98, 143, 175, 230, 233, 263, 276, 381, 392, 412, 483, 556)

# Cases written by hand for what neither these nor make_trainer_fixtures.py's cases hold: the finalStates head
# after two bidirectional LSTM layers with a projection, under BCE with positive weights on multi-hot 0/1 targets;
# attention after two bidirectional GRU layers, under cross-entropy with class weights (the weights dyadic, exact
# in float32); a bidirectional per-step GRU whose hidden size (17) is past a vector width, with lengths.
NAMED = [
    dict(name="gru2bi_attention_ce_weighted", spec=[("recurrent", "GRU", 6, 2, True, 0), ("attention",),
                                                    ("dense", 3, "linear")],
         feats=4, vocab=0, loss="ce", weight=[0.5, 2.0, 1.25], per_step=False, T=7, B=5, lengths=[7, 1, 4, 7, 2],
         tbptt=None, split=2),
    dict(name="lstm2bi_proj_finalstates_multilabel", spec=[("recurrent", "LSTM", 9, 2, True, 3), ("finalStates",),
                                                            ("dense", 4, "linear")],
         feats=3, vocab=0, loss="bce", weight=[3.0, 0.5, 1.0, 0.25], multi_hot=True, per_step=False, T=6, B=4,
         lengths=[2, 6, 1, 5], tbptt=None, split=1),
    dict(name="gru17bi_per_step_mse", spec=[("recurrent", "GRU", 17, 1, True, 0), ("dense", 3, "linear")],
         feats=5, vocab=0, loss="mse", per_step=True, T=9, B=4, lengths=[9, 3, 1, 6], tbptt=None, split=3),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out", nargs="?", default=OUT_DIR)
    ap.add_argument("--search", type=int, default=0)
    ap.add_argument("--first", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(1)
    os.makedirs(args.out, exist_ok=True)
    numbers = range(args.first, args.first + args.search) if args.search else COMMITTED
    # a search also draws larger layers and batches (threads split batches of 8 rows or more)
    kw = dict(max_T=20, max_B=12, hidden=(1, 3, 4, 7, 8, 9, 16, 17, 31, 33, 64)) if args.search else {}
    total = 0
    for n in numbers:
        c = random_spec(random.Random(n), **kw)
        c["name"] = f"m{n:04d}"
        total += write_case(c, args.out, 500_000 + 100 * n)
    named = [] if args.search else NAMED
    for i, c in enumerate(named):
        total += write_case(c, args.out, 900_000 + 100 * i)
    print(f"{len(numbers) + len(named)} cases, {total} bytes, in {args.out}")


if __name__ == "__main__":
    main()
