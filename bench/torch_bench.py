"""torch_bench.py - native PyTorch training and inference speed on the bench's models (the
engine's own definitions, examples/pytorch/wt_models.py), batch 64, SGD momentum, for `npm run
bench` (bench/run.mjs, section 5) to print beside the engine: the same models, batch and
machine, one and two threads. Run with Debian's /usr/bin/python3 (python3-torch):
    /usr/bin/python3 bench/torch_bench.py [--quick] [--threads 1,2]
Prints one line "JSON {...}": {torch, blas, models: {key: {threads: {train, infer}}}} in
images/s (medians of repetitions). Not here: the engine's numbers (run.mjs)."""
import argparse
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'examples', 'pytorch'))
from wt_models import build  # noqa: E402

BATCH, CLASSES = 64, 10
MODELS = {
    '1x28x28': {'model': 'student_cnn', 'input': [1, 28, 28], 'classes': CLASSES},
    '3x32x32': {'model': 'student_cnn', 'input': [3, 32, 32], 'classes': CLASSES},
    'resnet8-3x32x32': {'model': 'resnet', 'depth': 8, 'input': [3, 32, 32], 'classes': CLASSES},
    # ~3.3 GFLOP per training image: fewer, single-step repetitions (bench/run.mjs does the same)
    'resnet18-3x32x32': {'model': 'resnet18', 'input': [3, 32, 32], 'classes': CLASSES, 'reps': 3, 'steps': 1},
}


def blas():
    """What runs the products: the BLAS library loaded (Debian's torch is built with
    BLAS_INFO=generic, i.e. whatever libblas.so.3 the alternatives name, or one swapped in by
    LD_LIBRARY_PATH) and whether oneDNN (the convolutions) is on."""
    torch.mm(torch.ones(64, 64), torch.ones(64, 64))
    libs = set()
    with open('/proc/self/maps') as f:
        for line in f:
            path = line.split()[-1]
            if 'blas' in os.path.basename(path).lower():
                libs.add(os.path.realpath(path))
    onednn = 'oneDNN on' if torch.backends.mkldnn.is_available() else 'oneDNN off'
    return f"{', '.join(sorted(libs)) or 'no BLAS library loaded'}; {onednn}"


def bench(spec, threads, reps, steps):
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = build(spec)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.rand(BATCH, *spec['input']) - 0.5
    y = torch.arange(BATCH) % CLASSES

    def train_step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    for _ in range(3):
        train_step()
    train, infer = [], []
    for _ in range(reps):
        model.train()
        t0 = time.perf_counter()
        for _ in range(steps):
            train_step()
        train.append(BATCH * steps / (time.perf_counter() - t0))
        model.eval()
        with torch.no_grad():
            model(x)
            t0 = time.perf_counter()
            for _ in range(steps):
                model(x)
            infer.append(BATCH * steps / (time.perf_counter() - t0))
    return {'train': statistics.median(train), 'infer': statistics.median(infer), 'train_runs': train, 'infer_runs': infer}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--quick', action='store_true')
    ap.add_argument('--threads', default='1,2')
    a = ap.parse_args()
    reps, steps = (3, 2) if a.quick else (7, 3)
    out = {'torch': torch.__version__, 'blas': blas(), 'batch': BATCH, 'models': {}}
    for key, spec in MODELS.items():
        r, n = spec.get('reps', reps), spec.get('steps', steps)
        out['models'][key] = {str(t): bench(spec, int(t), r, n) for t in a.threads.split(',')}
    print('JSON ' + json.dumps(out))


if __name__ == '__main__':
    main()
