#!/usr/bin/python3
"""End to end, as a PyTorch user goes: save a module with torch (a state_dict, a whole model's state_dict,
a training checkpoint, a pickled model, TorchScript), export it with scripts/export_pytorch.py, run it with
`./vecrnn infer`, and compare every output with PyTorch's own forward (float32) on the same input.
Also checks the exporter's refusals (one line on stderr, exit 2, nothing written).

    /usr/bin/python3 scripts/check_export_pytorch.py [WORKDIR]    # default: a temporary directory, removed after

Run by .ci/run. Needs Debian's python3-torch and numpy, and the launcher's JDK.
"""
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn.utils.parametrizations  # noqa: F401 (used below)
import torch.nn.utils.prune  # noqa: F401 (used below)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXPORT = [sys.executable, os.path.join(ROOT, "scripts", "export_pytorch.py")]
VECRNN = os.path.join(ROOT, "vecrnn")
TOLERANCE = 1e-5


class Model(torch.nn.Module):
    """A whole model as users write one: an embedding-free recurrent encoder and a head."""

    def __init__(self, rnn):
        super().__init__()
        self.encoder = rnn
        width = getattr(rnn, "proj_size", 0) or rnn.hidden_size
        self.fc = torch.nn.Linear(width * (2 if rnn.bidirectional else 1), 2)

    def forward(self, x):
        return self.fc(self.encoder(x)[0])


def run(cmd, expect):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != expect:
        raise SystemExit(f"FAIL {' '.join(cmd)}: exit {p.returncode}, expected {expect}\n{p.stderr}")
    return p


def check_case(work, label, rnn, save, extra=()):
    torch.manual_seed(len(label))
    src = os.path.join(work, label + ".pt")
    save(rnn, src)
    out_dir = os.path.join(work, label)
    run(EXPORT + [src, out_dir, *extra], 0)
    bf = rnn.batch_first
    T, B = 7, 3
    x = torch.randn((B, T, rnn.input_size) if bf else (T, B, rnn.input_size))
    np.save(os.path.join(work, label + "_x.npy"), x.numpy())
    res = os.path.join(work, label + "_out")
    run([VECRNN, "infer", "--model", out_dir, "--input", os.path.join(work, label + "_x.npy"), "--out", res], 0)
    with torch.no_grad():
        y, hn = rnn(x)
    refs = {"output": y, "h_n": hn[0] if isinstance(hn, tuple) else hn}
    if isinstance(hn, tuple):
        refs["c_n"] = hn[1]
    worst = 0.0
    for name, ref in refs.items():
        got = np.load(os.path.join(res, name + ".npy"))
        if got.shape != tuple(ref.shape):
            raise SystemExit(f"FAIL {label}: {name} shape {got.shape}, PyTorch {tuple(ref.shape)}")
        worst = max(worst, float(np.abs(got - ref.numpy()).max()))
    if not worst <= TOLERANCE:
        raise SystemExit(f"FAIL {label}: largest difference from PyTorch {worst:.3g} > {TOLERANCE}")
    print(f"ok   {label:34s} largest |vecrnn - torch| = {worst:.2e}")


def check_cell_case(work, label, cell, save, extra=()):
    """A cell (nn.LSTMCell, nn.GRUCell, nn.RNNCell) stepped over a sequence by a loop, as users run one, against infer
    running the cell's export as a module of one layer: output the stacked h of every step, h_n (c_n) the last."""
    src = os.path.join(work, label + ".pt")
    save(cell, src)
    out_dir = os.path.join(work, label)
    run(EXPORT + [src, out_dir, *extra], 0)
    T, B = 6, 3
    x = torch.randn(T, B, cell.input_size)
    np.save(os.path.join(work, label + "_x.npy"), x.numpy())
    res = os.path.join(work, label + "_out")
    run([VECRNN, "infer", "--model", out_dir, "--input", os.path.join(work, label + "_x.npy"), "--out", res], 0)
    lstm = isinstance(cell, torch.nn.LSTMCell)
    h = torch.zeros(B, cell.hidden_size)
    c = torch.zeros(B, cell.hidden_size)
    steps = []
    with torch.no_grad():
        for t in range(T):
            if lstm:
                h, c = cell(x[t], (h, c))
            else:
                h = cell(x[t], h)
            steps.append(h)
    refs = {"output": torch.stack(steps), "h_n": h[None]}
    if lstm:
        refs["c_n"] = c[None]
    worst = max(float(np.abs(np.load(os.path.join(res, n + ".npy")) - r.numpy()).max()) for n, r in refs.items())
    if not worst <= TOLERANCE:
        raise SystemExit(f"FAIL {label}: largest difference from PyTorch's loop {worst:.3g} > {TOLERANCE}")
    print(f"ok   {label:34s} largest |vecrnn - torch| = {worst:.2e}")


def snapshot(d):
    if not os.path.isdir(d):
        return None
    return {n: open(os.path.join(d, n), "rb").read() for n in sorted(os.listdir(d))}


def check_refused(work, label, cmd, says):
    out_dir = cmd[1]
    before = snapshot(out_dir)
    p = run(EXPORT + cmd, 2)
    lines = p.stderr.strip().splitlines()
    if len(lines) != 1 or says not in lines[0]:
        raise SystemExit(f"FAIL {label}: expected one line saying '{says}', got:\n{p.stderr}")
    if snapshot(out_dir) != before:
        raise SystemExit(f"FAIL {label}: {out_dir} changed")
    print(f"ok   {label:34s} refused: {lines[0]}")


def main():
    if len(sys.argv) > 1:
        os.makedirs(sys.argv[1], exist_ok=True)
        checks(sys.argv[1])
        return
    work = tempfile.mkdtemp(prefix="vecrnn-export-")
    try:
        checks(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def checks(work):
    torch.manual_seed(0)
    state_dict = lambda m, p: torch.save(m.state_dict(), p)
    whole = lambda m, p: torch.save(Model(m).state_dict(), p)
    checkpoint = lambda m, p: torch.save({"epoch": 3, "model_state_dict": Model(m).state_dict(),
                                          "optimizer_state_dict": {"lr": 0.1}}, p)
    pickled = lambda m, p: torch.save(m, p)
    scripted = lambda m, p: torch.jit.save(torch.jit.script(m), p)

    check_case(work, "lstm_state_dict", torch.nn.LSTM(5, 8), state_dict)
    check_case(work, "lstm_proj_bidir_2layers_bf", torch.nn.LSTM(4, 6, num_layers=2, bidirectional=True,
                                                                  proj_size=3, batch_first=True),
               whole, ["--batch-first"])
    check_case(work, "gru_checkpoint_bidir", torch.nn.GRU(3, 5, bidirectional=True), checkpoint, ["--trust-pickle"])
    beside = lambda m, p: torch.save({**{"a." + k: v for k, v in torch.nn.GRU(3, 5).state_dict().items()},
                                      **{"b." + k: v for k, v in m.state_dict().items()}}, p)
    check_case(work, "gru_second_of_two_modules", torch.nn.GRU(3, 5), beside, ["--module", "b"])
    check_case(work, "gru_nobias_3layers", torch.nn.GRU(6, 4, num_layers=3, bias=False), state_dict)
    check_case(work, "rnn_relu_state_dict", torch.nn.RNN(4, 6, nonlinearity="relu"), state_dict,
               ["--type", "RNN_RELU"])
    check_case(work, "rnn_tanh_pickled_bf", torch.nn.RNN(3, 4, batch_first=True), pickled, ["--trust-pickle"])
    # a checkpoint holding the module itself, as torch.save({"model": model, "epoch": e}) writes it (refused as holding
    # no recurrent module: only state_dicts were looked for under the checkpoint's keys)
    check_case(work, "gru_module_in_checkpoint_bf", torch.nn.GRU(3, 5, num_layers=2, batch_first=True),
               lambda m, p: torch.save({"epoch": 3, "model": torch.nn.Sequential(m)}, p), ["--trust-pickle"])
    check_case(work, "lstm_torchscript_bf", torch.nn.LSTM(3, 4, batch_first=True), scripted)
    check_case(work, "rnn_relu_torchscript", torch.nn.RNN(3, 5, nonlinearity="relu"), scripted)
    # torch.nn.utils.prune and weight_norm keep NAME_orig and NAME_mask, NAME_g and NAME_v in place of a weight
    # (the exporter refused them: 'expected weight_ih_l0 and weight_hh_l0', or found no recurrent module)
    pruned = torch.nn.GRU(3, 5, bidirectional=True)
    torch.nn.utils.prune.l1_unstructured(pruned, "weight_ih_l0", amount=0.4)
    torch.nn.utils.prune.random_unstructured(pruned, "bias_hh_l0_reverse", amount=0.5)
    check_case(work, "gru_pruned_whole_model", pruned, whole)
    normed = torch.nn.utils.weight_norm(torch.nn.LSTM(3, 5, proj_size=2), "weight_hh_l0")
    check_case(work, "lstm_weight_norm_state_dict", torch.nn.utils.weight_norm(normed, "weight_hr_l0", dim=1), state_dict)

    # a cell stepped by the user's own loop is a one-layer module's layer 0 (refused: 'no nn.LSTM, nn.GRU or nn.RNN found')
    check_cell_case(work, "lstm_cell_whole_model_state_dict", torch.nn.LSTMCell(4, 5),
                    lambda m, p: torch.save({"cell." + k: v for k, v in m.state_dict().items()}, p))
    check_cell_case(work, "gru_cell_pickled", torch.nn.GRUCell(3, 7), pickled, ["--trust-pickle"])
    check_cell_case(work, "rnn_relu_cell_torchscript", torch.nn.RNNCell(3, 4, nonlinearity="relu", bias=False), scripted)
    check_cell_case(work, "rnn_cell_state_dict", torch.nn.RNNCell(2, 3), state_dict, ["--type", "RNN_TANH"])

    r = os.path.join(work, "rnn_state_dict.pt")
    torch.save(torch.nn.RNN(3, 4).state_dict(), r)
    check_refused(work, "rnn without --type", [r, os.path.join(work, "no1")], "--type RNN_TANH or --type RNN_RELU")
    check_refused(work, "wrong --type", [os.path.join(work, "lstm_state_dict.pt"), os.path.join(work, "no2"),
                                         "--type", "GRU"], "--type GRU")
    check_refused(work, "pickle without --trust-pickle", [os.path.join(work, "rnn_tanh_pickled_bf.pt"),
                                                          os.path.join(work, "no3")], "--trust-pickle")
    two = os.path.join(work, "two.pt")
    torch.save({**{"a." + k: v for k, v in torch.nn.GRU(2, 3).state_dict().items()},
                **{"b." + k: v for k, v in torch.nn.GRU(2, 3).state_dict().items()}}, two)
    check_refused(work, "two modules without --module", [two, os.path.join(work, "no4")], "--module")
    check_refused(work, "existing output", [os.path.join(work, "lstm_state_dict.pt"),
                                            os.path.join(work, "lstm_state_dict")], "--overwrite")
    orth = torch.nn.GRU(3, 4)
    torch.nn.utils.parametrizations.orthogonal(orth, "weight_hh_l0")
    o = os.path.join(work, "orthogonal.pt")
    torch.save(Model(orth).state_dict(), o)
    check_refused(work, "parametrized weight", [o, os.path.join(work, "no5")],
                  "encoder.weight_hh_l0 is parametrized (encoder.parametrizations.weight_hh_l0.original")
    q = os.path.join(work, "quantized.pt")
    torch.save(torch.quantization.quantize_dynamic(Model(torch.nn.LSTM(3, 4)), {torch.nn.LSTM}, dtype=torch.qint8).state_dict(), q)
    check_refused(work, "dynamically quantized", [q, os.path.join(work, "no6"), "--trust-pickle"],
                  "a dynamically quantized recurrent module (encoder._all_weight_values.0.param")
    # a whole model pickled from a script: its class lives in that script's __main__, which the exporter has not
    # (the refusal was torch.load's "Can't get attribute 'Model' on <module '__main__'>", with no way out)
    mine = os.path.join(work, "my_model_pickled.pt")
    torch.save(Model(torch.nn.LSTM(3, 4)), mine)
    check_refused(work, "pickled model of the user's class", [mine, os.path.join(work, "no7"), "--trust-pickle"],
                  "save model.state_dict() instead")
    # a state_dict holding the reverse direction's weights and not the forward one's (the refusal said 'no nn.LSTM,
    # nn.GRU or nn.RNN found', as if the file held no recurrent weights)
    rev = os.path.join(work, "reverse_only.pt")
    torch.save({k: v for k, v in Model(torch.nn.LSTM(3, 4, bidirectional=True)).state_dict().items()
                if k.endswith("_reverse") or k.startswith("fc.")}, rev)
    check_refused(work, "reverse direction only", [rev, os.path.join(work, "no8")],
                  "encoder holds encoder.weight_ih_l0_reverse but no encoder.weight_ih_l0")
    print("export check passed")


if __name__ == "__main__":
    main()
