#!/usr/bin/python3
"""corruption.py: the checkpoint corruption table (docs/checkpoint-corruption.md).

Makes checkpoints of three sizes with Debian's torch 1.13 (CPU), damages
each in the ways training jobs and transfers damage files, and records
torch.load's outcome next to mloncall's verdict (structural and --deep).
Malicious pickles are only ever given to torch.load(weights_only=True),
which refuses them; they are never loaded otherwise.

Usage (from the repository root, after `make`):
    /usr/bin/python3 bench/checkpoint/corruption.py [--out docs/checkpoint-corruption.md]
Builds nothing; uses build/mloncall; scratch files under bench/out/.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'fixtures', 'checkpoints'))
import make  # noqa: E402  (the fixture helpers)
import torch  # noqa: E402

ML = os.path.join(ROOT, 'build', 'mloncall')


def torch_load(path, weights_only):
    try:
        torch.load(path, weights_only=weights_only)
        return 'loads'
    except Exception as e:  # noqa: BLE001 - the outcome is the point
        msg = str(e)
        if 'WeightsUnpickler error:' in msg:
            msg = 'refused: ' + msg.split('WeightsUnpickler error:')[1].strip()
        msg = msg.split('\n')[0]
        if len(msg) > 70:
            msg = msg[:67] + '...'
        return '%s: %s' % (type(e).__name__, msg.replace('|', '/'))


def mloncall(path, deep):
    args = [ML, 'check', 'checkpoint', path, '-o', 'json', '-q']
    if deep:
        args.append('--deep')
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode >= 2:
        return 'error (exit %d)' % r.returncode
    f = json.loads(r.stdout)
    codes = sorted({x['code'] for x in f['reasons'] if x['level'] != 'info'})
    return f['verdict'] + (' (' + ', '.join(codes) + ')' if codes else '')


def slug(case):
    return ''.join(c if c.isalnum() else '_' for c in case)


def variants(out):
    """(size label, case, path, loadable by torch at all)"""
    rows = []
    sizes = [('small', 16), ('medium', 96), ('large', 65536)]
    for label, hidden in sizes:
        base = os.path.join(out, '%s.pt' % label)
        torch.save(make.make_ckpt(hidden, 1000, 3), base)
        data = open(base, 'rb').read()
        cases = [
            ('intact', data),
            ('truncated to half', data[:len(data) // 2]),
            ('last byte cut', data[:-1]),
            ('zeroed (same size)', bytes(len(data))),
            ('bit flipped in tensor data', make.corrupt_tensor_bit(base)),
            ('bit flipped in data.pkl', make.corrupt_pickle_bit(base)),
            ('central directory dropped', make.drop_central_directory(base)),
        ]
        for case, b in cases:
            p = os.path.join(out, '%s-%s.pt' % (label, slug(case)))
            open(p, 'wb').write(b)
            rows.append(('%s zip, %d B' % (label, len(data)), case, p, True))
        if label == 'small':
            leg = os.path.join(out, 'legacy.pt')
            torch.save(make.make_ckpt(hidden, 1000, 3), leg,
                       _use_new_zipfile_serialization=False)
            ld = open(leg, 'rb').read()
            for case, b in [('intact', ld),
                            ('truncated to half', ld[:len(ld) // 2]),
                            ('bit flipped in tensor data',
                             make.flip(ld, len(ld) - 40, 3))]:
                p = os.path.join(out, 'legacy-%s.pt' % slug(case))
                open(p, 'wb').write(b)
                rows.append(('legacy, %d B' % len(ld), case, p, True))
    for kind in ('os_system', 'builtins_eval', 'posix_system'):
        p = os.path.join(out, 'evil-%s.pt' % kind)
        open(p, 'wb').write(make.malicious(kind))
        rows.append(('malicious zip', 'pickle calls ' + kind.replace('_', '.'),
                     p, False))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default=os.path.join(ROOT, 'docs',
                                                  'checkpoint-corruption.md'))
    a = ap.parse_args()
    if not os.access(ML, os.X_OK):
        sys.exit('build/mloncall missing: run make first')
    scratch = os.path.join(ROOT, 'bench', 'out', 'corruption')
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)
    lines = [
        '# Checkpoint corruption: torch.load vs mloncall',
        '',
        'Made by `bench/checkpoint/corruption.py` (run it to regenerate)',
        'with Debian\'s torch %s (CPU). Each checkpoint is a training' % torch.__version__,
        'dict (epoch, step, loss, model and Adam state dicts) saved by',
        '`torch.save`; "large" holds about 9 MB of tensors. Malicious files',
        'are only given to `torch.load(weights_only=True)`; "not run" means',
        'the script never loads them without it. torch 1.13\'s weights_only',
        'unpickler lacks the BINFLOAT opcode ("Unsupported operand 71"), so',
        'it refuses any checkpoint holding a Python float (loss, lr);',
        'torch 2.x accepts those.',
        '',
        '**Reference pending:** no GPU machine with PyTorch 2.x was available',
        'in this session, so the second reference column (2.x) is still to be',
        'filled; the shared fixtures made with torch 2.11 give the same',
        'verdicts (tests/golden/checkpoint).',
        '',
        '| file | damage | torch.load | torch.load(weights_only=True) | mloncall | mloncall --deep |',
        '|---|---|---|---|---|---|',
    ]
    for size, case, path, loadable in variants(scratch):
        full = torch_load(path, False) if loadable else 'not run'
        wo = torch_load(path, True)
        lines.append('| %s | %s | %s | %s | %s | %s |' % (
            size, case, full, wo, mloncall(path, False), mloncall(path, True)))
    lines += [
        '',
        'Reading the table: a flipped bit in tensor data loads silently in',
        'torch and passes the structural check; only `--deep` (CRC32 of each',
        'zip entry against the central directory) catches it. The legacy',
        'format has no checksums, so nothing can catch a flipped bit there',
        'short of a sha256 manifest (`check artifact`).',
        '',
    ]
    open(a.out, 'w').write('\n'.join(lines))
    print('wrote %s (%d rows)' % (a.out, len(lines) - 20))
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == '__main__':
    main()
