"""The PyTorch reference of the CLI's CIFAR-10 ResNet runs: the same model definition
(wt_models.py), the same recipe and the same JPEG ImageFolder, so an accuracy the engine reaches can
be set beside what PyTorch reaches with the same epochs.

    /usr/bin/python3 examples/pytorch/cifar_reference.py --data /tmp/cifar10 --depth 8 --epochs 8 \
        --batch-size 128 --lr 0.2 --warmup-epochs 1 --label-smoothing 0.1 --nesterov --no-bias-decay \
        --random-crop 4 --hflip --threads 1

Recipe, as wasmtricks' Trainer applies it: SGD (momentum 0.9, optional Nesterov), weight decay on
every parameter unless --no-bias-decay (then only on conv / linear weights), the learning rate
per step: linear warm-up from lr / steps_warmup to lr over the warm-up steps, then cosine to 0 at
the last step; CrossEntropyLoss(label_smoothing); per image: zero-pad + random crop, horizontal
flip, ToTensor, Normalize with the training set's per-channel mean / std.
"""
import argparse
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wt_models import build  # noqa: E402


def load_split(root):
    classes = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
    images, labels = [], []
    for ci, c in enumerate(classes):
        folder = os.path.join(root, c)
        for f in sorted(os.listdir(folder)):
            with Image.open(os.path.join(folder, f)) as im:
                images.append(np.asarray(im.convert('RGB'), dtype=np.uint8))
            labels.append(ci)
    return np.stack(images), np.array(labels, dtype=np.int64), classes


def augment(batch, pad, flip, gen):
    """batch: (N, 3, H, W) float; zero-pad + random crop and a horizontal flip per image."""
    N, _, H, W = batch.shape
    if pad:
        padded = F.pad(batch, (pad, pad, pad, pad))
        ys = torch.randint(0, 2 * pad + 1, (N,), generator=gen)
        xs = torch.randint(0, 2 * pad + 1, (N,), generator=gen)
        batch = torch.stack([padded[i, :, ys[i]:ys[i] + H, xs[i]:xs[i] + W] for i in range(N)])
    if flip:
        mask = torch.rand(N, generator=gen) < 0.5
        batch[mask] = batch[mask].flip(3)
    return batch


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', required=True, help='folder with train/ and test/ class sub-folders')
    p.add_argument('--depth', type=int, default=8)
    p.add_argument('--epochs', type=int, default=8)
    p.add_argument('--batch-size', type=int, default=128)
    p.add_argument('--lr', type=float, default=0.1)
    p.add_argument('--momentum', type=float, default=0.9)
    p.add_argument('--nesterov', action='store_true')
    p.add_argument('--weight-decay', type=float, default=5e-4)
    p.add_argument('--no-bias-decay', action='store_true')
    p.add_argument('--warmup-epochs', type=float, default=0)
    p.add_argument('--label-smoothing', type=float, default=0.0)
    p.add_argument('--random-crop', type=int, default=0)
    p.add_argument('--hflip', action='store_true')
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--seed', type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    gen = torch.Generator().manual_seed(a.seed)

    t0 = time.time()
    xtr, ytr, classes = load_split(os.path.join(a.data, 'train'))
    xte, yte, _ = load_split(os.path.join(a.data, 'test'))
    mean = xtr.reshape(-1, 3).mean(0) / 255
    std = (xtr.reshape(-1, 3) / 255).std(0)
    norm = lambda x: (torch.from_numpy(x).permute(0, 3, 1, 2).float() / 255 - torch.tensor(mean).view(1, 3, 1, 1).float()) / torch.tensor(std).view(1, 3, 1, 1).float()
    Xtr, Ytr, Xte, Yte = norm(xtr), torch.from_numpy(ytr), norm(xte), torch.from_numpy(yte)
    print(f'data: {len(Xtr)} train, {len(Xte)} test, {len(classes)} classes, {time.time() - t0:.1f} s', flush=True)

    model = build({'model': 'resnet', 'depth': a.depth, 'input': [3, 32, 32], 'classes': len(classes)})
    decay = [q for n, q in model.named_parameters() if not (a.no_bias_decay and q.ndim <= 1)]
    no_decay = [q for n, q in model.named_parameters() if a.no_bias_decay and q.ndim <= 1]
    groups = [{'params': decay, 'weight_decay': a.weight_decay}]
    if no_decay:
        groups.append({'params': no_decay, 'weight_decay': 0.0})
    opt = torch.optim.SGD(groups, lr=a.lr, momentum=a.momentum, nesterov=a.nesterov)
    steps_per_epoch = math.ceil(len(Xtr) / a.batch_size)
    total = steps_per_epoch * a.epochs
    warm = round(a.warmup_epochs * steps_per_epoch)

    def lr_at(step):  # step: 0-based index of the step about to run
        if step < warm:
            return a.lr * (step + 1) / warm
        t = (step - warm) / max(1, total - warm)
        return 0.5 * a.lr * (1 + math.cos(math.pi * t))

    loss_fn = nn.CrossEntropyLoss(label_smoothing=a.label_smoothing)
    step = 0
    t1 = time.time()
    for epoch in range(a.epochs):
        model.train()
        perm = torch.randperm(len(Xtr), generator=gen)
        e0, seen, correct, loss_sum = time.time(), 0, 0, 0.0
        for b in range(steps_per_epoch):
            idx = perm[b * a.batch_size:(b + 1) * a.batch_size]
            x = augment(Xtr[idx].clone(), a.random_crop, a.hflip, gen)
            y = Ytr[idx]
            for g in opt.param_groups:
                g['lr'] = lr_at(step)
            out = model(x)
            loss = loss_fn(out, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            seen += len(y)
            correct += (out.argmax(1) == y).sum().item()
            loss_sum += loss.item() * len(y)
        model.eval()
        with torch.no_grad():
            pred = torch.cat([model(Xte[i:i + 500]).argmax(1) for i in range(0, len(Xte), 500)])
        acc = (pred == Yte).float().mean().item()
        print(f'epoch {epoch + 1}/{a.epochs}: loss {loss_sum / seen:.4f} train acc {100 * correct / seen:.2f}% '
              f'test acc {100 * acc:.2f}% | {seen / (time.time() - e0):.0f} img/s | {time.time() - t1:.0f} s', flush=True)


if __name__ == '__main__':
    main()
