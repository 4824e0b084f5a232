#!/usr/bin/python3
"""More tasks for scripts/compare_fit_pytorch.py, none seen while `fit` was written: a per-step forecast, a
bidirectional many-to-one classifier on sequences of many lengths, a ReLU RNN, a delayed copy at every step, and a
count read through `--head attention`. Each is run as that script runs its own (`./vecrnn fit` + `evaluate` beside
the same model in a plain PyTorch 1.13 loop; the attention head's PyTorch side is AttentionNet below):

    /usr/bin/python3 scripts/compare_fit_more.py [--seeds 0,1] [--only sinestep,freq3bi,relu,delay,spikes] [--work DIR]
"""
import numpy as np
import torch

import compare_fit_pytorch as C


class AttentionNet(C.Net):
    """fit --head attention: a vector v scores each valid step's output, s_t = v . out_t, and the head reads
    sum_t softmax(s)_t out_t over the valid steps (vecrnn's AttentionPooling; v starts U(-1/sqrt(h), 1/sqrt(h)) as
    vecrnn's does)."""

    def __init__(self, spec, features, width):
        super().__init__(spec, features, width)
        h = spec["hidden"]
        self.v = torch.nn.Parameter(torch.empty(h).uniform_(-h ** -0.5, h ** -0.5))

    def forward(self, x, lengths):
        out, _ = self.rnn(x)  # unidirectional: the padding's outputs are masked out of the softmax below
        s = (out @ self.v).masked_fill(torch.arange(out.shape[1])[None, :] >= lengths[:, None], float("-inf"))
        pooled = (torch.softmax(s, dim=1)[:, :, None] * out).sum(dim=1)
        return self.fc(self.drop(pooled))


def task_sinestep():
    """A noisy sine of random amplitude, frequency and phase; at every step the clean value one step ahead."""
    t = 50

    def make(n, rng):
        f = rng.uniform(0.02, 0.12, size=(n, 1))
        ph = rng.uniform(0, 2 * np.pi, size=(n, 1))
        s = rng.uniform(0.5, 1.5, size=(n, 1)) * np.sin(2 * np.pi * f * np.arange(t + 1)[None, :] + ph)
        x = s[:, :t] + rng.normal(0, 0.2, size=(n, t))
        return dict(x=x[:, :, None].astype(np.float32), y=s[:, 1:, None].astype(np.float32))
    return dict(name="noisy sine, the clean next value at every step, `--per-step --cell gru --hidden 24`, lr 3e-3, 15 epochs (2000 x 50)",
                task="regression", data=C.split3(2000, 300, 500, make), per_step=True, cell="gru",
                opts=["--per-step", "--cell", "gru", "--hidden", "24", "--epochs", "15", "--lr", "3e-3"], hidden=24, epochs=15, lr=3e-3)


def task_freq3bi():
    """Which of 3 frequencies (0.03, 0.06, 0.12 cycles a step) a noisy sine has, over its 15 to 60 valid steps (zeros
    after them), int32 lengths, int64 labels; a bidirectional LSTM whose head reads each direction's final output."""
    t = 60

    def make(n, rng):
        c = rng.integers(0, 3, size=n)
        f = np.array([0.03, 0.06, 0.12])[c]
        ph = rng.uniform(0, 2 * np.pi, size=n)
        x = np.sin(2 * np.pi * f[:, None] * np.arange(t)[None, :] + ph[:, None]) + rng.normal(0, 0.6, size=(n, t))
        lengths = rng.integers(15, t + 1, size=n)
        x[np.arange(t)[None, :] >= lengths[:, None]] = 0.0
        return dict(x=x[:, :, None].astype(np.float32), y=c.astype(np.int64), lengths=lengths.astype(np.int32))
    return dict(name="3 frequencies, `--lengths` 15..60 int32, `--bidirectional --hidden 16`, lr 3e-3, 15 epochs (2000 x 60)",
                task="classification", data=C.split3(2000, 300, 500, make), bidirectional=True,
                opts=["--bidirectional", "--hidden", "16", "--epochs", "15", "--lr", "3e-3"], hidden=16, epochs=15, lr=3e-3)


def task_relu():
    """At every step the mean of the last 5 inputs (fewer at the start, zeros before it), by a ReLU RNN."""
    t = 40

    def make(n, rng):
        x = rng.normal(0, 1, size=(n, t))
        c = np.cumsum(np.pad(x, ((0, 0), (5, 0))), axis=1)
        return dict(x=x[:, :, None].astype(np.float32), y=((c[:, 5:] - c[:, :-5]) / 5)[:, :, None].astype(np.float32))
    return dict(name="moving mean of 5 at every step, `--per-step --cell rnn_relu --hidden 16`, lr 3e-3, 15 epochs (2000 x 40)",
                task="regression", data=C.split3(2000, 300, 500, make), per_step=True, cell="rnn_relu",
                opts=["--per-step", "--cell", "rnn_relu", "--hidden", "16", "--epochs", "15", "--lr", "3e-3"], hidden=16, epochs=15, lr=3e-3)


def task_delay():
    """At every step the input of 4 steps before (0 for the first 4): white noise copied through a delay line."""
    t, k = 30, 4

    def make(n, rng):
        x = rng.normal(0, 1, size=(n, t))
        return dict(x=x[:, :, None].astype(np.float32), y=np.pad(x, ((0, 0), (k, 0)))[:, :t, None].astype(np.float32))
    return dict(name="the input 4 steps before at every step, `--per-step --hidden 32`, lr 3e-3, 15 epochs (2000 x 30)",
                task="regression", data=C.split3(2000, 300, 500, make), per_step=True,
                opts=["--per-step", "--hidden", "32", "--epochs", "15", "--lr", "3e-3"], hidden=32, epochs=15, lr=3e-3)


def task_spikes():
    """How many spikes (0 to 3, of height 2.5 to 4) a noisy sequence of 20 to 40 valid steps holds, int64 lengths,
    int32 labels; a GRU under the attention head."""
    t = 40

    def make(n, rng):
        x = rng.normal(0, 0.5, size=(n, t))
        lengths = rng.integers(20, t + 1, size=n)
        c = rng.integers(0, 4, size=n)
        for i in range(n):
            at = rng.choice(lengths[i], size=c[i], replace=False)
            x[i, at] += rng.uniform(2.5, 4, size=c[i])
        x[np.arange(t)[None, :] >= lengths[:, None]] = 0.0
        return dict(x=x[:, :, None].astype(np.float32), y=c.astype(np.int32), lengths=lengths.astype(np.int64))
    return dict(name="how many spikes (0-3), `--lengths` 20..40, `--head attention --cell gru --hidden 24`, lr 3e-3, 15 epochs (2000 x 40)",
                task="classification", data=C.split3(2000, 300, 500, make), cell="gru", attention=True,
                opts=["--head", "attention", "--cell", "gru", "--hidden", "24", "--epochs", "15", "--lr", "3e-3"],
                hidden=24, epochs=15, lr=3e-3)


if __name__ == "__main__":
    C.TASKS.clear()
    C.TASKS.update(sinestep=task_sinestep, freq3bi=task_freq3bi, relu=task_relu, delay=task_delay, spikes=task_spikes)
    plain = C.Net
    C.Net = lambda spec, features, width: (AttentionNet if spec.get("attention") else plain)(spec, features, width)
    C.main()
