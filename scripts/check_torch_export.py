"""Loads directories written by vecrnn's PyTorchFormat.write into torch.nn.RNN/LSTM/GRU with
load_state_dict(strict=True), runs x.npy through them and compares with vecrnn's output.npy.

    mvn verify   # nn's PyTorchFormatTest writes nn/target/torch-export/<cell>/
    /usr/bin/python3 scripts/check_torch_export.py nn/target/torch-export/*

Needs Debian's python3-torch (apt-get install python3-torch); reads safetensors by hand (the format is
an 8-byte header length, a JSON header and raw little-endian data), as Debian has no safetensors module.
"""
import json
import struct
import sys

import numpy as np
import torch


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        assert e["dtype"] == "F32", (name, e["dtype"])
        begin, end = e["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[begin:end], dtype="<f4").reshape(e["shape"]).copy())
    return out


def check(d):
    cfg = json.load(open(f"{d}/config.json"))
    kind = cfg.pop("type")
    kwargs = dict(input_size=cfg["input_size"], hidden_size=cfg["hidden_size"], num_layers=cfg["num_layers"],
                  bias=cfg["bias"], batch_first=cfg["batch_first"], dropout=cfg.get("dropout", 0.0),
                  bidirectional=cfg["bidirectional"])
    if kind == "LSTM":
        module = torch.nn.LSTM(proj_size=cfg.get("proj_size", 0), **kwargs)
    elif kind == "GRU":
        module = torch.nn.GRU(**kwargs)
    else:
        module = torch.nn.RNN(nonlinearity="relu" if kind == "RNN_RELU" else "tanh", **kwargs)
    module.load_state_dict(read_safetensors(f"{d}/model.safetensors"), strict=True)
    x = torch.from_numpy(np.load(f"{d}/x.npy"))
    with torch.no_grad():
        out = module(x)[0].numpy()
    ref = np.load(f"{d}/output.npy")
    err = float(np.abs(out - ref).max())
    print(f"{d}: {kind} loaded with load_state_dict(strict=True); max |torch - vecrnn| = {err:.2e}")
    return err <= 1e-5


if __name__ == "__main__":
    ok = all([check(d) for d in sys.argv[1:]])
    sys.exit(0 if ok and len(sys.argv) > 1 else 1)
