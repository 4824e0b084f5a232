#!/usr/bin/python3
"""Write many random recurrent configurations as PyTorch parity fixtures, for a search.

Each case ``r<NNNN>`` is ``make_pytorch_fixtures.random_case(random.Random(NNNN), ...)``, written
by ``make_pytorch_fixtures.build`` in the same format as the committed fixtures (its docstring says
what a file holds), into a directory of your choice. ``index.json`` there lists, for every case,
its configuration, PyTorch's own float32 error against the float64 reference (the yardstick for
vecrnn's error on that case: large cases accumulate more float32 rounding than the committed
fixtures' 1e-5 allows) and, for RNN_RELU, the smallest distance of a pre-activation from the kink.

Unlike the committed fixtures, no case is rejected for its float32 error; an RNN_RELU case is
re-drawn (next seed) while a pre-activation lies within 1e-5 of the kink, up to 10 times.

The Java side: ``dev.vecrnn.nn.format.PyTorchGradSearch`` (nn's test classes) reads the directory
and prints the worst errors (see its javadoc for the command, at each vector width).

    /usr/bin/python3 scripts/search_pytorch_grads.py OUTDIR [--first 0] [--count 300] [--max-batch 9]

(``--max-batch`` above 8 lets ``-Dthreads=2`` or more split the batch.)
"""

import argparse
import json
import os
import random
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_pytorch_fixtures as fx  # noqa: E402

SEARCH_RELU_MARGIN = 1e-5


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--max-batch", type=int, default=9)
    ap.add_argument("--scales", action="store_true",
                    help="inputs times 1, 4 or 16 and weights times 1, 2 or 4 (saturated gates)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    os.makedirs(args.out, exist_ok=True)
    index_path = os.path.join(args.out, "index.json")
    index = json.load(open(index_path)) if os.path.exists(index_path) else {}
    for n in range(args.first, args.first + args.count):
        rng = random.Random(n)
        c = fx.random_case(rng, f"r{n:04d}", max_B=args.max_batch)
        if args.scales:
            c["x_scale"], c["w_scale"] = rng.choice((1, 4, 16)), rng.choice((1, 2, 4))
        for attempt in range(10):
            seed = 100_000 + 100 * n + attempt
            result, note = fx.build(c, seed, f32_agreement=float("inf"),
                                    relu_min_margin=SEARCH_RELU_MARGIN)
            if result is not None:
                break
        else:
            print(f"{c['name']}: skipped ({note})", file=sys.stderr)
            continue
        fx.write_safetensors(os.path.join(args.out, c["name"] + ".safetensors"), *result)
        index[c["name"]] = dict(c, seed=seed, note=note)
        print(f"{c['name']} {c['type']:8s} I={c['I']} H={c['H']} P={c['proj']} L={c['L']} "
              f"bidir={c['bidir']} T={c['T']} B={c['B']} seed={seed} ({note})", flush=True)
    with open(index_path, "w") as f:
        json.dump(index, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
