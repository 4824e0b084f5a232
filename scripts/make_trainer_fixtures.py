#!/usr/bin/python3
"""Generate the PyTorch parity fixtures of whole models trained for three steps by vecrnn's Trainer.

What it writes
--------------
One safetensors file per case into ``nn/src/test/resources/pytorch-trainer/<case>.safetensors`` (read by
``dev.vecrnn.nn.format.TrainerTorchParityTest``, which needs no Python), or into a directory given as the
first argument. The cases cover what ``make_model_fixtures.py`` leaves out: the ``finalStates`` head
(after a bidirectional layer, the backward direction read at step 0), ``dropout(0)`` layers, a dense
layer before the recurrent stack, cross-entropy with class weights and ignore_index -100, BCE with
``pos_weight``, and three steps of Adam, AdamW, SGD (momentum, dampening, Nesterov, weight decay) and
RMSprop (momentum) under ``clip_grad_value_`` then ``clip_grad_norm_``, the order Trainer applies them.
Each file holds:

* ``__metadata__`` (strings): ``layers`` (``make_model_fixtures``'s spelling, plus ``dropout:0`` and
  ``finalStates``), ``input_features``, ``loss`` (mse, mae, bce, ce), ``ce_weight`` and ``pos_weight``
  (comma-separated, or empty), ``per_step``, ``has_lengths``, ``opt`` (``adam:lr:beta1:beta2:eps:wd``,
  ``adamw:...`` the same, ``sgd:lr:momentum:dampening:wd:nesterov(0/1)``,
  ``rmsprop:lr:alpha:eps:wd:momentum``), ``clip_norm``, ``clip_value`` (0: off), ``steps``, ``case``,
  ``seed``, ``torch_version``.
* ``param.<name>`` (F32): the starting weights under vecrnn's names; ``x`` (F32 ``[B, T, F]``, token ids
  as floats for an embedding; padding holds NaN or the id -3); ``lengths`` (I64) when some sequences are
  shorter; ``target`` (F32, or I64 class ids with some -100 for ce; padding holds garbage).
* ``dout`` (F32): d(loss)/d(output) at the start; ``grad.<name>`` and ``grad.x`` (float input) (F64):
  the gradients at the start; ``loss`` (F64 ``[1]``): the loss at the start.
* ``final.<name>`` (F64): the weights after ``steps`` full-batch steps of the optimizer.

References are float64 autograd and float64 ``torch.optim`` on the stored float32 values; the case is
also run in float32 and re-drawn (next seed) unless that agrees within 2e-6 (scaled by max(1, |ref|)),
which keeps out the cases where Adam's or RMSprop's division by a near-zero gradient magnifies rounding.

    /usr/bin/python3 scripts/make_trainer_fixtures.py [DIR]
"""

import copy
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_model_fixtures import Net, activate, spec_string  # noqa: E402
from make_pytorch_fixtures import max_scaled_err, write_safetensors  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "nn", "src", "test", "resources", "pytorch-trainer")
F32_AGREEMENT = 2e-6


class HeadNet(Net):
    """Net with the layers Net lacks: dropout (p = 0 only: the identity) and finalStates."""

    def forward(self, x, lengths, carry=None):
        B, T = x.shape[0], x.shape[1]
        lens = lengths or [T] * B
        backward_width = 0  # the backward direction's features in the last recurrent layer's output
        for (kind, *a), m in zip(self.spec, self.layers):
            if kind == "embedding":
                x = m(x[..., 0].long())
            elif kind == "recurrent":
                if lengths is not None:
                    packed = torch.nn.utils.rnn.pack_padded_sequence(x, torch.tensor(lens), batch_first=True,
                                                                     enforce_sorted=False)
                    out, _ = m(packed)
                    x, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=T)
                else:
                    x, _ = m(x)
                backward_width = (a[4] or a[1]) if a[3] else 0
            elif kind in ("lastStep", "finalStates"):
                picked = []
                for b in range(B):
                    row = x[b, lens[b] - 1]
                    if kind == "finalStates" and backward_width:
                        split = x.shape[2] - backward_width
                        row = torch.cat([row[:split], x[b, 0, split:]])
                    picked.append(row)
                x = torch.stack(picked)
            elif kind == "attention":
                x = torch.stack([torch.softmax(x[b, :lens[b]] @ m.v, 0) @ x[b, :lens[b]] for b in range(B)])
            elif kind == "dense":
                x = m(x)
                x = activate(x, a[1])
        return x, None


def loss_of(c, out, y):
    """The mean loss over the valid rows (per-step rows in (b, t) order), as Trainer hands them to its loss."""
    if c["per_step"]:
        lens = c["lengths"] or [out.shape[1]] * out.shape[0]
        idx = [(b, t) for b in range(out.shape[0]) for t in range(lens[b])]
        out = torch.stack([out[b, t] for b, t in idx])
        y = torch.stack([y[b, t] for b, t in idx])
    if c["loss"] == "mse":
        return F.mse_loss(out, y)
    if c["loss"] == "mae":
        return F.l1_loss(out, y)
    if c["loss"] == "bce":
        pw = None if c["pos_weight"] is None else torch.tensor(c["pos_weight"], dtype=out.dtype)
        return F.binary_cross_entropy_with_logits(out, y, pos_weight=pw)
    w = None if c["ce_weight"] is None else torch.tensor(c["ce_weight"], dtype=out.dtype)
    return F.cross_entropy(out, y, weight=w, ignore_index=-100)


def optimizer(c, params):
    kind, *a = c["opt"]
    if kind == "adam":
        return torch.optim.Adam(params, lr=a[0], betas=(a[1], a[2]), eps=a[3], weight_decay=a[4])
    if kind == "adamw":
        return torch.optim.AdamW(params, lr=a[0], betas=(a[1], a[2]), eps=a[3], weight_decay=a[4])
    if kind == "sgd":
        return torch.optim.SGD(params, lr=a[0], momentum=a[1], dampening=a[2], weight_decay=a[3], nesterov=bool(a[4]))
    return torch.optim.RMSprop(params, lr=a[0], alpha=a[1], eps=a[2], weight_decay=a[3], momentum=a[4])


def reference(c, net, x, y):
    r = {}
    float_in = c["vocab"] == 0
    xg = x.clone().requires_grad_(float_in)
    out, _ = net(xg, c["lengths"])
    out.retain_grad()
    loss = loss_of(c, out, y)
    net.zero_grad(set_to_none=True)
    loss.backward()
    r["loss"] = loss.detach().reshape(1)
    r["dout"] = out.grad.detach()
    if float_in:
        r["grad.x"] = xg.grad.detach()
    for k, p in net.named_parameters():
        r["grad." + k] = p.grad.detach().clone()
    net = copy.deepcopy(net)
    opt = optimizer(c, list(net.parameters()))
    for _ in range(c["steps"]):
        opt.zero_grad()
        loss_of(c, net(x, c["lengths"])[0], y).backward()
        if c["clip_value"]:
            torch.nn.utils.clip_grad_value_(net.parameters(), c["clip_value"])
        if c["clip_norm"]:
            torch.nn.utils.clip_grad_norm_(net.parameters(), c["clip_norm"])
        opt.step()
    for k, p in net.named_parameters():
        r["final." + k] = p.detach().clone()
    return r


def targets(c, gen_shape):
    K = c["spec"][-1][1]
    if c["loss"] == "ce":
        y = torch.randint(0, K, gen_shape)
        y[torch.rand(gen_shape) < 0.25] = -100
        y.view(-1)[0] = 0  # at least one row counts
        return y
    if c["loss"] == "bce":
        return torch.rand(gen_shape + (K,)).round()
    return torch.randn(gen_shape + (K,))


def build(c, seed):
    torch.manual_seed(seed)
    net = HeadNet(c["spec"], c["feats"]).float()
    B, T = c["B"], c["T"]
    x = torch.randint(0, c["vocab"], (B, T, 1)).float() if c["vocab"] else torch.randn(B, T, c["feats"])
    y = targets(c, (B, T) if c["per_step"] else (B,))
    sd32 = {k: v.detach().clone() for k, v in net.state_dict().items()}
    r32 = reference(c, net, x, y)
    r64 = reference(c, net.double(), x.double(), y if c["loss"] == "ce" else y.double())
    err = max(max_scaled_err(r32[k], r64[k]) for k in r64)
    if not err <= F32_AGREEMENT:
        return None, f"f32 err {err:.2e}"
    t = {"param." + k: v.numpy().astype(np.float32) for k, v in sd32.items()}
    xs, ys = x.clone(), y.clone()
    if c["lengths"]:  # garbage on the padding: it must not matter
        for b, n in enumerate(c["lengths"]):
            xs[b, n:] = -3.0 if c["vocab"] else float("nan")
            if c["per_step"]:
                ys[b, n:] = -7 if c["loss"] == "ce" else float("nan")
        t["lengths"] = np.array(c["lengths"], dtype=np.int64)
    t["x"] = xs.numpy().astype(np.float32)
    t["target"] = ys.numpy().astype(np.int64 if c["loss"] == "ce" else np.float32)
    for k, v in r64.items():
        t[k] = v.numpy().astype(np.float32 if k == "dout" else np.float64)
    b = lambda v: "true" if v else "false"
    join = lambda v: ",".join(str(w) for w in v or [])
    meta = {"layers": spec_string(c["spec"]), "input_features": str(c["feats"]), "loss": c["loss"],
            "ce_weight": join(c.get("ce_weight")), "pos_weight": join(c.get("pos_weight")),
            "per_step": b(c["per_step"]), "has_lengths": b(c["lengths"] is not None),
            "opt": ":".join(str(v) for v in c["opt"]), "clip_norm": str(c["clip_norm"]),
            "clip_value": str(c["clip_value"]), "steps": str(c["steps"]), "case": c["name"], "seed": str(seed),
            "torch_version": torch.__version__}
    return (t, meta), f"f32 err {err:.2e}"


CASES = []


def case(name, spec, loss, feats=3, vocab=0, per_step=False, T=6, B=4, lengths=None, ce_weight=None,
         pos_weight=None, opt=("sgd", 0.1, 0.0, 0.0, 0.0, 0), clip_norm=0, clip_value=0):
    CASES.append(dict(name=name, spec=spec, loss=loss, feats=1 if vocab else feats, vocab=vocab, per_step=per_step,
                      T=T, B=B, lengths=lengths, ce_weight=ce_weight, pos_weight=pos_weight, opt=opt,
                      clip_norm=clip_norm, clip_value=clip_value, steps=3))


R = "recurrent"
case("final_bidir_lstm_ce_weights_adam", [(R, "LSTM", 5, 1, True, 0), ("dropout", 0), ("finalStates",),
                                          ("dense", 4, "tanh"), ("dense", 3, "linear")], "ce",
     lengths=[6, 2, 1, 4], ce_weight=[0.5, 2.0, 1.25], opt=("adam", 0.01, 0.9, 0.999, 1e-8, 0.01), clip_norm=1.0)
case("final_bidir_gru2_embedding_bce_posweight_adamw", [("embedding", 7, 4), (R, "GRU", 4, 2, True, 0),
                                                        ("finalStates",), ("dense", 2, "linear")], "bce",
     vocab=7, T=5, B=3, lengths=[5, 3, 1], pos_weight=[3.0, 0.5], opt=("adamw", 0.01, 0.8, 0.999, 1e-8, 0.1),
     clip_value=0.05)
case("perstep_rnn_ce_weights_ignore_nesterov", [(R, "RNN_TANH", 6, 1, False, 0), ("dense", 3, "linear")], "ce",
     per_step=True, T=5, B=3, lengths=[5, 2, 4], ce_weight=[1.5, 0.25, 1.0],
     opt=("sgd", 0.1, 0.9, 0.0, 1e-3, 1), clip_norm=0.1, clip_value=0.5)
case("final_proj_lstm2_attention_mse_rmsprop_momentum", [(R, "LSTM", 5, 2, True, 2), ("attention",),
                                                          ("dense", 3, "sigmoid"), ("dense", 1, "linear")], "mse",
     lengths=[3, 6, 1, 5], opt=("rmsprop", 0.01, 0.9, 1e-8, 0.0, 0.9))
case("dense_first_lstm_mae_sgd_dampening", [("dense", 4, "relu"), (R, "LSTM", 3, 1, False, 0), ("lastStep",),
                                            ("dense", 1, "linear")], "mae",
     opt=("sgd", 0.05, 0.5, 0.1, 0.0, 0), clip_value=0.02)
case("final_bidir_relu_bce_batch1_adam", [(R, "RNN_RELU", 4, 1, True, 0), ("finalStates",), ("dense", 3, "linear")],
     "bce", B=1, T=7, opt=("adam", 0.001, 0.9, 0.999, 1e-8, 0.0), clip_norm=0.5)
case("perstep_gru_bce_posweight_rmsprop", [(R, "GRU", 4, 1, False, 0), ("dropout", 0), ("dense", 2, "linear")],
     "bce", per_step=True, T=5, B=3, lengths=[2, 5, 3], pos_weight=[0.25, 4.0],
     opt=("rmsprop", 0.001, 0.99, 1e-8, 1e-3, 0.0))
case("final_unidir_gru_then_bidir_lstm_ce_adamw", [(R, "GRU", 3, 1, False, 0), (R, "LSTM", 3, 1, True, 0),
                                                   ("dropout", 0), ("finalStates",), ("dense", 4, "linear")], "ce",
     B=5, lengths=[6, 1, 3, 6, 2], opt=("adamw", 0.001, 0.9, 0.999, 1e-8, 0.01), clip_norm=1.0, clip_value=0.1)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else OUT_DIR
    torch.set_num_threads(1)
    os.makedirs(out, exist_ok=True)
    total = 0
    for i, c in enumerate(CASES):
        for attempt in range(20):
            seed = 700_000 + 100 * i + attempt
            result, note = build(c, seed)
            if result is not None:
                break
        else:
            raise SystemExit(f"{c['name']}: no well-conditioned seed ({note})")
        path = os.path.join(out, c["name"] + ".safetensors")
        write_safetensors(path, *result)
        total += os.path.getsize(path)
        print(f"{c['name']:48s} seed {seed} {os.path.getsize(path):6d} bytes ({note})", flush=True)
    print(f"{len(CASES)} fixtures, {total} bytes, in {out}")


if __name__ == "__main__":
    main()
