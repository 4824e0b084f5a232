#!/usr/bin/python3
"""Generate the PyTorch parity fixtures of vecrnn's training package (nn/.../train).

What it writes
--------------
One safetensors file per case into ``nn/src/test/resources/pytorch-train/<kind>_<case>.safetensors``
(read by ``dev.vecrnn.nn.train.TorchTrainingParityTest``, which needs no Python). Every file's
``__metadata__`` holds ``kind`` (optim | sched | clip | loss), ``case``, ``torch_version`` and the
options of the case as strings; the tensors depend on the kind:

* ``optim_*``: ``torch.optim.SGD`` / ``Adam`` / ``AdamW`` / ``RMSprop``. Metadata: ``optimizer`` (sgd,
  adam, adamw, rmsprop), ``form`` (which vecrnn constructor the case stands for: ``defaults`` builds
  the torch optimizer with no options at all, ``lr`` with lr only, ``momentum`` with lr and momentum,
  ``full`` with every option), every hyperparameter as PyTorch ended up with it (``lr``, ``momentum``,
  ``dampening``, ``weight_decay``, ``nesterov``, ``beta1``, ``beta2``, ``eps``, ``alpha``), ``steps``,
  and ``lr_change_step``/``lr_changed``: before that step the learning rate is set to ``lr_changed``
  (``param_groups[0]['lr'] = ...``, vecrnn's ``setLearningRate``). Tensors: ``init.p<i>`` (F32, three
  params of 5, 3x3 and 19 elements), ``grad.p<i>`` (F32, ``[steps, numel]``: the gradient fed before
  each step; some elements and one whole step of p1 are exactly 0), ``traj.p<i>`` (F64,
  ``[steps, numel]``: the params after each step) and ``state.p<i>.<buffer>`` (F64: the buffers of
  ``optimizer.state`` after the last step, under PyTorch's names).
* ``sched_*``: ``StepLR`` / ``CosineAnnealingLR`` / ``ReduceLROnPlateau`` driving an SGD optimizer of
  learning rate ``base_lr``. Metadata: ``scheduler`` (step, cosine, plateau), ``form`` (``defaults``:
  only the required arguments, ``full``: every option), the options (``step_size``, ``gamma``,
  ``t_max``, ``eta_min``, ``mode``, ``factor``, ``patience``, ``threshold``, ``threshold_mode``,
  ``cooldown``, ``min_lr``, ``eps``), ``epochs`` and ``set_lr_at``/``set_lr`` (0: never; else the
  optimizer's learning rate is set to ``set_lr`` from outside before the scheduler's step of that
  epoch). Tensors: ``lr`` (F64, ``[epochs + 1]``: the learning rate after construction, then after
  each ``step()``), for plateau also ``metric`` (F64, ``[epochs]``, with a NaN), ``best`` (F64),
  ``num_bad_epochs`` and ``cooldown_counter`` (I64), each ``[epochs]`` after each step.
* ``clip_*``: ``clip_grad_norm_`` (``max_norm``, ``norm_type`` 2) or ``clip_grad_value_``
  (``clip_value``). Tensors: ``grad.p<i>`` (F32, before), ``clipped.p<i>`` (F64, after) and, for the
  norm, ``norm`` (F64, ``[1]``, the total norm it returns).
* ``loss_*``: ``MSELoss`` / ``L1Loss`` / ``BCEWithLogitsLoss`` / ``CrossEntropyLoss``, reduction
  ``'mean'``. Metadata: ``loss`` (mse, l1, bce, ce), ``ignore_index`` (ce), ``classes`` (ce),
  ``per_step`` ("true": the rows are ``[B, T]`` steps of sequences of the given ``lengths``, padding
  excluded as vecrnn's trainer does), ``last_step`` and ``steps`` ("true": the rows are the ``[B, K]``
  last-step outputs of sequences of ``steps`` steps and the given ``lengths``, one label each). Tensors:
  ``input`` (F32), ``target`` (F32, or I64 class ids; padding holds -100 here, garbage in the Java
  test), optional ``weight`` (F32, ce class weights), ``pos_weight`` (F32, bce positive weights),
  ``mask`` (I64 0/1, ce: rows with 0 are given to PyTorch as ``ignore_index``), ``lengths`` (I64),
  ``loss`` (F64, ``[1]``) and ``grad`` (F64, d loss / d input from autograd, zero on padding).

The references are computed in float64 from the float32 values stored in the file (the widening is
exact): exact math on the stored inputs, not PyTorch's float32 rounding. Each case is also run in
float32 and must agree with its float64 reference within a fifth of the Java test's tolerance (else
this script stops): a check that the case is well conditioned, so float32 rounding alone cannot
fail the test. Schedulers are plain Python floats (double) in PyTorch itself.

How to run
----------
    /usr/bin/python3 scripts/make_training_fixtures.py

(Debian's system Python with PyTorch 1.13 and numpy.) Deterministic: fixed seeds, CPU, one thread;
rerunning rewrites the same files.
"""

import math
import os
import sys
import warnings

import numpy as np
import torch

from make_pytorch_fixtures import to_np, write_safetensors

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "nn", "src", "test", "resources", "pytorch-train")

# The Java test's tolerances (see TorchTrainingParityTest); the float32 run must be 5x closer.
OPTIM_TOL = 2e-6   # params: |a - ref| <= tol * max(1, |ref|); buffers: tol * max|ref of that buffer|
GRAD_TOL = 1e-6    # clipped grads, loss gradients: |a - ref| <= tol * max|ref|
LOSS_TOL = 1e-6    # loss values: relative

SIZES = [(5,), (3, 3), (19,)]
STEPS = 14
LR_CHANGE_STEP = 8
LR_CHANGE_FACTOR = 0.3

written = []


def meta_str(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def save(kind, case, tensors, meta):
    metadata = {"kind": kind, "case": case, "torch_version": torch.__version__}
    metadata.update({k: meta_str(v) for k, v in meta.items()})
    path = os.path.join(OUT_DIR, f"{kind}_{case}.safetensors")
    write_safetensors(path, tensors, metadata)
    written.append((os.path.basename(path), os.path.getsize(path)))


def f64(a):
    return np.asarray(a, dtype=np.float64)


def scaled_err(a, ref):
    """max |a - ref| / max(1, |ref|)."""
    a, ref = f64(a), f64(ref)
    return float(np.max(np.abs(a - ref) / np.maximum(1.0, np.abs(ref)))) if ref.size else 0.0


def normwise_err(a, ref):
    """max |a - ref| / max |ref| (0 when ref is all zero and a equals it)."""
    a, ref = f64(a), f64(ref)
    scale = float(np.max(np.abs(ref))) if ref.size else 0.0
    err = float(np.max(np.abs(a - ref))) if ref.size else 0.0
    return err / scale if scale > 0 else err


def require(ok, what):
    if not ok:
        raise SystemExit("conditioning check failed: " + what)


# ------------------------------------------------------------------------------------------ optimizers

OPTIM_CASES = [
    # name, optimizer, form, kwargs (exactly what torch is given; the rest are PyTorch's defaults)
    ("sgd_lr", "sgd", "lr", dict(lr=0.1)),
    ("sgd_momentum", "sgd", "momentum", dict(lr=0.05, momentum=0.9)),
    ("sgd_wd", "sgd", "full", dict(lr=0.1, momentum=0.0, dampening=0.0, weight_decay=0.05, nesterov=False)),
    ("sgd_momentum_dampening_wd", "sgd", "full",
     dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.01, nesterov=False)),
    ("sgd_nesterov_wd", "sgd", "full", dict(lr=0.05, momentum=0.9, dampening=0.0, weight_decay=0.02, nesterov=True)),
    ("adam_defaults", "adam", "defaults", dict()),
    ("adam_lr", "adam", "lr", dict(lr=0.02)),
    # eps of the order of sqrt(v) makes its placement (after the bias-corrected square root) visible
    ("adam_full_eps_wd", "adam", "full", dict(lr=0.01, betas=(0.8, 0.95), eps=0.05, weight_decay=0.1)),
    ("adamw_defaults", "adamw", "defaults", dict()),
    ("adamw_full", "adamw", "full", dict(lr=0.01, betas=(0.85, 0.95), eps=0.02, weight_decay=0.5)),
    ("rmsprop_defaults", "rmsprop", "defaults", dict()),
    ("rmsprop_lr", "rmsprop", "lr", dict(lr=0.003)),
    ("rmsprop_full", "rmsprop", "full", dict(lr=0.005, alpha=0.9, eps=0.05, weight_decay=0.05, momentum=0.7)),
]

TORCH_OPTIM = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
               "rmsprop": torch.optim.RMSprop}


def optim_inputs(seed):
    g = torch.Generator().manual_seed(seed)
    init = [torch.rand(s, generator=g, dtype=torch.float32) * 2 - 1 for s in SIZES]
    grads = []
    scales = [1.0, 0.05, 3.0]  # the small one makes eps matter
    for p, s in enumerate(SIZES):
        n = int(np.prod(s))
        gr = torch.randn(STEPS, n, generator=g, dtype=torch.float32) * scales[p]
        gr[torch.rand(STEPS, n, generator=g) < 0.125] = 0.0
        if p == 1:
            gr[3] = 0.0  # a whole step without gradient
        grads.append(gr)
    return init, grads


def run_optim(cls, kwargs, init, grads, dtype):
    params = [torch.nn.Parameter(t.clone().to(dtype)) for t in init]
    opt = cls(params, **kwargs)
    lr0 = opt.param_groups[0]["lr"]
    traj = [[] for _ in params]
    for t in range(STEPS):
        if t + 1 == LR_CHANGE_STEP:
            opt.param_groups[0]["lr"] = lr0 * LR_CHANGE_FACTOR
        for p, prm in enumerate(params):
            prm.grad = grads[p][t].to(dtype).reshape(prm.shape).clone()
        opt.step()
        for p, prm in enumerate(params):
            traj[p].append(prm.detach().reshape(-1).clone())
    state = {}
    for p, prm in enumerate(params):
        for k, v in opt.state[prm].items():
            if k != "step" and v is not None:
                state[f"state.p{p}.{k}"] = v.detach().reshape(-1).clone()
    return [torch.stack(tr) for tr in traj], state, opt


def optim_case(idx, name, kind, form, kwargs):
    init, grads = optim_inputs(100 + idx)
    cls = TORCH_OPTIM[kind]
    traj64, state64, opt = run_optim(cls, kwargs, init, grads, torch.float64)
    traj32, state32, _ = run_optim(cls, kwargs, init, grads, torch.float32)
    err = max(scaled_err(a, b) for a, b in zip(traj32, traj64))
    require(err <= OPTIM_TOL / 5, f"{name}: float32 params off by {err:.2e}")
    serr = max(normwise_err(state32[k], state64[k]) for k in state64) if state64 else 0.0
    require(serr <= OPTIM_TOL / 5, f"{name}: float32 state off by {serr:.2e}")
    group = opt.param_groups[0]
    lr0 = opt.defaults["lr"]
    meta = {"optimizer": kind, "form": form, "lr": float(lr0), "steps": STEPS,
            "lr_change_step": LR_CHANGE_STEP, "lr_changed": float(lr0 * LR_CHANGE_FACTOR),
            "weight_decay": float(group["weight_decay"])}
    if kind == "sgd":
        meta.update(momentum=float(group["momentum"]), dampening=float(group["dampening"]),
                    nesterov=bool(group["nesterov"]))
    if kind in ("adam", "adamw"):
        meta.update(beta1=float(group["betas"][0]), beta2=float(group["betas"][1]), eps=float(group["eps"]),
                    amsgrad=bool(group["amsgrad"]))
    if kind == "rmsprop":
        meta.update(alpha=float(group["alpha"]), eps=float(group["eps"]), momentum=float(group["momentum"]),
                    centered=bool(group["centered"]))
    tensors = {}
    for p in range(len(SIZES)):
        tensors[f"init.p{p}"] = to_np(init[p].reshape(-1), np.float32)
        tensors[f"grad.p{p}"] = to_np(grads[p], np.float32)
        tensors[f"traj.p{p}"] = to_np(traj64[p], np.float64)
    for k, v in state64.items():
        tensors[k] = to_np(v, np.float64)
    save("optim", name, tensors, meta)
    return f"f32 err {err:.1e}, state {serr:.1e}"


# ------------------------------------------------------------------------------------------ schedulers

SCHED_EPOCHS = 32


def plateau(mode, factor, patience, threshold, threshold_mode, cooldown, min_lr, eps=1e-8):
    """Every option of ReduceLROnPlateau, in PyTorch's order."""
    return dict(mode=mode, factor=factor, patience=patience, threshold=threshold, threshold_mode=threshold_mode,
                cooldown=cooldown, min_lr=min_lr, eps=eps)


SCHED_CASES = [
    # name, scheduler, form, kwargs, base_lr, set_lr_at, set_lr, metric kind
    ("step_defaults", "step", "defaults", dict(step_size=7), 0.1, 0, 0.0),
    ("step_full", "step", "full", dict(step_size=3, gamma=0.5), 0.08, 0, 0.0),
    ("step_set_lr", "step", "full", dict(step_size=4, gamma=0.5), 0.1, 10, 0.3),
    ("cosine_defaults", "cosine", "defaults", dict(T_max=7), 0.05, 0, 0.0),
    ("cosine_full", "cosine", "full", dict(T_max=10, eta_min=0.001), 0.1, 0, 0.0),
    ("cosine_set_lr", "cosine", "full", dict(T_max=10, eta_min=0.001), 0.1, 13, 0.02),
    ("plateau_defaults", "plateau", "defaults", dict(), 1.0, 0, 0.0),
    ("plateau_min_rel_cooldown_minlr", "plateau", "full", plateau("min", 0.5, 2, 0.01, "rel", 2, 0.07), 1.0, 0, 0.0),
    ("plateau_min_abs", "plateau", "full", plateau("min", 0.3, 1, 0.05, "abs", 0, 0.0), 0.5, 0, 0.0),
    ("plateau_max_rel", "plateau", "full", plateau("max", 0.2, 3, 0.02, "rel", 1, 0.0), 0.1, 0, 0.0),
    ("plateau_max_abs_negative", "plateau", "full", plateau("max", 0.5, 2, 0.1, "abs", 0, 0.001), 0.1, 0, 0.0),
    # eps larger than the cut: no cut happens once lr * (1 - factor) <= eps
    ("plateau_eps_blocks_cut", "plateau", "full", plateau("min", 0.5, 1, 1e-4, "rel", 0, 0.0, eps=0.01), 0.1, 0, 0.0),
    ("plateau_set_lr", "plateau", "full", plateau("min", 0.5, 2, 1e-4, "rel", 1, 0.0), 1.0, 12, 0.04),
]


def metric_sequence(name, seed):
    """A noisy loss that improves, stalls, improves again; a NaN in the middle; negative for *_negative."""
    rng = np.random.default_rng(seed)
    e = np.arange(SCHED_EPOCHS, dtype=np.float64)
    m = 1.0 / (1.0 + 0.3 * np.minimum(e, 8)) + 0.05 * (e > 20) * -(e - 20) / 11
    m = m + rng.normal(0.0, 0.01, SCHED_EPOCHS)
    m[14] = np.nan
    m[15:19] = m[13]  # exact repeats: never better
    if "max" in name:
        m = -m if "negative" in name else 2.0 - m
    return m


def sched_case(idx, name, kind, form, kwargs, base_lr, set_at, set_lr):
    prm = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([prm], lr=base_lr)
    if kind == "step":
        sched = torch.optim.lr_scheduler.StepLR(opt, **kwargs)
    elif kind == "cosine":
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, **kwargs)
    else:
        sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
    metric = metric_sequence(name, 500 + idx) if kind == "plateau" else None
    lrs = [opt.param_groups[0]["lr"]]
    best, bad, cool = [], [], []
    snapshots = []
    for e in range(1, SCHED_EPOCHS + 1):
        if e == set_at:
            opt.param_groups[0]["lr"] = set_lr
        opt.step()
        if kind == "plateau":
            sched.step(metric[e - 1])
            best.append(sched.best)
            bad.append(sched.num_bad_epochs)
            cool.append(sched.cooldown_counter)
        else:
            sched.step()
        lrs.append(opt.param_groups[0]["lr"])
        snapshots.append((opt.state_dict(), sched.state_dict()))
    check_resume(kind, kwargs, base_lr, set_at, set_lr, metric, snapshots, lrs)
    meta = {"scheduler": kind, "form": form, "base_lr": float(base_lr), "epochs": SCHED_EPOCHS,
            "set_lr_at": set_at, "set_lr": float(set_lr)}
    if kind == "step":
        meta.update(step_size=sched.step_size, gamma=float(sched.gamma))
    elif kind == "cosine":
        meta.update(t_max=sched.T_max, eta_min=float(sched.eta_min))
    else:
        meta.update(mode=sched.mode, factor=float(sched.factor), patience=sched.patience,
                    threshold=float(sched.threshold), threshold_mode=sched.threshold_mode, cooldown=sched.cooldown,
                    min_lr=float(sched.min_lrs[0]), eps=float(sched.eps))
    tensors = {"lr": f64(lrs)}
    if kind == "plateau":
        tensors.update(metric=f64(metric), best=f64(best), num_bad_epochs=np.array(bad, dtype=np.int64),
                       cooldown_counter=np.array(cool, dtype=np.int64))
    save("sched", name, tensors, meta)
    return f"lr {lrs[0]:.3g} -> {lrs[-1]:.3g}"


def check_resume(kind, kwargs, base_lr, set_at, set_lr, metric, snapshots, lrs):
    """PyTorch itself: resuming from state_dicts at any epoch gives the uninterrupted sequence."""
    for k in (5, 11, 20):
        prm = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([prm], lr=base_lr)
        cls = {"step": torch.optim.lr_scheduler.StepLR, "cosine": torch.optim.lr_scheduler.CosineAnnealingLR,
               "plateau": torch.optim.lr_scheduler.ReduceLROnPlateau}[kind]
        sched = cls(opt, **kwargs)
        opt.load_state_dict(snapshots[k - 1][0])
        sched.load_state_dict(snapshots[k - 1][1])
        for e in range(k + 1, SCHED_EPOCHS + 1):
            if e == set_at:
                opt.param_groups[0]["lr"] = set_lr
            opt.step()
            sched.step(metric[e - 1]) if kind == "plateau" else sched.step()
            require(opt.param_groups[0]["lr"] == lrs[e], f"{kind}: resume at {k} differs at epoch {e}")


# ------------------------------------------------------------------------------------------ clipping

CLIP_CASES = [
    # name, fn, argument, grad scale
    ("norm_active", "norm", 1.0, 1.0),
    ("norm_inactive", "norm", 100.0, 1.0),
    # max_norm equal to the norm: only the 1e-6 in (norm + 1e-6) makes the coefficient < 1
    ("norm_eps_matters", "norm", None, 4e-4),
    ("norm_zero_grads", "norm", 1.0, 0.0),
    ("value", "value", 0.5, 1.0),
]


def clip_case(idx, name, fn, arg, scale):
    g = torch.Generator().manual_seed(300 + idx)
    grads = [(torch.randn(int(np.prod(s)), generator=g) * scale).float() for s in SIZES]
    if arg is None:
        arg = float(torch.sqrt(sum((x.double() ** 2).sum() for x in grads)))

    def run(dtype):
        params = [torch.nn.Parameter(torch.zeros(x.shape, dtype=dtype)) for x in grads]
        for prm, x in zip(params, grads):
            prm.grad = x.to(dtype).clone()
        norm = None
        if fn == "norm":
            norm = float(torch.nn.utils.clip_grad_norm_(params, max_norm=arg, norm_type=2.0))
        else:
            torch.nn.utils.clip_grad_value_(params, clip_value=arg)
        return [prm.grad.clone() for prm in params], norm

    c64, n64 = run(torch.float64)
    c32, n32 = run(torch.float32)
    err = max(normwise_err(a, b) for a, b in zip(c32, c64))
    require(err <= GRAD_TOL / 5, f"clip {name}: float32 grads off by {err:.2e}")
    tensors = {}
    for p in range(len(SIZES)):
        tensors[f"grad.p{p}"] = to_np(grads[p], np.float32)
        tensors[f"clipped.p{p}"] = to_np(c64[p], np.float64)
    meta = {"fn": fn}
    if fn == "norm":
        tensors["norm"] = f64([n64])
        meta.update(max_norm=float(arg), norm_type=2.0)
        require(abs(n32 - n64) <= GRAD_TOL / 5 * max(1.0, n64), f"clip {name}: float32 norm")
    else:
        meta.update(clip_value=float(arg))
    save("clip", name, tensors, meta)
    return "" if n64 is None else f"norm {n64:.4g}, max_norm {arg:.4g}"


# ------------------------------------------------------------------------------------------ losses

def loss_case(name, loss, x, target, weight=None, ignore_index=-100, mask=None, lengths=None, pos_weight=None,
              last_step=None):
    """x: float32 [rows, K] (or [B, T, K] with lengths); target float32 like x or int64 class ids.
    last_step: the steps T of sequences of the given lengths whose last valid step's logits x [B, K] are."""
    per_step = lengths is not None and last_step is None
    if per_step:
        B, T = x.shape[0], x.shape[1]
        valid = torch.arange(T)[None, :] < torch.tensor(lengths)[:, None]
        if loss == "ce":
            target = torch.where(valid, target, torch.full_like(target, -100))

    def run(dtype):
        xi = x.to(dtype).clone().requires_grad_(True)
        if loss == "ce":
            t = target.clone()
            if mask is not None:
                t[mask == 0] = ignore_index
            w = None if weight is None else weight.to(dtype)
            fn = torch.nn.CrossEntropyLoss(weight=w, ignore_index=ignore_index)
            value = fn(xi.reshape(-1, xi.shape[-1]), t.reshape(-1))
        else:
            pw = None if pos_weight is None else pos_weight.to(dtype)
            fn = {"mse": torch.nn.MSELoss(), "l1": torch.nn.L1Loss(), "bce": torch.nn.BCEWithLogitsLoss(pos_weight=pw)}[loss]
            if per_step:
                value = fn(xi[valid], target.to(dtype)[valid])
            else:
                value = fn(xi, target.to(dtype))
        value.backward()
        return float(value), xi.grad.detach().clone()

    v64, g64 = run(torch.float64)
    v32, g32 = run(torch.float32)
    if not math.isnan(v64):
        require(abs(v32 - v64) <= LOSS_TOL / 5 * abs(v64), f"loss {name}: float32 value {v32} vs {v64}")
        err = normwise_err(g32, g64)
        require(err <= GRAD_TOL / 5, f"loss {name}: float32 grad off by {err:.2e}")
    tensors = {"input": to_np(x, np.float32), "loss": f64([v64]), "grad": to_np(g64, np.float64)}
    tensors["target"] = target.numpy().astype(np.int64) if loss == "ce" else to_np(target, np.float32)
    meta = {"loss": loss, "per_step": per_step}
    if loss == "ce":
        meta.update(ignore_index=ignore_index, classes=x.shape[-1])
    if weight is not None:
        tensors["weight"] = to_np(weight, np.float32)
    if pos_weight is not None:
        tensors["pos_weight"] = to_np(pos_weight, np.float32)
    if last_step is not None:
        meta.update(last_step=True, steps=last_step)
    if mask is not None:
        tensors["mask"] = mask.numpy().astype(np.int64)
    if lengths is not None:
        tensors["lengths"] = np.array(lengths, dtype=np.int64)
    save("loss", name, tensors, meta)
    return f"loss {v64:.6g}"


def loss_cases():
    g = torch.Generator().manual_seed(700)
    rn = lambda *s: torch.randn(*s, generator=g, dtype=torch.float32)
    ri = lambda hi, *s: torch.randint(0, hi, s, generator=g, dtype=torch.int64)
    out = []

    x = rn(7, 3)
    out.append(("mse", lambda: loss_case("mse", "mse", x, rn(7, 3))))
    x_l1 = rn(6, 5)
    y_l1 = rn(6, 5)
    y_l1[0, 0], y_l1[2, 3], y_l1[5, 4] = x_l1[0, 0], x_l1[2, 3], x_l1[5, 4]  # ties: PyTorch's subgradient 0
    out.append(("l1", lambda: loss_case("l1", "l1", x_l1, y_l1)))
    x_b = rn(9, 2) * 3
    y_b = torch.rand(9, 2, generator=g)
    y_b[:4] = (y_b[:4] > 0.5).float()  # hard 0/1 labels and soft ones
    out.append(("bce", lambda: loss_case("bce", "bce", x_b, y_b)))
    x_bl = torch.tensor([[1e4, -1e4], [30.0, -30.0], [0.0, 88.0], [-90.0, 17.0]], dtype=torch.float32)
    y_bl = torch.tensor([[0.0, 1.0], [1.0, 0.25], [0.5, 1.0], [0.0, 0.0]], dtype=torch.float32)
    out.append(("bce_large_logits", lambda: loss_case("bce_large_logits", "bce", x_bl, y_bl)))

    x_ce = rn(11, 5) * 2
    t_ce = ri(5, 11)
    t_ce[[2, 7]] = -100
    out.append(("ce_default", lambda: loss_case("ce_default", "ce", x_ce, t_ce)))
    t_ii = ri(5, 11)
    t_ii[[1, 4, 9]] = 3
    out.append(("ce_ignore_index", lambda: loss_case("ce_ignore_index", "ce", x_ce, t_ii, ignore_index=3)))
    w = torch.tensor([0.5, 2.0, 1.0, 0.25, 3.0])
    out.append(("ce_class_weights", lambda: loss_case("ce_class_weights", "ce", x_ce, t_ce, weight=w)))
    mask = torch.tensor([1, 1, 0, 1, 0, 1, 1, 1, 0, 1, 1])
    out.append(("ce_mask", lambda: loss_case("ce_mask", "ce", x_ce, t_ce, mask=mask)))
    x_cl = rn(4, 6) * 1e4
    x_cl[0, 2] = 1e30
    out.append(("ce_large_logits", lambda: loss_case("ce_large_logits", "ce", x_cl, ri(6, 4))))
    out.append(("ce_all_ignored", lambda: loss_case("ce_all_ignored", "ce", rn(3, 4), torch.full((3,), -100))))
    x_ps = rn(4, 6, 3)
    out.append(("ce_per_step_padding", lambda: loss_case("ce_per_step_padding", "ce", x_ps, ri(3, 4, 6),
                                                        lengths=[6, 2, 4, 1])))
    x_ms = rn(3, 5, 2)
    out.append(("mse_per_step_padding", lambda: loss_case("mse_per_step_padding", "mse", x_ms, rn(3, 5, 2),
                                                         lengths=[5, 3, 1])))
    out.extend(weighted_loss_cases())
    return out


def weighted_loss_cases():
    """Class weights (CrossEntropyLoss(weight=w)) and positive weights (BCEWithLogitsLoss(pos_weight=p)).
    A generator of their own, so that the cases above draw what they always drew."""
    g = torch.Generator().manual_seed(701)
    rn = lambda *s: torch.randn(*s, generator=g, dtype=torch.float32)
    ri = lambda hi, *s: torch.randint(0, hi, s, generator=g, dtype=torch.int64)
    out = []
    # an imbalanced binary task as fit trains it (two-class softmax), balanced weights n / (2 count_c)
    t_bin = torch.zeros(14, dtype=torch.int64)
    t_bin[[3, 10]] = 1
    w_bin = torch.tensor([14 / (2 * 12), 14 / (2 * 2)], dtype=torch.float32)
    x_bin = rn(14, 2) * 2
    out.append(("ce_class_weights_binary", lambda: loss_case("ce_class_weights_binary", "ce", x_bin, t_bin, weight=w_bin)))
    # weights with a custom ignore index (a class id, whose weight must not count) and a zero class weight
    x_wi = rn(10, 4) * 2
    t_wi = ri(4, 10)
    t_wi[[0, 5]] = 2
    t_wi[[1, 8]] = 3
    w_wi = torch.tensor([1.5, 0.0, 4.0, 0.75])
    out.append(("ce_class_weights_ignore_index", lambda: loss_case("ce_class_weights_ignore_index", "ce", x_wi, t_wi,
                                                                  weight=w_wi, ignore_index=2)))
    # weights with a row mask (masked rows count neither above nor below the line)
    x_wm = rn(9, 3) * 2
    t_wm = ri(3, 9)
    m_wm = torch.tensor([1, 0, 1, 1, 0, 1, 1, 0, 1])
    w_wm = torch.tensor([0.2, 3.0, 1.25])
    out.append(("ce_class_weights_mask", lambda: loss_case("ce_class_weights_mask", "ce", x_wm, t_wm, weight=w_wm, mask=m_wm)))
    # per step, padding past each length (excluded from both sums)
    x_wp = rn(4, 5, 3) * 2
    t_wp = ri(3, 4, 5)
    w_wp = torch.tensor([0.5, 2.5, 1.0])
    out.append(("ce_class_weights_per_step_padding", lambda: loss_case("ce_class_weights_per_step_padding", "ce", x_wp, t_wp,
                                                                      weight=w_wp, lengths=[5, 2, 4, 1])))
    # one label per sequence (the logits of each sequence's last valid step), sequences of unequal lengths
    x_wl = rn(6, 3) * 2
    t_wl = torch.tensor([0, 0, 2, 0, 1, 0])
    w_wl = torch.tensor([6 / (3 * 4), 6 / (3 * 1), 6 / (3 * 1)])
    out.append(("ce_class_weights_last_step", lambda: loss_case("ce_class_weights_last_step", "ce", x_wl, t_wl, weight=w_wl,
                                                               lengths=[4, 1, 3, 4, 2, 4], last_step=4)))
    # positive weights: one per column, hard and soft labels, a zero weight, logits into the saturated range
    x_pw = rn(8, 3) * 3
    x_pw[0, 0], x_pw[1, 1], x_pw[2, 2] = 40.0, -40.0, 1e4
    y_pw = torch.rand(8, 3, generator=g)
    y_pw[:5] = (y_pw[:5] > 0.6).float()
    pw = torch.tensor([3.0, 0.0, 0.4])
    out.append(("bce_pos_weight", lambda: loss_case("bce_pos_weight", "bce", x_pw, y_pw, pos_weight=pw)))
    # one column, 2 positives of 12: PyTorch's idiom pos_weight = count_neg / count_pos
    x_p1 = rn(12, 1) * 2
    y_p1 = torch.zeros(12, 1)
    y_p1[[4, 9]] = 1.0
    out.append(("bce_pos_weight_binary", lambda: loss_case("bce_pos_weight_binary", "bce", x_p1, y_p1,
                                                          pos_weight=torch.tensor([10 / 2]))))
    return out


def main():
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")  # the deprecation chatter of lr_scheduler
    os.makedirs(OUT_DIR, exist_ok=True)
    for f in os.listdir(OUT_DIR):
        if f.endswith(".safetensors"):
            os.remove(os.path.join(OUT_DIR, f))
    for idx, c in enumerate(OPTIM_CASES):
        print(f"optim_{c[0]:32s} {optim_case(idx, *c)}")
    for idx, c in enumerate(SCHED_CASES):
        print(f"sched_{c[0]:32s} {sched_case(idx, *c)}")
    for idx, c in enumerate(CLIP_CASES):
        print(f"clip_{c[0]:33s} {clip_case(idx, *c)}")
    for name, fn in loss_cases():
        print(f"loss_{name:33s} {fn()}")
    total = sum(s for _, s in written)
    print(f"{len(written)} fixtures, {total} bytes (largest {max(s for _, s in written)}), "
          f"in {os.path.relpath(OUT_DIR, ROOT)}")


if __name__ == "__main__":
    main()
