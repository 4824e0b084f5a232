#!/usr/bin/python3
"""PyTorch on one thread, the same work as vecrnn's JMH rows, for the README's PyTorch column.

Run with Debian's python3-torch (1.13): /usr/bin/python3 scripts/bench_pytorch.py, pinned for
single-thread figures: taskset -c 0 /usr/bin/python3 scripts/bench_pytorch.py

Rows: one streaming step at batch 1 (the state fed back, torch.no_grad, as an inference service would
run it) for LSTM/GRU/RNN at I = H = 64/256/1024; LSTM over T = 100 steps at batch 1 (per step); and a
training iteration of one LSTM layer at 256, B = 32, T = 64 (zero_grad, forward, backward from a fixed
random output gradient, Adam), as nn.TrainIterationBench does; and the dynamically quantized int8 LSTM
(step and T = 100) at the same sizes, on whichever quantized engine the build has. Each figure is the median of 7 rounds,
each round timing enough calls for ~0.3 s, with the min-max of the rounds.
"""
import statistics
import time

import torch

torch.set_num_threads(1)
torch.manual_seed(0)


def timed(fn, round_seconds=0.3, rounds=7):
    for _ in range(20):
        fn()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < 0.1:
        fn()
        n += 1
    calls = max(1, int(n * round_seconds / 0.1))
    per = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        per.append((time.perf_counter() - t0) / calls)
    return statistics.median(per), min(per), max(per)


def fmt(label, t, scale, unit):
    med, lo, hi = (v * scale for v in t)
    print(f"| {label} | {med:.3g} ({lo:.3g}-{hi:.3g}) {unit} |", flush=True)


print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
print("| PyTorch, one thread | median (min-max) |")
print("|---|---|")
cells = {"LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU, "RNN": torch.nn.RNN}
with torch.no_grad():
    for name, cls in cells.items():
        for size in (64, 256, 1024):
            net = cls(size, size)
            x = torch.rand(1, 1, size) * 2 - 1
            state = [(torch.zeros(1, 1, size), torch.zeros(1, 1, size)) if name == "LSTM" else torch.zeros(1, 1, size)]

            def step():
                _, state[0] = net(x, state[0])

            fmt(f"{name} step {size}, batch 1", timed(step), 1e6, "us")
    for size in (64, 256, 1024):
        net = torch.nn.LSTM(size, size)
        xs = torch.rand(100, 1, size) * 2 - 1
        fmt(f"LSTM {size}, T = 100, per step", timed(lambda: net(xs)), 1e6 / 100, "us")

# int8 weights, dynamic activations (issue 16). Debian's torch 1.13 has no fbgemm (engines: qnnpack, onednn),
# and quantize_dynamic(model, {nn.LSTM}) returns nn.LSTM unchanged there; the dynamic LSTM module itself
# builds on qnnpack, so it is made with from_float. qnnpack is written for ARM: on x86 it is a weak baseline.
int8_engine = "fbgemm" if "fbgemm" in torch.backends.quantized.supported_engines else "qnnpack"
torch.backends.quantized.engine = int8_engine
try:
    from torch.ao.nn.quantized import dynamic as qdynamic
except ImportError:
    from torch.nn.quantized import dynamic as qdynamic
with torch.no_grad():
    for size in (64, 256, 1024):
        fp32 = torch.nn.LSTM(size, size)
        fp32.qconfig = torch.ao.quantization.default_dynamic_qconfig
        net = qdynamic.LSTM.from_float(fp32)
        x = torch.rand(1, 1, size) * 2 - 1
        state = [(torch.zeros(1, 1, size), torch.zeros(1, 1, size))]

        def step():
            _, state[0] = net(x, state[0])

        fmt(f"LSTM step {size}, batch 1, int8 ({int8_engine})", timed(step), 1e6, "us")
        xs = torch.rand(100, 1, size) * 2 - 1
        fmt(f"LSTM {size}, T = 100, per step, int8 ({int8_engine})", timed(lambda: net(xs)), 1e6 / 100, "us")

net = torch.nn.LSTM(256, 256)
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
x = torch.rand(64, 32, 256) * 2 - 1
d_out = torch.rand(64, 32, 256) * 2 - 1


def iteration():
    opt.zero_grad()
    out, _ = net(x)
    out.backward(d_out)
    opt.step()


fmt("training iteration LSTM 256, B = 32, T = 64", timed(iteration, round_seconds=1.0, rounds=5), 1e3, "ms")
