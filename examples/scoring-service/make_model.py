"""Makes examples/scoring-service/model/ (the service's model) and src/test/resources/torch-reference.json
(PyTorch's outputs for a fixed input, the independent reference of PyTorchReferenceTest).

The model is a PyTorch nn.LSTM (input 8, hidden 32, 2 layers, unidirectional so that it can be stepped)
saved as its state_dict in safetensors with unprefixed names, plus the config.json that vecrnn's
PyTorchFormat.read (and ./vecrnn infer) reads. CI has no torch, so both outputs are committed.
Run from examples/scoring-service with Debian's python3-torch: /usr/bin/python3 make_model.py"""
import json
import os
import struct

import torch

INPUT, HIDDEN, LAYERS, STEPS = 8, 32, 2, 25

torch.manual_seed(15)
lstm = torch.nn.LSTM(INPUT, HIDDEN, num_layers=LAYERS)


def save_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        b = t.detach().contiguous().numpy().astype('<f4').tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    h = json.dumps(header).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)) + h + b''.join(blobs))


os.makedirs('model', exist_ok=True)
save_safetensors('model/model.safetensors', lstm.state_dict())
with open('model/config.json', 'w') as f:
    json.dump({"type": "LSTM", "input_size": INPUT, "hidden_size": HIDDEN, "num_layers": LAYERS, "bias": True,
               "batch_first": False, "bidirectional": False, "proj_size": 0}, f, indent=2)
    f.write('\n')

# One stream of STEPS events; the service's outputs per step are the top layer's h, i.e. output[t, 0, :].
x = torch.randn(STEPS, 1, INPUT)
with torch.no_grad():
    out, _ = lstm(x)
os.makedirs('src/test/resources', exist_ok=True)
with open('src/test/resources/torch-reference.json', 'w') as f:
    # float32 values written as Python floats (exact doubles); Java's (float) cast of each is exact
    json.dump({"torch": torch.__version__, "inputs": x[:, 0, :].tolist(), "outputs": out[:, 0, :].tolist()}, f)
    f.write('\n')
