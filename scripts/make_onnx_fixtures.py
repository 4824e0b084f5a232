"""Makes nn/src/test/resources/onnx/<case>/: a PyTorch RNN/LSTM/GRU exported to ONNX (model.onnx, by
torch.onnx.export, which reorders the gates into ONNX's i, o, f, c and z, r, h and sets GRU's
linear_before_reset = 1), the same weights as a PyTorch state_dict (model.safetensors + config.json, as
vecrnn's PyTorchFormat reads them) and an input x.npy. The Java test runs both in ONNX Runtime and vecrnn.

Run with Debian's python3-torch: /usr/bin/python3 scripts/make_onnx_fixtures.py
"""
import json
import os
import struct

import numpy as np
import torch

OUT = "nn/src/test/resources/onnx"


def save_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for k in sorted(tensors):
        a = tensors[k].detach().numpy().astype("<f4")
        b = a.tobytes()
        header[k] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        off += len(b)
        blobs.append(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


CASES = [
    ("lstm", "LSTM", dict(num_layers=1, bidirectional=False)),
    ("lstm_2layer_bidir", "LSTM", dict(num_layers=2, bidirectional=True)),
    ("gru", "GRU", dict(num_layers=1, bidirectional=False)),
    ("gru_2layer_bidir", "GRU", dict(num_layers=2, bidirectional=True)),
    ("rnn_tanh", "RNN_TANH", dict(num_layers=1, bidirectional=False)),
    ("rnn_relu_bidir", "RNN_RELU", dict(num_layers=1, bidirectional=True)),
]

for seed, (name, kind, opts) in enumerate(CASES):
    torch.manual_seed(100 + seed)
    i, h, t, b = 5, 7, 6, 3
    if kind == "LSTM":
        m = torch.nn.LSTM(i, h, **opts)
    elif kind == "GRU":
        m = torch.nn.GRU(i, h, **opts)
    else:
        m = torch.nn.RNN(i, h, nonlinearity="relu" if kind == "RNN_RELU" else "tanh", **opts)
    m.eval()
    d = f"{OUT}/{name}"
    os.makedirs(d, exist_ok=True)
    x = torch.randn(t, b, i)
    torch.onnx.export(m, (x,), f"{d}/model.onnx", input_names=["x"], output_names=["output"], opset_version=14)
    save_safetensors(f"{d}/model.safetensors", m.state_dict())
    json.dump({"type": kind, "input_size": i, "hidden_size": h, "num_layers": opts["num_layers"], "bias": True,
               "batch_first": False, "bidirectional": opts["bidirectional"], "proj_size": 0},
              open(f"{d}/config.json", "w"))
    np.save(f"{d}/x.npy", x.numpy())
    print(d)
