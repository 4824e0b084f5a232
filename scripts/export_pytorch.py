#!/usr/bin/python3
"""Export a PyTorch recurrent module to the directory that `./vecrnn infer`, `./vecrnn quantize` and
`PyTorchFormat.read` take: `model.safetensors` (the module's state_dict under its own, unprefixed names,
float32) and `config.json` (type, sizes and options).

    /usr/bin/python3 scripts/export_pytorch.py SOURCE OUTDIR [--module NAME] [--type T] [--batch-first]
                                                [--trust-pickle] [--overwrite]

SOURCE is a file written by `torch.save`: a state_dict (of an `nn.LSTM`/`nn.GRU`/`nn.RNN`, or of a whole
model holding one, such as `lstm.weight_ih_l0` beside `fc.weight`), a checkpoint dict holding one under
`state_dict`, `model_state_dict` or `model`, or a whole pickled model (alone, or under `model` or one of those
keys of a checkpoint); or a TorchScript file (`torch.jit.save`). An `nn.LSTMCell`/`nn.GRUCell`/`nn.RNNCell` (its
`weight_ih` and `weight_hh`, no layer suffix) is written as a module of one layer, its weights as that module's
layer 0: what the cell computes stepped over a sequence by a loop, `h = cell(x[t], h)`, as infer runs it.

From a module (pickled or TorchScript) every option is read from the module itself. From a bare
state_dict the weights' shapes give the cell (four gates: LSTM, three: GRU, one: RNN), sizes, layers,
directions, bias and proj_size; what weights cannot tell must be said: an RNN's nonlinearity
(`--type RNN_TANH` or `RNN_RELU`), and `--batch-first` if the module was built with batch_first=True
(PyTorch's default, and this script's, is [T, B, I]).

Weights that torch.nn.utils.prune (NAME_orig, NAME_mask) or torch.nn.utils.weight_norm (NAME_g, NAME_v) keep in
place of a weight are written as the module computes them.

Loads with `weights_only=True` (tensors and plain containers only); a pickled module needs
`--trust-pickle`, since unpickling it runs code from the file. Needs Debian's python3-torch and numpy;
writes safetensors by hand (Debian has no safetensors module). Errors: one line on stderr, exit 2,
nothing written.
"""
import argparse
import json
import os
import re
import sys
import tempfile

import numpy as np
import torch

from make_pytorch_fixtures import safetensors_bytes

KINDS = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}
CHECKPOINT_KEYS = ("state_dict", "model_state_dict", "model")


class Refused(Exception):
    pass


def load(source, trust_pickle):
    """The object in SOURCE: a module or a dict of tensors."""
    if not os.path.isfile(source):
        raise Refused(f"{source}: expected a file written by torch.save or torch.jit.save")
    try:
        return torch.jit.load(source, map_location="cpu")
    except Exception:
        pass  # not TorchScript
    try:
        return torch.load(source, map_location="cpu", weights_only=True)
    except Exception as e:
        why = " ".join(str(e).split()).split("error: ")[-1][:120] or type(e).__name__
        if "Weights only load failed" not in str(e):
            raise Refused(f"{source}: not a file that torch.load reads ({why})")
        if not trust_pickle:
            old = (f" (torch {torch.__version__}'s loader refuses even a float, such as a saved loss or an"
                   f" optimizer's state_dict)") if torch.__version__.startswith("1.") else ""
            raise Refused(f"{source}: torch's weights-only loader refused it ({why}): a whole pickled model, or a"
                          f" checkpoint holding more than tensors{old}; if the file comes from a source you trust,"
                          f" add --trust-pickle (unpickling runs code from the file)")
    try:
        return torch.load(source, map_location="cpu", weights_only=False)
    except Exception as e:
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        if isinstance(e, (AttributeError, ModuleNotFoundError)) and ("Can't get attribute" in first or "No module named" in first):
            # pickle stores a whole model by its class's name, which only the code that defined it can import
            raise Refused(f"{source}: a whole pickled model whose class this script cannot import ({first}):"
                          f" save model.state_dict() instead (or torch.jit.save(torch.jit.script(model), FILE))")
        raise Refused(f"{source}: torch.load failed: {first}")


CELLS = {"LSTMCell": "LSTM", "GRUCell": "GRU", "RNNCell": "RNN"}


def recurrent_modules(module):
    """(name, module) of every nn.RNN/LSTM/GRU and nn.LSTMCell/GRUCell/RNNCell in module, TorchScript ones by their
    original name."""
    out = []
    for name, m in module.named_modules():
        if isinstance(m, (torch.nn.RNNBase, torch.nn.RNNCellBase)):
            out.append((name, m))
        elif getattr(m, "original_name", None) in ("LSTM", "GRU", "RNN", *CELLS):
            out.append((name, m))
    return out


def cell_name(m):
    """LSTMCell, GRUCell or RNNCell where m is such a cell (TorchScript's too), else None."""
    name = getattr(m, "original_name", None) or type(m).__name__
    return name if name in CELLS else None


def as_layer(sd):
    """A cell's weights (weight_ih, weight_hh, bias_ih, bias_hh) under the names of a one-layer module's layer 0: a
    cell stepped over a sequence by a loop computes what that module does."""
    return {k + "_l0": v for k, v in sd.items() if k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}


def choose(names, wanted, what):
    if wanted is not None:
        if wanted not in names:
            raise Refused(f"--module {wanted}: no such recurrent module (found: {', '.join(names) or 'none'})")
        return wanted
    if len(names) != 1:
        raise Refused(f"{what} holds {len(names)} recurrent modules ({', '.join(names) or 'none'});"
                      f" name one with --module" if names else f"{what}: no nn.LSTM, nn.GRU or nn.RNN found")
    return names[0]


def folded(tensors):
    """tensors with the weights as the module computes them where torch.nn.utils.prune (NAME_orig and NAME_mask)
    or torch.nn.utils.weight_norm (NAME_g and NAME_v) replaced a weight in the state_dict: orig * mask, as
    pruning's hook computes it, and torch._weight_norm(v, g, dim), as weight_norm's does (dim read from g's
    shape: the one axis g keeps, or none, where the norm over every axis is the same)."""
    out = dict(tensors)
    for k, t in tensors.items():
        if k.endswith("_orig") and isinstance(tensors.get(k[:-5] + "_mask"), torch.Tensor):
            base = k[:-5]
            out[base] = t * tensors[base + "_mask"]
            del out[k], out[base + "_mask"]
        elif k.endswith("_v") and isinstance(tensors.get(k[:-2] + "_g"), torch.Tensor):
            base, g = k[:-2], tensors[k[:-2] + "_g"]
            kept = [d for d in range(g.dim()) if g.shape[d] != 1]
            out[base] = torch._weight_norm(t, g, kept[0] if len(kept) == 1 else -1)
            del out[k], out[base + "_g"]
    return out


def from_module(module, args):
    found = dict(recurrent_modules(module))
    name = choose(sorted(found), args.module, args.source)
    m = found[name]
    sd = folded(dict(m.state_dict()))
    cell = cell_name(m)
    if cell:
        sd = as_layer(sd)
    mode = getattr(m, "mode", None)  # nn.RNNBase's: LSTM, GRU, RNN_TANH or RNN_RELU (kept by TorchScript too)
    kind = mode if mode in KINDS else CELLS[cell] if cell in ("LSTMCell", "GRUCell") else None
    if kind is None and (cell or getattr(m, "original_name", None)) in ("RNN", "RNNCell") \
            and getattr(m, "nonlinearity", None) in ("tanh", "relu"):
        kind = "RNN_" + m.nonlinearity.upper()
    if kind is not None and args.type is not None and args.type != kind:
        raise Refused(f"--type {args.type}: the module is {kind}")
    cfg = config_from_weights(sd, kind or args.type, name or "the module")
    if hasattr(m, "batch_first"):
        cfg["batch_first"] = bool(m.batch_first)
    elif cell:
        cfg["batch_first"] = bool(args.batch_first)  # a cell takes one step; the layout is the loop's, as the user says
    if args.batch_first and not cfg["batch_first"]:
        raise Refused("--batch-first: the module itself has batch_first=False")
    return cfg, sd, cell


def from_state_dict(obj, args):
    for key in CHECKPOINT_KEYS:
        if key in obj and isinstance(obj[key], dict):
            obj = obj[key]
            break
    tensors = folded({k: v for k, v in obj.items() if isinstance(k, str) and isinstance(v, torch.Tensor)})
    packed = [k for k in obj if isinstance(k, str) and re.match(r"(.*\.)?_all_weight_values\.\d+\.param$", k)]
    if packed and not any(k.endswith("weight_ih_l0") for k in tensors):
        raise Refused(f"{args.source}: a dynamically quantized recurrent module ({packed[0]}, from"
                      f" torch.quantization.quantize_dynamic), whose int8 weights are packed for PyTorch's own kernels:"
                      f" export the float module's state_dict (./vecrnn quantize --precision int8 makes vecrnn's int8 copy)")
    for k in tensors:
        p = re.fullmatch(r"(.*)parametrizations\.((weight|bias)_(ih|hh|hr)_l\d+(_reverse)?)\.original\d*", k)
        if p:  # how the weight is computed from `original` is code (orthogonal, a function of one's own), not data
            raise Refused(f"{args.source}: {p.group(1)}{p.group(2)} is parametrized ({k}, torch.nn.utils.parametrize),"
                          f" and a state_dict does not say how to compute it: save the state_dict after"
                          f" torch.nn.utils.parametrize.remove_parametrizations(module, '{p.group(2)}')")
    prefixes = sorted({k[: -len("weight_ih_l0")] for k in tensors if k.endswith("weight_ih_l0")})
    # a cell's (nn.LSTMCell, GRUCell, RNNCell): weight_ih and weight_hh, no layer suffix
    cells = sorted({k[: -len("weight_ih")] for k in tensors if k.endswith("weight_ih") and k[:-2] + "hh" in tensors})
    names = [p[:-1] if p.endswith(".") else p for p in prefixes + cells]
    if not names or args.module is not None and args.module not in names:
        # a module's weights without its first layer's forward ones (a reverse direction or a later layer alone):
        # say what is missing rather than that there is no recurrent module
        partial = sorted((m.group(1), k) for k in tensors
                         for m in [re.fullmatch(r"(.*?)weight_ih_l\d+(_reverse)?", k)] if m)
        for prefix_, k in partial:
            name_ = prefix_[:-1] if prefix_.endswith(".") else prefix_
            if args.module in (None, name_):
                raise Refused(f"{args.source}: {name_ or 'the state_dict'} holds {k} but no {prefix_}weight_ih_l0:"
                              f" a recurrent module's state_dict holds every layer and direction")
    name = choose(names, args.module, args.source)
    prefix = (prefixes + cells)[names.index(name)]
    sd = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)
          and re.fullmatch(r"(weight|bias)_(ih|hh|hr)_l\d+(_reverse)?", k[len(prefix):])}
    cell = prefix in cells
    if cell:
        sd = as_layer({k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)})
    cfg = config_from_weights(sd, args.type, name or args.source)
    cfg["batch_first"] = bool(args.batch_first)
    return cfg, sd, {4: "LSTMCell", 3: "GRUCell", 1: "RNNCell"}[sd["weight_ih_l0"].shape[0] // cfg["hidden_size"]] if cell else None


def config_from_weights(sd, kind, what):
    if "weight_ih_l0" not in sd or "weight_hh_l0" not in sd:
        raise Refused(f"{what}: expected weight_ih_l0 and weight_hh_l0")
    rows, inp = sd["weight_ih_l0"].shape
    proj = sd["weight_hr_l0"].shape[0] if "weight_hr_l0" in sd else 0
    hidden = sd["weight_hr_l0"].shape[1] if proj else sd["weight_hh_l0"].shape[1]
    if hidden == 0 or rows == 0:
        raise Refused(f"{what}: expected a hidden size and weight_ih_l0 rows above 0, got {hidden} and {rows}")
    if rows % hidden:
        raise Refused(f"{what}: weight_ih_l0 has {rows} rows, not a multiple of the hidden size {hidden}")
    gates = rows // hidden
    by_gates = {4: "LSTM", 3: "GRU"}
    if kind is None:
        if gates == 1:
            raise Refused(f"{what} is an nn.RNN; its weights do not say its nonlinearity: add --type RNN_TANH or"
                          f" --type RNN_RELU")
        if gates not in by_gates:
            raise Refused(f"{what}: weight_ih_l0 has {gates} gates of {hidden} rows, expected 4 (LSTM), 3 (GRU) or 1 (RNN)")
        kind = by_gates[gates]
    elif KINDS[kind] != gates:
        raise Refused(f"--type {kind}: the weights have {gates} gates of {hidden} rows, {kind} has {KINDS[kind]}")
    layers = 1 + max(int(m.group(1)) for m in (re.fullmatch(r"weight_ih_l(\d+)(_reverse)?", k) for k in sd) if m)
    cfg = dict(type=kind, input_size=int(inp), hidden_size=int(hidden), num_layers=layers,
               bias="bias_ih_l0" in sd, batch_first=False, bidirectional="weight_ih_l0_reverse" in sd)
    if proj:
        cfg["proj_size"] = int(proj)
    return cfg


def check_loads(cfg, sd):
    """Builds the module cfg describes and loads sd into it strictly: names and shapes must match exactly."""
    kw = dict(input_size=cfg["input_size"], hidden_size=cfg["hidden_size"], num_layers=cfg["num_layers"],
              bias=cfg["bias"], batch_first=cfg["batch_first"], bidirectional=cfg["bidirectional"])
    if cfg["type"] == "LSTM":
        m = torch.nn.LSTM(proj_size=cfg.get("proj_size", 0), **kw)
    elif cfg["type"] == "GRU":
        m = torch.nn.GRU(**kw)
    else:
        m = torch.nn.RNN(nonlinearity="relu" if cfg["type"] == "RNN_RELU" else "tanh", **kw)
    try:
        m.load_state_dict(sd, strict=True)
    except RuntimeError as e:
        raise Refused("the weights do not match the module they describe: " + " ".join(str(e).split())[:300])


def weights_file(sd):
    """model.safetensors of sd: float32, finite."""
    arrays = {}
    for name, t in sd.items():
        a = t.detach().to(torch.float32).cpu().numpy()
        if not np.isfinite(a).all():
            raise Refused(f"{name}: expected finite weights")
        arrays[name] = a
    return safetensors_bytes(arrays)


def write(outdir, files, overwrite):
    if os.path.exists(outdir) and not os.path.isdir(outdir):
        raise Refused(f"{outdir}: expected a directory, found a file")
    for name in files:
        path = os.path.join(outdir, name)
        if os.path.lexists(path) and not overwrite:
            raise Refused(f"{path}: exists; add --overwrite to replace it")
    os.makedirs(outdir, exist_ok=True)
    temps = []
    try:
        for name, data in files.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=outdir)
            temps.append((tmp, os.path.join(outdir, name)))
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o644)
        for tmp, path in temps:
            os.replace(tmp, path)
    finally:
        for tmp, _ in temps:
            if os.path.exists(tmp):
                os.unlink(tmp)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("source")
    p.add_argument("outdir")
    p.add_argument("--module", help="the recurrent module's name in a whole model (such as lstm or encoder.rnn)")
    p.add_argument("--type", choices=sorted(KINDS), help="the cell, where the weights cannot tell it (an RNN)")
    p.add_argument("--batch-first", action="store_true", help="the module was built with batch_first=True")
    p.add_argument("--trust-pickle", action="store_true", help="allow unpickling a whole model (runs its code)")
    p.add_argument("--overwrite", action="store_true")
    args = p.parse_args(argv)
    try:
        obj = load(args.source, args.trust_pickle)
        if isinstance(obj, dict):
            # a checkpoint may hold the module itself, as torch.save({"model": model, "epoch": e}) writes it
            held = [obj[k] for k in CHECKPOINT_KEYS if isinstance(obj.get(k), torch.nn.Module)]
            obj = held[0] if held else obj
        if isinstance(obj, torch.nn.Module):
            cfg, sd, cell = from_module(obj, args)
        elif isinstance(obj, dict):
            cfg, sd, cell = from_state_dict(obj, args)
        else:
            raise Refused(f"{args.source}: holds a {type(obj).__name__}, expected a state_dict or a module")
        check_loads(cfg, sd)
        write(args.outdir, {"model.safetensors": weights_file(sd),
                            "config.json": (json.dumps(cfg, indent=2) + "\n").encode()}, args.overwrite)
    except Refused as e:
        print(f"export_pytorch: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # anything else the file leads to is still one line, naming the file
        first = str(e).splitlines()[0][:200] if str(e) else ""
        print(f"export_pytorch: {args.source}: {type(e).__name__}{': ' + first if first else ''}", file=sys.stderr)
        return 2
    layout = "[B, T, I]" if cfg["batch_first"] else "[T, B, I]"
    print(f"wrote {args.outdir}/model.safetensors and config.json: {cfg['type']}, input {cfg['input_size']},"
          f" hidden {cfg['hidden_size']}, {cfg['num_layers']} layer(s)"
          f"{', bidirectional' if cfg['bidirectional'] else ''}"
          f"{', proj ' + str(cfg['proj_size']) if cfg.get('proj_size') else ''}; input layout {layout}"
          f"{f' (an nn.{cell}, run as one layer: infer steps it over every step of the input, as a loop over cell(x[t], state) does)' if cell else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
