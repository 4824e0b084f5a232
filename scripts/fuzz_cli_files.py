#!/usr/bin/python3
"""A mutation fuzzer of the files every `./vecrnn` command reads, run through the launcher as a user runs it.

    /usr/bin/python3 scripts/fuzz_cli_files.py [--cases 120] [--seed 1] [--workers 2] [--only CMD,...]
                                              [--work DIR] [--keep]

It builds valid seeds first (a PyTorch LSTM and a batch_first GRU exported by scripts/export_pytorch.py, a
quantized copy, a model from `fit` with its checkpoint, a quantized fitted model, a `train-text` model with
its vocab.json, .npy inputs, a CSV, a text), then runs each case in a fresh copy of the seeds with one file
mutated (truncation, bit flips, safetensors/config.json/npy/vocab header edits, CSV and text oddities, and
paths that are directories, FIFOs, links or unreadable) and judges the run by the CLI's contract:

  - exit 0 with plausible outputs (they load, have the expected shapes, are finite where inputs were), or
    exit 2 with exactly one stderr line that names an option or file; never another code, never a stack
    trace, never a hang (a timeout is a defect);
  - on failure no output and no temporary file left behind; inputs byte-identical after any run; an
    existing output untouched without --overwrite.

Cases are spread over the targets (a command and one file it reads) in turn; each case's mutation is drawn
from a generator seeded by (seed, case number), so a run is deterministic whatever the worker count. Prints
counts per command and mutator and every violation with the command line that replays it; exits 1 when
any; each result is also appended to WORK/results.jsonl as it comes. Needs Debian's python3-torch and numpy
(for the seeds) and a JDK 25 for ./vecrnn.

./vecrnn rebuilds when a source is newer than its jar: to edit the sources while a long run goes on, run a
frozen copy (the launcher with cli/target/vecrnn-cli.jar and bench/target/benchmarks.jar in a directory of
their own) by setting VECRNN_LAUNCHER to that launcher. Running as root, an unreadable file (mode 000) is
read all the same: the 'path-unreadable' cases then test nothing.
"""
import argparse
import collections
import concurrent.futures
import hashlib
import json
import os
import random
import shutil
import stat
import struct
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VECRNN = os.environ.get('VECRNN_LAUNCHER', os.path.join(ROOT, 'vecrnn'))  # a frozen copy keeps edits to the sources from rebuilding mid-run
TIMEOUT = 60


# ---------------------------------------------------------------------------------------------- seeds

def run_ok(argv, cwd):
    p = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        sys.exit(f'seed step failed: {" ".join(argv)}\n{p.stderr}')


def make_seeds(d):
    import torch
    torch.manual_seed(0)
    torch.save(torch.nn.LSTM(3, 4).state_dict(), os.path.join(d, 'lstm.pt'))
    torch.save(torch.nn.GRU(3, 4, num_layers=2, batch_first=True).state_dict(), os.path.join(d, 'gru.pt'))
    rng = np.random.default_rng(0)
    np.save(os.path.join(d, 'x.npy'), rng.standard_normal((5, 2, 3)).astype('<f4'))        # [T, B, I]
    np.save(os.path.join(d, 'xb.npy'), rng.standard_normal((2, 5, 3)).astype('<f4'))       # [B, T, I]
    np.save(os.path.join(d, 'h0.npy'), rng.standard_normal((1, 2, 4)).astype('<f4'))
    np.save(os.path.join(d, 'c0.npy'), rng.standard_normal((1, 2, 4)).astype('<f4'))
    np.save(os.path.join(d, 'lengths.npy'), np.array([5, 3], '<i8'))
    np.save(os.path.join(d, 'X.npy'), rng.standard_normal((16, 6, 3)).astype('<f4'))
    np.save(os.path.join(d, 'Y.npy'), rng.standard_normal((16,)).astype('<f4'))
    np.save(os.path.join(d, 'L.npy'), rng.integers(1, 7, (16,)).astype('<i8'))
    with open(os.path.join(d, 'text.txt'), 'w') as f:
        f.write('the quick brown fox jumps over the lazy dog. ' * 20)
    with open(os.path.join(d, 'series.csv'), 'w') as f:
        f.write('t,val\n' + ''.join(f'{i},{10 + np.sin(i / 2) + i * 0.05:.4f}\n' for i in range(80)))
    for src, out, extra in (('lstm.pt', 'pt_lstm', []), ('gru.pt', 'pt_gru', ['--batch-first'])):
        run_ok([sys.executable, os.path.join(ROOT, 'scripts', 'export_pytorch.py'), src, out] + extra, d)
    for f in ('lstm.pt', 'gru.pt'):
        os.remove(os.path.join(d, f))
    run_ok([VECRNN, 'quantize', '--model', 'pt_lstm', '--out', 'pt_q', '--precision', 'bf16'], d)
    run_ok([VECRNN, 'fit', '--x', 'X.npy', '--y', 'Y.npy', '--task', 'regression', '--out', 'fitm', '--hidden', '4',
            '--epochs', '2', '--seed', '1', '--checkpoint', 'ck.st'], d)
    run_ok([VECRNN, 'quantize', '--model', 'fitm', '--out', 'qm', '--precision', 'int8'], d)
    run_ok([VECRNN, 'train-text', '--text', 'text.txt', '--out', 'tm', '--hidden', '8', '--embed', '4', '--epochs', '1',
            '--steps', '16', '--seed', '1'], d)


# ---------------------------------------------------------------------------------------------- targets
# (command, file mutated, kind, argv, outputs). Outputs are paths relative to the case directory; argv
# runs in it. 'OUT' stands for the output path the case uses.

FIT = ['--task', 'regression', '--hidden', '4', '--epochs', '1', '--seed', '1']
TARGETS = []


def target(cmd, file, kind, argv, outputs, option):
    TARGETS.append(dict(cmd=cmd, file=file, kind=kind, argv=argv, outputs=outputs, option=option))


INFER = ['infer', '--model', 'pt_lstm', '--input', 'x.npy', '--h0', 'h0.npy', '--c0', 'c0.npy', '--lengths', 'lengths.npy',
         '--out', 'out']
INFER_OUT = ['out/output.npy', 'out/h_n.npy', 'out/c_n.npy']
GRU = ['infer', '--model', 'pt_gru', '--input', 'xb.npy', '--out', 'out']
for f, k, o in (('pt_lstm/model.safetensors', 'st', '--model'), ('pt_lstm/config.json', 'config', '--model'),
                ('x.npy', 'npy', '--input'), ('h0.npy', 'npy', '--h0'), ('c0.npy', 'npy', '--c0'),
                ('lengths.npy', 'npy', '--lengths')):
    target('infer', f, k, INFER, INFER_OUT, o)
for f, k, o in (('pt_gru/model.safetensors', 'st', '--model'), ('pt_gru/config.json', 'config', '--model'),
                ('xb.npy', 'npy', '--input')):
    target('infer', f, k, GRU, ['out/output.npy', 'out/h_n.npy'], o)
target('infer', 'pt_q/model.safetensors', 'st', ['infer', '--model', 'pt_q', '--input', 'x.npy', '--out', 'out'],
       ['out/output.npy', 'out/h_n.npy', 'out/c_n.npy'], '--model')
target('infer', 'fitm/model.safetensors', 'st', ['infer', '--model', 'fitm/model.safetensors', '--input', 'X.npy', '--out', 'out'],
       ['out/output.npy'], '--model')
FITARGS = ['fit', '--x', 'X.npy', '--y', 'Y.npy', '--out', 'fo'] + FIT
for f, k, o in (('X.npy', 'npy', '--x'), ('Y.npy', 'npy', '--y')):
    target('fit', f, k, FITARGS, ['fo/model.safetensors'], o)
target('fit', 'L.npy', 'npy', FITARGS + ['--lengths', 'L.npy'], ['fo/model.safetensors'], '--lengths')
target('fit', 'ck.st', 'ckpt', ['fit', '--x', 'X.npy', '--y', 'Y.npy', '--out', 'fo', '--task', 'regression', '--hidden', '4',
                              '--epochs', '3', '--seed', '1', '--checkpoint', 'ck.st', '--resume'],
       ['fo/model.safetensors'], '--checkpoint')
for m in ('fitm', 'qm'):
    target('predict', m + '/model.safetensors', 'st', ['predict', '--model', m, '--x', 'X.npy', '--out', 'p.npy'], ['p.npy'], '--model')
target('predict', 'X.npy', 'npy', ['predict', '--model', 'fitm', '--x', 'X.npy', '--out', 'p.npy'], ['p.npy'], '--x')
target('predict', 'tm/model.safetensors', 'st', ['predict', '--model', 'tm', '--x', 'ids.npy', '--out', 'p.npy'], ['p.npy'], '--model')
Q = ['--out', 'qo', '--precision', 'int8']
target('quantize', 'fitm/model.safetensors', 'st', ['quantize', '--model', 'fitm'] + Q, ['qo/model.safetensors'], '--model')
target('quantize', 'X.npy', 'npy', ['quantize', '--model', 'fitm', '--x', 'X.npy'] + Q, ['qo/model.safetensors'], '--x')
target('quantize', 'pt_lstm/model.safetensors', 'st', ['quantize', '--model', 'pt_lstm'] + Q, ['qo/model.safetensors', 'qo/config.json'], '--model')
target('quantize', 'pt_lstm/config.json', 'config', ['quantize', '--model', 'pt_lstm'] + Q, ['qo/model.safetensors', 'qo/config.json'], '--model')
target('quantize', 'tm/vocab.json', 'vocab', ['quantize', '--model', 'tm'] + Q, ['qo/model.safetensors', 'qo/vocab.json'], '--model')
target('train-text', 'text.txt', 'text', ['train-text', '--text', 'text.txt', '--out', 'to', '--hidden', '4', '--embed', '4',
                                          '--epochs', '1', '--steps', '8', '--seed', '1'], ['to/model.safetensors', 'to/vocab.json'], '--text')
SAMPLE = ['sample', '--model', 'tm', '--prime', 'the ', '--length', '20', '--seed', '1']
target('sample', 'tm/model.safetensors', 'st', SAMPLE, [], '--model')
target('sample', 'tm/vocab.json', 'vocab', SAMPLE, [], '--model')
target('tune', 'X.npy', 'npy', ['tune', '--x', 'X.npy', '--y', 'Y.npy', '--task', 'regression', '--out', 'uo', '--trials', '1',
                                '--epochs', '1', '--seed', '1'], ['uo/model.safetensors'], '--x')
target('forecast', 'series.csv', 'csv', ['forecast', '--csv', 'series.csv', '--column', 'val', '--horizon', '6', '--season', '4',
                                         '--window', '8', '--epochs', '1', '--hidden', '4', '--png', 'f.png'], ['f.png'], '--csv')


# ---------------------------------------------------------------------------------------------- mutators

def st_split(b):
    n = struct.unpack('<Q', b[:8])[0]
    return json.loads(b[8:8 + n]), b[8 + n:]


def st_join(header, data, raw=None):
    h = raw if raw is not None else json.dumps(header).encode()
    return struct.pack('<Q', len(h)) + h + data


def tensors(h):
    return [k for k in h if k != '__metadata__']


def flip_bits(b, end, most, r):
    """b with 1 to most bits flipped among its first end bytes."""
    bb = bytearray(b)
    for _ in range(r.randint(1, most)):
        bb[r.randrange(end)] ^= 1 << r.randrange(8)
    return bytes(bb)


def st_mutate(b, r):
    """(mutator name, new bytes) for a safetensors file."""
    h, data = st_split(b)
    n = len(b) - len(data) - 8
    names = tensors(h)
    name = r.choice(names)
    choice = r.randrange(24)
    if choice == 0:
        return 'truncate', b[:r.choice([0, 4, 7, 8, 9, 8 + n // 2, 8 + n - 1, 8 + n, 8 + n + 1, len(b) - 1, r.randrange(len(b))])]
    if choice == 1:
        return 'bitflip-header', flip_bits(b, 8 + n, 4, r)
    if choice == 2:
        bb = bytearray(b)
        i = r.randrange(8 + n)
        bb[i] = r.choice([0, 0x22, 0x5c, 0x7b, 0x7d, 0xff, 0x80, 0x2c, 0x3a, r.randrange(256)])
        return 'byte-header', bytes(bb)
    if choice == 3:
        h[name]['dtype'] = r.choice(['F16', 'BF16', 'F64', 'I8', 'U8', 'I16', 'I32', 'I64', 'BOOL', 'F8_E4M3', 'f32', '',
                                     'F32 ', 'C64', 5, None, ['F32'], {'x': 1}])
        return 'st-dtype', st_join(h, data)
    if choice == 4:
        sh = h[name]['shape']
        h[name]['shape'] = r.choice([[-1] + sh[1:], [2 ** 40] + sh[1:], [2 ** 31] + sh[1:], [2 ** 63 - 1], [2 ** 64],
                                     [0] + sh[1:], [], [1] * 40, sh + [1], sh[::-1], [sh[0] * 2] + sh[1:], [[1]], ['4'],
                                     [1.5], None, 'x', [2 ** 32, 2 ** 32], [3037000500, 3037000500]])
        return 'st-shape', st_join(h, data)
    if choice == 5:
        a, e = h[name]['data_offsets']
        h[name]['data_offsets'] = r.choice([[e, a], [a, len(data) + 8], [a, 2 ** 62], [-8, e], [a, e, e], [a], [],
                                            [a + 4, e + 4], [0, e - a], [a, a], [1.0 * a, 1.0 * e], [str(a), str(e)],
                                            [a, 2 ** 64 + 1], None, [a + 1, e + 1]])
        return 'st-offsets', st_join(h, data)
    if choice == 6:   # two tensors over the same bytes
        other = r.choice(names)
        h[name]['data_offsets'] = list(h[other]['data_offsets'])
        return 'st-overlap', st_join(h, data)
    if choice == 7:   # duplicate key, written by hand (json.dumps cannot)
        raw = json.dumps(h).encode()
        entry = json.dumps({name: h[name]})[1:-1].encode()
        raw = raw[:-1] + b',' + entry + b'}'
        return 'st-duplicate-key', st_join(None, data, raw)
    if choice == 8:
        h[name][r.choice(['extra', 'dtype ', 'Shape'])] = r.choice([1, {'a': [1, {'b': None}]}, 'x'])
        return 'st-extra-field', st_join(h, data)
    if choice == 9:
        h[name] = r.choice([[1, 2], 5, 'F32', None, {}, {'dtype': 'F32'}, {'a': {'b': {'c': [[[[]]]]}}}])
        return 'st-entry-junk', st_join(h, data)
    if choice == 10:
        h['__metadata__'] = r.choice([[1], 5, 'x', None, {'format': 5}, {'a': {'b': 'c'}}, {'format': ['pt']}, {'x': 'y' * 5000}])
        return 'st-metadata-type', st_join(h, data)
    if choice == 11:
        ln = r.choice([2 ** 64 - 1, 2 ** 63, 2 ** 63 - 1, 2 ** 31, 2 ** 32 + n, len(b), len(b) - 7, n + 1, n - 1, 0, 1, 2 ** 53])
        return 'st-length-field', struct.pack('<Q', ln) + b[8:]
    if choice == 12:
        raw = json.dumps(h).encode()
        i = raw.index(b'"', 1) + 1
        raw = raw[:i] + r.choice([b'\xff', b'\xc3', b'\xed\xa0\x80', b'\xf8\x88\x80\x80\x80', b'\x00', b'\x1b[31m']) + raw[i:]
        return 'st-non-utf8', st_join(None, data, raw)
    if choice == 13:
        del h[name]
        return 'st-drop-tensor', st_join(h, data)
    if choice == 14:
        h[name + r.choice(['x', '_l9', '.weight'])] = h.pop(name)
        return 'st-rename-tensor', st_join(h, data)
    if choice == 15:   # a value in the data: NaN, infinity, huge, denormal, -0
        bb = bytearray(b)
        a, e = h[name]['data_offsets']
        width = {'F32': 4, 'BF16': 2, 'F16': 2, 'I8': 1, 'U8': 1, 'F64': 8}.get(h[name]['dtype'], 1)
        if e > a:
            i = 8 + n + a + width * r.randrange((e - a) // width)
            bb[i:i + width] = r.choice([b'\xff' * width, b'\x7f' * width, b'\x00' * (width - 1) + b'\x80', bytes(width)])
        return 'st-data-value', bytes(bb)
    if choice == 16:
        return 'st-trailing-bytes', b + bytes(r.randint(1, 100))
    if choice == 17:
        return 'st-header-json-garbage', st_join(None, data, json.dumps(h).encode() + r.choice([b'x', b'}', b'{', b',', b'\x00']))
    if choice == 18:
        return 'st-deep-nesting', st_join(None, data, b'{"__metadata__":' + b'[' * 100000 + b']' * 100000 + b'}')
    if choice == 19 and isinstance(h.get('__metadata__'), dict) and 'vecrnn' in h['__metadata__']:
        return spec_mutate(h, data, r)
    if choice == 20:
        h[name]['dtype'], h[name]['shape'] = 'F32', [s for s in h[name]['shape']] + [1]
        a = h[name]['data_offsets'][0]
        h[name]['data_offsets'] = [a, a + 4 * int(np.prod(h[name]['shape']))]
        return 'st-shape-consistent-rank', st_join(h, data)
    if choice == 21:   # a shape whose element count overflows a long, with offsets matching the bytes
        h[name]['shape'] = [2 ** 32, 2 ** 32, 2 ** 2]
        return 'st-shape-overflow', st_join(h, data)
    if choice == 22:   # header padded with spaces to a huge claimed length that is past the end
        raw = json.dumps(h).encode()
        return 'st-length-past-eof', struct.pack('<Q', len(raw) + 10 ** 9) + raw + data
    if choice == 23 and isinstance(h.get('__metadata__'), dict):
        k = r.choice(list(h['__metadata__']))
        h['__metadata__'][k] = r.choice(['', 'x', '{}', '[]', 'vecrnn-model/2', 'pt', 'int4', 'bf16', 'int8', 'fp32', '\x00'])
        return 'st-metadata-value', st_join(h, data)
    return st_mutate(b, r)


def ckpt_mutate(b, r):
    """A training checkpoint: half the time one of its metadata values, else any safetensors mutation."""
    if r.random() < 0.5:
        h, data = st_split(b)
        k = r.choice([k for k in h['__metadata__'] if k not in ('format', 'vecrnn')])
        h['__metadata__'][k] = r.choice(['-1', '0', '1', '2', '99', '2147483647', '-2147483648', '9223372036854775807', 'NaN',
                                         'Infinity', '-0.0', '1e308', 'true', 'yes', '', ' 1', '0x10'])
        return 'ckpt-metadata', st_join(h, data)
    return st_mutate(b, r)


def spec_mutate(h, data, r):
    """Edits the model spec (the JSON inside __metadata__.vecrnn) of a vecrnn model file."""
    spec = json.loads(h['__metadata__']['vecrnn'])
    layers = spec.get('layers', [])
    li = r.randrange(len(layers))
    layer = layers[li]
    key = r.choice(list(layer) + ['input_features', 'format', 'layers'])
    val = r.choice([0, -1, 2 ** 31, 2 ** 40, 1e300, 1.5, '4', None, True, [], {}, 'LSTM', 'unknown', 'embedding', 'dense',
                    'recurrent', 'attention', 'last_step', 'relu', 'softmax', 'GRU', 'RNN_RELU'])
    if key in ('input_features', 'format'):
        spec[key] = val
    elif key == 'layers':
        spec['layers'] = r.choice([[], layers + layers[-1:], layers[::-1], [layers[0]], None, 5, [[]], [{}]])
    else:
        layer[key] = val
    h['__metadata__']['vecrnn'] = json.dumps(spec)
    return 'st-spec', st_join(h, data)


def json_dump_dup(obj, key, value):
    raw = json.dumps(obj)
    return raw[:-1] + ', ' + json.dumps(key) + ': ' + json.dumps(value) + '}'


def config_mutate(b, r):
    cfg = json.loads(b)
    key = r.choice(list(cfg))
    choice = r.randrange(14)
    if choice == 0:
        cfg[key] = r.choice([None, 'x', [], {}, {'a': 1}, 1.5, -1, True, 2 ** 63, 2 ** 64, 1e300, '4', 4.0, 0, -0.0])
        return 'config-wrong-type', json.dumps(cfg).encode()
    if choice == 1:
        del cfg[key]
        return 'config-missing-key', json.dumps(cfg).encode()
    if choice == 2:
        cfg[r.choice(['dropout', 'extra', '__proto__', '', 'proj_size', 'nonlinearity', 'Type'])] = r.choice([0, 'tanh', 0.5, None, {}])
        return 'config-extra-key', json.dumps(cfg).encode()
    if choice == 3:
        cfg[r.choice(['input_size', 'hidden_size', 'num_layers', 'proj_size'])] = r.choice(
            [2 ** 31, 2 ** 31 - 1, 10 ** 9, 99999999999, 2 ** 63 - 1, 1e20, 65536, 100000])
        return 'config-huge', json.dumps(cfg).encode()
    if choice == 4:
        cfg[r.choice(['input_size', 'hidden_size', 'num_layers', 'proj_size'])] = r.choice([-1, -4, 0, -(2 ** 63)])
        return 'config-negative-or-zero', json.dumps(cfg).encode()
    if choice == 5:
        return 'config-duplicate-key', json_dump_dup(cfg, key, cfg[key]).encode()
    if choice == 6:
        return 'config-trailing-garbage', json.dumps(cfg).encode() + r.choice([b'x', b'}', b'{}', b'\x00', b',', b' // c'])
    if choice == 7:
        return 'config-bom', b'\xef\xbb\xbf' + json.dumps(cfg).encode()
    if choice == 8:
        return 'config-not-object', r.choice([b'', b'[]', b'null', b'"LSTM"', b'5', b' ', b'{', b'{"type":'])
    if choice == 9:
        return 'config-deep-nesting', b'{"type":' + b'[' * 200000 + b']' * 200000 + b'}'
    if choice == 10:
        return 'truncate', b[:r.randrange(len(b))]
    if choice == 11:
        bb = bytearray(b)
        bb[r.randrange(len(bb))] = r.choice([0, 0xff, 0x22, 0x7b, 0x7d, 0x5c, r.randrange(256)])
        return 'byte-change', bytes(bb)
    if choice == 12:
        cfg['type'] = r.choice(['lstm', 'GRU', 'RNN', 'RNN_RELU', 'RNN_TANH', 'LSTM\x1b[2J', 'x' * 10000, ''])
        return 'config-type', json.dumps(cfg).encode()
    raw = json.dumps(cfg)[:-1] + ', ' + json.dumps(key) + ': ' + r.choice(['1e400', '-1e400', '4.000000000000001', '5e-324', '"\\ud800"', '"\\u0000"', '4e0', '40e-1'])
    return 'config-number-edge', (raw + '}').encode()


def npy_build(descr, fortran, shape, data, version=(1, 0), header_raw=None, length_delta=0):
    if header_raw is None:
        header_raw = "{'descr': %s, 'fortran_order': %s, 'shape': %s, }" % (
            descr if descr.startswith('[') else repr(descr), fortran, '(%s)' % ''.join(f'{s}, ' for s in shape) if len(shape) != 1 else f'({shape[0]},)')
    hb = header_raw.encode('latin1')
    lensize = 2 if version[0] == 1 else 4
    total = 6 + 2 + lensize + len(hb) + 1
    hb = hb + b' ' * ((64 - total % 64) % 64) + b'\n'
    ln = len(hb) + length_delta
    lf = struct.pack('<H', ln & 0xffff) if lensize == 2 else struct.pack('<I', ln & 0xffffffff)
    return b'\x93NUMPY' + bytes(version) + lf + hb + data


def npy_mutate(b, r):
    a = np.load(__import__('io').BytesIO(b))
    descr = a.dtype.str
    shape = list(a.shape)
    data = a.tobytes()
    hl = struct.unpack('<H', b[8:10])[0]
    choice = r.randrange(16)
    if choice == 0:
        return 'truncate', b[:r.choice([0, 5, 6, 7, 8, 9, 10, 10 + hl // 2, 10 + hl - 1, 10 + hl, len(b) - 1, r.randrange(len(b))])]
    if choice == 1:
        return 'bitflip-header', flip_bits(b, 10 + hl, 3, r)
    if choice == 2:
        d = r.choice(['<f2', '|b1', '<c8', '<c16', 'O', '|O', '>f8', '>f4', '<f8', '<i4', '|u1', '<u8', '<i2', '|i1', '<f16',
                      '<U4', '|S4', '<M8[ns]', '<m8', '|V4', '<f4 ', 'f4', '=f4', '<', ''])
        try:
            item = max(np.dtype(d).itemsize, 1)
        except TypeError:
            item = 4
        n = int(np.prod(shape))
        return 'npy-dtype', npy_build(d, False, shape, (data * 4)[:n * item] if item <= 16 else data)
    if choice == 3:
        return 'npy-structured', npy_build("[('a', '<f4'), ('b', '<f4')]", False, shape, data)
    if choice == 4:
        return 'npy-fortran', npy_build(descr, True, shape, data)
    if choice == 5:
        sh = r.choice([[], [0] + shape[1:], shape[:-1] + [0], [2 ** 40] + shape[1:], [2 ** 31] + shape[1:], [2 ** 63 - 1],
                       [2 ** 32, 2 ** 32], [3037000500, 3037000500, 2], [1] * 40, shape + [1], [1] + shape, shape[::-1],
                       [int(np.prod(shape))]])
        return 'npy-shape', npy_build(descr, False, sh, data)
    if choice == 6:
        return 'npy-header-length', bytearray(b[:8]) + struct.pack('<H', r.choice([0, 1, hl - 1, hl + 1, hl + 16, 65535, len(b)])) + b[10:]
    if choice == 7:
        v = r.choice([(2, 0), (3, 0), (4, 0), (0, 0), (1, 1)])
        return f'npy-version-{v[0]}.{v[1]}', npy_build(descr, False, shape, data, version=v if v[0] in (2, 3) else (1, 0)) \
            if v[0] in (2, 3) else b[:6] + bytes(v) + b[8:]
    if choice == 8:
        return 'npy-data-short', b[:len(b) - r.randint(1, min(len(data), 9))]
    if choice == 9:
        return 'npy-data-long', b + bytes(r.randint(1, 64))
    if choice == 10:
        raw = r.choice(["{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'extra': 1}",
                        "{'descr': '<f4', 'fortran_order': False}", "{'descr': '<f4', 'fortran_order': 0, 'shape': (30,)}",
                        "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}", "{'descr': '<f4', 'fortran_order': False, 'shape': (2.0,)}",
                        "{'descr': '<f4', 'fortran_order': False, 'shape': [30]}", "{'descr': '<f4', 'fortran_order': False, 'shape': (1,2,}",
                        "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (30,)}", "__import__('os')",
                        "{'descr': '<f4', 'fortran_order': False, 'shape': (" + '9' * 400 + ",)}",
                        "{'descr': '\\x00', 'fortran_order': False, 'shape': (30,)}", "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (30,)}",
                        "{'descr': '<f4', 'fortran_order': False, 'shape': (30L,)}", "{'descr': '<f4', 'fortran_order': False, 'shape': (30,)} x"])
        return 'npy-header-dict', npy_build(descr, False, shape, data, header_raw=raw)
    if choice == 11:
        return 'npy-magic', r.choice([b'\x93NUMPZ', b'PK\x03\x04\x00\x00', b'\x00' * 6, b'\x93numpy']) + b[6:]
    if choice == 12:   # values: NaN, inf, huge, negative
        a2 = a.copy().reshape(-1)
        if a2.size and a2.dtype.kind == 'f':
            a2[r.randrange(a2.size)] = r.choice([np.nan, np.inf, -np.inf, 3e38, -3e38, 1e-45])
        elif a2.size:
            a2[r.randrange(a2.size)] = r.choice([0, -1, 2 ** 31 - 1, -(2 ** 63), 2 ** 62, 1000])
        return 'npy-value', npy_build(descr, False, shape, a2.tobytes())
    if choice == 13:
        conv = r.choice(['<f8', '<f2', '<i8', '<i4', '|u1', '|b1', '<i2'])
        return 'npy-other-dtype-valid', npy_build(conv, False, shape, a.astype(conv).tobytes())
    if choice == 14:
        return 'npy-header-length-huge', npy_build(descr, False, shape, data, version=(2, 0), length_delta=r.choice([2 ** 31, 2 ** 32 - 100, 10 ** 9]))
    bb = bytearray(b)
    bb[r.randrange(10 + hl)] = r.choice([0, 0xff, 0x27, 0x28, 0x29, 0x2c, 0x7b, 0x7d, r.randrange(256)])
    return 'byte-header', bytes(bb)


def vocab_mutate(b, r):
    v = json.loads(b)
    cps = v['code_points']
    choice = r.randrange(11)
    if choice == 0:
        v['code_points'] = cps[:-1]
        return 'vocab-shorter', json.dumps(v).encode()
    if choice == 1:
        v['code_points'] = cps + [0x263A]
        return 'vocab-longer', json.dumps(v).encode()
    if choice == 2:
        v['code_points'] = cps[:-1] + [cps[0]]
        return 'vocab-repeat', json.dumps(v).encode()
    if choice == 3:
        c = cps[:]
        c[r.randrange(len(c))] = r.choice([-1, 0x110000, 0xD800, 0xDFFF, 2 ** 63, 1.5, '97', None, [], 0, 0xFFFF, 1e300, True])
        v['code_points'] = c
        return 'vocab-bad-code-point', json.dumps(v).encode()
    if choice == 4:
        v['code_points'] = r.choice([[], None, 'abc', {}, 5, [[]]])
        return 'vocab-wrong-type', json.dumps(v).encode()
    if choice == 5:
        return 'vocab-not-object', r.choice([b'', b'[]', b'[97, 98]', b'null', b'{', b'\xff\xfe'])
    if choice == 6:
        v['extra'] = {'a': [1]}
        return 'vocab-extra-key', json.dumps(v).encode()
    if choice == 7:
        return 'vocab-duplicate-key', json_dump_dup(v, 'code_points', cps[:3]).encode()
    if choice == 8:
        return 'vocab-deep-nesting', b'{"code_points":' + b'[' * 200000 + b']' * 200000 + b'}'
    if choice == 9:
        return 'truncate', b[:r.randrange(len(b))]
    return 'vocab-bom-garbage', r.choice([b'\xef\xbb\xbf' + b, b + b'x', b + b'\x00'])


def csv_mutate(b, r):
    lines = b.decode().split('\n')
    choice = r.randrange(14)
    i = r.randrange(1, len(lines) - 1)
    if choice == 0:
        return 'csv-crlf', b.replace(b'\n', b'\r\n')
    if choice == 1:
        lines[i] = lines[i].replace(',', ',"') + '"'
        return 'csv-quoted', '\n'.join(lines).encode()
    if choice == 2:
        lines[i] = lines[i][:2] + '\x00' + lines[i][2:]
        return 'csv-nul', '\n'.join(lines).encode()
    if choice == 3:
        lines.insert(i, '1,' + '9' * r.choice([400, 10 ** 6, 2 * 10 ** 7]))
        return 'csv-huge-line', '\n'.join(lines).encode()
    if choice == 4:
        lines[i] = lines[i].split(',')[0] + ',' + r.choice(['abc', '', 'NaN', 'Infinity', '-Infinity', '1e999', '0x1p3', '1.5f', '1d',
                                                            ' 3 ', '1,2', '\u00a0 1', '−1', '1_000', '+1', '.5', '5.', '1e-400'])
        return 'csv-cell', '\n'.join(lines).encode()
    if choice == 5:
        return 'csv-header-only', lines[0].encode() + b'\n'
    if choice == 6:
        return 'csv-empty', r.choice([b'', b'\n\n', b'\xef\xbb\xbf', b' '])
    if choice == 7:
        return 'csv-non-utf8', b[:20] + b'\xff\xfe' + b[20:]
    if choice == 8:
        lines[0] = r.choice(['t,val,val', 'val', 't,"val"', 't;val', '\ufefft,val', 't,val\x1b[31m', 'x' * 100000 + ',val', ','])
        return 'csv-header', '\n'.join(lines).encode()
    if choice == 9:
        lines[i] = lines[i] + r.choice([',', ',7', ',,,,'])
        return 'csv-ragged', '\n'.join(lines).encode()
    if choice == 10:
        return 'truncate', b[:r.randrange(len(b))]
    if choice == 11:
        lines[i] = lines[i].split(',')[0]
        return 'csv-short-row', '\n'.join(lines).encode()
    if choice == 12:
        return 'csv-cr-only', b.replace(b'\n', b'\r')
    return 'csv-constant', ('t,val\n' + '5,7\n' * 80).encode()


def text_mutate(b, r):
    choice = r.randrange(8)
    if choice == 0:
        return 'text-non-utf8', b[:30] + r.choice([b'\xff', b'\xc3', b'\xed\xa0\x80', b'\xf4\x90\x80\x80']) + b[30:]
    if choice == 1:
        return 'text-empty', r.choice([b'', b'\xef\xbb\xbf', b'a', b'ab', b'a' * 9])
    if choice == 2:
        return 'text-nul', b.replace(b' ', b'\x00')
    if choice == 3:
        return 'text-one-char', b'a' * r.choice([8, 9, 17, 100, 1000])
    if choice == 4:
        return 'text-astral', ('\U0001F600a\u00e9' * 200).encode()
    if choice == 5:
        return 'truncate', b[:r.randrange(len(b))]
    if choice == 6:
        return 'text-bom', b'\xef\xbb\xbf' + b
    return 'text-crlf-control', b.replace(b' ', b'\r\n\x1b')


MUTATORS = {'st': st_mutate, 'ckpt': ckpt_mutate, 'config': config_mutate, 'npy': npy_mutate, 'vocab': vocab_mutate, 'csv': csv_mutate, 'text': text_mutate}


def path_mutate(case, rel, r):
    """Replaces the file at rel by something that is not a plain readable file; returns the mutator's name."""
    p = os.path.join(case, rel)
    choice = r.randrange(7)
    if choice == 0:
        os.remove(p)
        os.mkdir(p)
        return 'path-directory'
    if choice == 1:
        os.remove(p)
        os.mkfifo(p)
        return 'path-fifo'
    if choice == 2:
        os.rename(p, p + '.real')
        os.symlink(os.path.basename(p) + '.real', p)
        return 'path-symlink-valid'
    if choice == 3:
        os.remove(p)
        os.symlink('nowhere', p)
        return 'path-symlink-dangling'
    if choice == 4:
        os.remove(p)
        os.symlink(os.path.basename(p), p)
        return 'path-symlink-loop'
    if choice == 5:
        os.chmod(p, 0)
        return 'path-unreadable'   # root reads it all the same
    os.remove(p)
    os.symlink('/dev/zero', p)
    return 'path-device'


# ---------------------------------------------------------------------------------------------- oracle

def snapshot(d):
    """{relative path: sha256 or a kind} of everything under d, without following links."""
    out = {}
    for base, dirs, files in os.walk(d):
        for n in dirs + files:
            p = os.path.join(base, n)
            rel = os.path.relpath(p, d)
            st = os.lstat(p)
            if stat.S_ISREG(st.st_mode):
                with open(p, 'rb') as f:
                    out[rel] = hashlib.sha256(f.read()).hexdigest()
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = 'dir'
            elif stat.S_ISLNK(st.st_mode):
                out[rel] = 'link:' + os.readlink(p)
            else:
                out[rel] = 'special'
    return out


def plausible(t, case):
    """What is wrong with the outputs of a run that exited 0, or None."""
    for o in t['outputs']:
        if not os.path.isfile(os.path.join(case, o)):
            return f'exit 0 without {o}'
    cmd = t['cmd']
    try:
        if cmd == 'infer':
            out = np.load(os.path.join(case, 'out/output.npy'))
            hn = np.load(os.path.join(case, 'out/h_n.npy')) if 'out/h_n.npy' in t['outputs'] else out
            if out.dtype != np.float32 or out.ndim not in (2, 3) or hn.ndim not in (2, 3):
                return f'output {out.dtype} {out.shape}, h_n {hn.shape}'
            x = try_load(case, t['argv'][t['argv'].index('--input') + 1])
            if x is not None and x.ndim == 3:
                # [T, B, H] or [B, T, H] as the input's first two axes; a vecrnn model file's [N, K] or [N, T, K]
                if out.shape[:2] != x.shape[:2] and not ('out/h_n.npy' not in t['outputs'] and out.shape[0] == x.shape[0]):
                    return f'output shape {out.shape} for input {x.shape}'
                if np.all(np.isfinite(x)) and not (np.all(np.isfinite(out)) and np.all(np.isfinite(hn))):
                    return 'non-finite output from finite input'
        elif cmd == 'predict':
            p = np.load(os.path.join(case, 'p.npy'))
            x = try_load(case, t['argv'][t['argv'].index('--x') + 1])
            if x is not None and p.shape[0] != x.shape[0]:
                return f'predictions {p.shape} for x {x.shape}'
            if x is not None and x.dtype.kind == 'f' and np.all(np.isfinite(x)) and not np.all(np.isfinite(p)):
                return 'non-finite predictions from finite x'
        elif cmd == 'forecast':
            with open(os.path.join(case, 'f.png'), 'rb') as f:
                if f.read(8) != b'\x89PNG\r\n\x1a\n':
                    return 'f.png is not a PNG'
        else:
            for o in t['outputs']:
                if o.endswith('.safetensors'):
                    with open(os.path.join(case, o), 'rb') as f:
                        b = f.read()
                    h, data = st_split(b)
                    for k in tensors(h):
                        if h[k]['dtype'] == 'F32' and not np.all(np.isfinite(np.frombuffer(data[slice(*h[k]['data_offsets'])], '<f4'))):
                            return f'{o}: non-finite weights in {k}'
    except Exception as e:   # an output that numpy or json cannot read
        return f'output unreadable: {type(e).__name__}: {e}'
    return None


def try_load(case, rel):
    try:
        return np.load(os.path.join(case, rel), allow_pickle=False)
    except Exception:
        return None


def judge(t, case, rc, out, err, before, after, mutated, existing):
    v = []
    if rc is None:
        return [f'hang: no exit after {TIMEOUT} s']
    if rc not in (0, 2):
        v.append(f'exit code {rc}')
    if 'Exception' in err or '\tat ' in err or 'Error:' in err and 'java.' in err:
        v.append('stack trace or exception name on stderr')
    lines = [ln for ln in err.split('\n') if ln.strip()]
    if rc == 2:
        if len(lines) != 1:
            v.append(f'{len(lines)} stderr lines')
        elif not any(s in lines[0] for s in ['--', os.path.basename(t['file']), 'config.json', 'vocab.json', '.npy', '.safetensors']):
            v.append('stderr names no option or file')
    if rc == 0:
        p = plausible(t, case)
        if p:
            v.append(p)
    # inputs: everything that was there before is unchanged (the resumed checkpoint may be rewritten on success)
    for k, h in before.items():
        if k in t['outputs'] or k.startswith('out') and k in existing:
            continue
        if rc == 0 and k == 'ck.st' and t['cmd'] == 'fit':
            continue
        if after.get(k) != h:
            v.append(f'input {k} changed' if k in after else f'input {k} removed')
    new = sorted(set(after) - set(before))
    expected = set(t['outputs']) | {os.path.dirname(o) for o in t['outputs']} - {''}
    if rc != 0 and new:
        v.append(f'left behind on failure: {new}')
    elif rc == 0 and set(new) - expected:
        v.append(f'unexpected files: {sorted(set(new) - expected)}')
    for k in existing:
        if after.get(k) != before.get(k):
            v.append(f'existing output {k} modified without --overwrite')
    return v


# ---------------------------------------------------------------------------------------------- driver

def run_case(i, args, seeds):
    r = random.Random(args.seed * 1_000_003 + i)
    ts = [t for t in TARGETS if not args.only or t['cmd'] in args.only]
    t = ts[i % len(ts)]
    case = os.path.join(args.work, f'case{i:05d}')
    shutil.copytree(seeds, case, symlinks=True)
    if t['cmd'] == 'predict' and 'ids.npy' in t['argv']:
        np.save(os.path.join(case, 'ids.npy'), np.arange(12).reshape(2, 6).astype('<i8') % 20)
    src = os.path.join(case, t['file'])
    if r.random() < 0.08:
        mutator = path_mutate(case, t['file'], r)
    else:
        with open(src, 'rb') as f:
            b = f.read()
        mutator, nb = MUTATORS[t['kind']](b, r)
        with open(src, 'wb') as f:
            f.write(nb)
    existing = []
    if t['outputs'] and r.random() < 0.15:   # an output that exists already, no --overwrite: must be refused and kept
        o = os.path.join(case, t['outputs'][0])
        os.makedirs(os.path.dirname(o) or case, exist_ok=True)
        with open(o, 'wb') as f:
            f.write(b'existing output\n')
        existing.append(t['outputs'][0])
    before = snapshot(case)
    argv = [VECRNN] + t['argv']
    try:
        p = subprocess.run(argv, cwd=case, capture_output=True, text=True, errors='replace', timeout=TIMEOUT, stdin=subprocess.DEVNULL)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        rc, out, err = None, '', (e.stderr or b'').decode('utf-8', 'replace') if isinstance(e.stderr, bytes) else (e.stderr or '')
    try:
        os.chmod(src, 0o644) if os.path.isfile(src) and not os.path.islink(src) else None
    except OSError:
        pass
    after = snapshot(case)
    v = judge(t, case, rc, out, err, before, after, t['file'], existing)
    if existing and rc == 0:
        v.append('exit 0 with an existing output and no --overwrite')
    if not v and not args.keep:
        shutil.rmtree(case, ignore_errors=True)
    return dict(i=i, cmd=t['cmd'], file=t['file'], mutator=mutator, rc=rc, err=err.strip()[-600:], violations=v, case=case,
                argv=' '.join(t['argv']), existing=bool(existing))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--cases', type=int, default=120)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--only', type=lambda s: set(s.split(',')), default=None, help='commands to fuzz, e.g. infer,predict')
    ap.add_argument('--work', default=None, help='where cases run (default: a new temporary directory)')
    ap.add_argument('--keep', action='store_true', help='keep passing cases too')
    ap.add_argument('--first', type=int, default=0, help='first case number (to replay one: --first N --cases 1)')
    args = ap.parse_args()
    args.work = args.work or tempfile.mkdtemp(prefix='vecrnn-fuzz-')
    os.makedirs(args.work, exist_ok=True)
    seeds = os.path.join(args.work, 'seeds')
    if not os.path.isdir(seeds):
        os.makedirs(seeds)
        make_seeds(seeds)
    runs = collections.Counter()
    results = []
    with concurrent.futures.ThreadPoolExecutor(args.workers) as ex, open(os.path.join(args.work, 'results.jsonl'), 'a') as log:
        for res in ex.map(lambda i: run_case(i, args, seeds), range(args.first, args.first + args.cases)):
            results.append(res)
            log.write(json.dumps(res) + '\n')
            log.flush()
            runs[(res['cmd'], res['mutator'])] += 1
            if res['violations']:
                print(f"VIOLATION case {res['i']} {res['cmd']} {res['file']} {res['mutator']}: {'; '.join(res['violations'])}\n"
                      f"    exit {res['rc']}: {res['err']!r}\n    replay: cd {res['case']} && {VECRNN} {res['argv']}", flush=True)
    per_cmd = collections.Counter()
    for (c, m), n in sorted(runs.items()):
        per_cmd[c] += n
    print('\nruns per command and mutator:')
    for c in sorted(per_cmd):
        print(f'  {c}: {per_cmd[c]}  (' + ', '.join(f'{m} {n}' for (cc, m), n in sorted(runs.items()) if cc == c) + ')')
    codes = collections.Counter(r['rc'] for r in results)
    bad = [r for r in results if r['violations']]
    print(f'{len(results)} runs: exit codes {dict(codes)}; {len(bad)} with violations; work dir {args.work}')
    print(f'{len(results) - len(bad)} passed, {len(bad)} failed')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
