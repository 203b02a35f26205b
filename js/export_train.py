# ---- the training script (js/export_train.py, filled in by js/export.js)
# The run as the engine's Trainer and fit() define it (docs/batch.md, docs/augment.md,
# docs/losses.md): per image torchvision transforms on uint8 images, ToTensor + Normalize,
# Cutout / RandomErasing; per batch mixup / CutMix / RICAP with soft targets and the part
# weights; CrossEntropyLoss(label_smoothing) + weight * KD; the lr of every step from the
# schedule's closed form; torch's SGD / Adam / AdamW and the official AdaBound. DDP under
# torchrun: each rank takes batch / world images of the global batch, DDP averages the
# gradients, so the lr and the global batch stay the exported run's.
import argparse
import gzip
import math
import os
import re
import sys
import time

import torch.distributed as dist
from torch.utils.data import DataLoader, Dataset, DistributedSampler, RandomSampler, SequentialSampler

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGE_EXT = re.compile(r'\.(png|jpe?g)$', re.I)


class RunError(Exception):
    """A problem with the data, a flag or a file: one line on stderr, exit status 2."""


# ---- data: the layouts the CLI's --data reads (IDX, CIFAR-10/100 binary batches, ImageFolder)
def read_file(path):
    with open(path, 'rb') as f:
        b = f.read()
    return gzip.decompress(b) if b[:2] == b'\x1f\x8b' else b


def read_idx(path):
    b = read_file(path)
    rank = b[3]
    dims = [int.from_bytes(b[4 + 4 * i:8 + 4 * i], 'big') for i in range(rank)]
    return np.frombuffer(b, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def find(folder, name):
    for n in (name, name + '.gz'):
        if os.path.exists(os.path.join(folder, n)):
            return os.path.join(folder, n)
    raise RunError(f'{folder}: no {name} (or {name}.gz)')


def load_images(folder, size):
    """An ImageFolder: (N, H, W, C) uint8, labels, class names; other extents are resized to
    cover and centre-cropped (as the engine's decoder does)."""
    from PIL import Image
    classes = sorted(d for d in os.listdir(folder) if os.path.isdir(os.path.join(folder, d)) and not d.startswith('.'))
    if not classes:
        raise RunError(f'{folder} has no class sub-folders (expected <dir>/<class>/<image>.png|jpg)')
    files = [(os.path.join(folder, c, f), k) for k, c in enumerate(classes)
             for f in sorted(os.listdir(os.path.join(folder, c))) if IMAGE_EXT.search(f)]
    if not files:
        raise RunError(f'no .png/.jpg/.jpeg files under the class folders of {folder}')
    with Image.open(files[0][0]) as im:
        # The CLI's --image-size decodes to 3 channels; otherwise the first image decides.
        mode = 'L' if not size and im.mode in ('L', 'LA', 'I', '1') else 'RGB'
        H, W = (size, size) if size else (im.height, im.width)
    images = []
    for f, _ in files:
        with Image.open(f) as im:
            im = im.convert(mode)
            if (im.height, im.width) != (H, W):
                s = max(H / im.height, W / im.width)
                im = im.resize((max(W, round(im.width * s)), max(H, round(im.height * s))), Image.BILINEAR)
                left, top = (im.width - W) // 2, (im.height - H) // 2
                im = im.crop((left, top, left + W, top + H))
            a = np.asarray(im, dtype=np.uint8)
            images.append(a[:, :, None] if a.ndim == 2 else a)
    return np.stack(images), np.array([k for _, k in files], dtype=np.int64), classes


def load_split(spec, split, size):
    """(images (N, H, W, C) uint8, labels int64, class names or None, classes) of --data."""
    if not os.path.isdir(spec):
        raise RunError(f'no such data set or folder: {spec}')
    names = os.listdir(spec)
    has = lambda f: f in names or f + '.gz' in names
    if has('train-images-idx3-ubyte') or has('t10k-images-idx3-ubyte'):
        img, lbl = {'train': ('train-images-idx3-ubyte', 'train-labels-idx1-ubyte'),
                    'test': ('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte')}[split]
        x = read_idx(find(spec, img))[:, :, :, None]
        y = read_idx(find(spec, lbl)).astype(np.int64)
        return x, y, None, int(y.max()) + 1
    for sub, K in (('cifar-10-batches-bin', 10), ('cifar-100-binary', 100)):
        base = os.path.join(spec, sub) if sub in names else spec
        listing = os.listdir(base)
        if K == 10 and not ({'data_batch_1.bin', 'test_batch.bin'} & set(listing)):
            continue
        if K == 100 and not ({'train.bin', 'test.bin'} & set(listing)):
            continue
        files = ([f'data_batch_{i}.bin' for i in range(1, 6)] if split == 'train' else ['test_batch.bin']) if K == 10 \
            else [f'{split}.bin']
        head = 1 if K == 10 else 2
        recs = np.concatenate([np.frombuffer(read_file(os.path.join(base, f)), np.uint8).reshape(-1, head + 3072)
                               for f in files])
        x = recs[:, head:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        meta = os.path.join(base, 'batches.meta.txt' if K == 10 else 'fine_label_names.txt')
        cls = [s.strip() for s in open(meta).read().split('\n') if s.strip()] if os.path.exists(meta) else None
        return np.ascontiguousarray(x), recs[:, head - 1].astype(np.int64), cls if cls and len(cls) == K else None, K
    if 'train' in names and 'test' in names:
        x, y, cls = load_images(os.path.join(spec, split), size)
        return x, y, cls, len(cls)
    if split == 'test':
        raise RunError(f'{spec} has no test split (no train/ and test/ folders)')
    x, y, cls = load_images(spec, size)
    return x, y, cls, len(cls)


def statistics(x):
    """The engine's per-channel mean and std of the pixels scaled to [0, 1] (population std)."""
    C = x.shape[-1]
    v = x.reshape(-1, C).astype(np.float64)
    n = v.shape[0]
    mean = v.sum(0) / n / 255
    std = np.sqrt(np.maximum(0, (v * v).sum(0) / n / 65025 - mean ** 2))
    return [float(m) for m in mean], [float(s) if s > 0 else 1.0 for s in std]


class Cutout:
    """DeVries & Taylor's Cutout on a normalised (C, H, W) tensor: holes of length x length
    centred anywhere, clipped, the mask multiplied in."""

    def __init__(self, holes, length):
        self.holes, self.length = holes, length

    def __call__(self, x):
        _, H, W = x.shape
        mask = torch.ones(H, W)
        for _ in range(self.holes):
            y, xc = int(torch.randint(H, ())), int(torch.randint(W, ()))
            y1, y2 = max(0, y - self.length // 2), min(H, y + self.length // 2)
            x1, x2 = max(0, xc - self.length // 2), min(W, xc + self.length // 2)
            mask[y1:y2, x1:x2] = 0
        return x * mask


def transforms(aug, in_shape, data_shape, mean, std, train):
    """The engine's pipeline (js/loader.js buildSteps) in torchvision: uint8 (C, H, W) in,
    normalised float out."""
    import torchvision.transforms as T
    MC, MH, MW = in_shape
    _, H, W = data_shape
    steps = []
    if train and aug.get('randomResizedCrop'):
        r = aug['randomResizedCrop']
        steps.append(T.RandomResizedCrop((MH, MW), scale=tuple(r['scale']), ratio=tuple(r['ratio']),
                                         interpolation=T.InterpolationMode.BILINEAR))
    elif (H, W) != (MH, MW):
        steps += [T.Resize(min(MH, MW), interpolation=T.InterpolationMode.BILINEAR), T.CenterCrop((MH, MW))]
    if train:
        if aug.get('randomCrop'):
            steps.append(T.RandomCrop((MH, MW), padding=aug['randomCrop']['padding']))
        if aug.get('hflip'):
            steps.append(T.RandomHorizontalFlip(aug['hflip']['p']))
        if aug.get('vflip'):
            steps.append(T.RandomVerticalFlip(aug['vflip']['p']))
        # torchvision 0.14's equalize views each channel flat: crops must be made contiguous
        steps.append(T.Lambda(lambda x: x.contiguous()))
        if aug.get('autoAugment'):
            policy = {'imagenet': T.AutoAugmentPolicy.IMAGENET, 'cifar10': T.AutoAugmentPolicy.CIFAR10,
                      'svhn': T.AutoAugmentPolicy.SVHN}[aug['autoAugment']['policy']]
            steps.append(T.AutoAugment(policy))
        if aug.get('randAugment'):
            r = aug['randAugment']
            steps.append(T.RandAugment(r['numOps'], r['magnitude'], r['numMagnitudeBins']))
        if aug.get('trivialAugment'):
            steps.append(T.TrivialAugmentWide(aug['trivialAugment']['numMagnitudeBins']))
    steps += [T.Lambda(lambda x: x[:MC].float() / 255), T.Normalize(mean, std)]
    if train and aug.get('cutout'):
        steps.append(Cutout(aug['cutout']['holes'], aug['cutout']['length']))
    if train and aug.get('randomErasing'):
        r = aug['randomErasing']
        steps.append(T.RandomErasing(r['p'], tuple(r['scale']), tuple(r['ratio']), r['value']))
    return T.Compose(steps)


class ImageSet(Dataset):
    def __init__(self, x, y, transform):
        self.x, self.y, self.transform = torch.tensor(x).permute(0, 3, 1, 2).contiguous(), torch.tensor(y), transform

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.transform(self.x[i]), self.y[i]


# ---- the batch tricks (docs/batch.md): draws, then the mix; part k of sample i comes from
# sample perms[k][i] and weighs weights[k]
def sample_batch_trick(cfg, N, H, W, rng):
    """The draws of one batch (None: not mixed), as the engine makes them: CutMix's prob gate,
    timm's mixup/CutMix switch, lambda ~ Beta, boxes, RICAP boundaries and offsets."""
    mix, cut, ricap = cfg.get('mixup'), cfg.get('cutmix'), cfg.get('ricap')
    if not (mix or cut or ricap):
        return None
    prob = cut['prob'] if cut else 1.0
    if prob < 1 and not rng.random() < prob:
        return None
    perm = lambda: [int(v) for v in rng.permutation(N)]
    if ricap:
        b = ricap['beta']
        w, h = int(np.round(W * rng.beta(b, b))), int(np.round(H * rng.beta(b, b)))
        ws, hs = [w, w, W - w, W - w], [h, H - h, h, H - h]
        perms, offsets = [], []
        for k in range(4):
            perms.append(perm())
            offsets.append([int(rng.integers(0, W - ws[k] + 1)), int(rng.integers(0, H - hs[k] + 1))])
        return {'trick': 'ricap', 'boundary': {'w': w, 'h': h}, 'offsets': offsets, 'permutations': perms}
    use_cut = bool(cut) and (not mix or rng.random() < cfg['switchProb'])
    if not use_cut:
        a = mix['alpha']
        return {'trick': 'mixup', 'lambda': float(rng.beta(a, a)), 'permutation': perm()}
    a = cut['alpha']
    lam = rng.beta(a, a)
    p = perm()
    cy, cx = int(rng.integers(0, H)), int(rng.integers(0, W))
    ch, cw = int(H * math.sqrt(1 - lam)), int(W * math.sqrt(1 - lam))
    box = {'y0': min(max(cy - ch // 2, 0), H), 'y1': min(max(cy + ch // 2, 0), H),
           'x0': min(max(cx - cw // 2, 0), W), 'x1': min(max(cx + cw // 2, 0), W)}
    return {'trick': 'cutmix', 'box': box, 'permutation': p}


def apply_batch_trick(x, draws):
    """(mixed images, [(weight, permutation)]) of a normalised (N, C, H, W) batch."""
    N, _, H, W = x.shape
    ident = torch.arange(N)
    if draws is None:
        return x, [(1.0, ident)]
    t = draws['trick']
    if t == 'mixup':
        lam, p = draws['lambda'], torch.tensor(draws['permutation'])
        return lam * x + (1 - lam) * x[p, :], [(lam, ident), (1 - lam, p)]
    if t == 'cutmix':
        b, p = draws['box'], torch.tensor(draws['permutation'])
        out = x.clone()
        out[:, :, b['y0']:b['y1'], b['x0']:b['x1']] = x[p, :, b['y0']:b['y1'], b['x0']:b['x1']]
        lam = 1 - (b['y1'] - b['y0']) * (b['x1'] - b['x0']) / (H * W)
        return out, [(lam, ident), (1 - lam, p)]
    w, h = draws['boundary']['w'], draws['boundary']['h']
    ws, hs = [w, w, W - w, W - w], [h, H - h, h, H - h]
    perms = [torch.tensor(p) for p in draws['permutations']]
    crops = [x[perms[k]][:, :, oy:oy + hs[k], ox:ox + ws[k]] for k, (ox, oy) in enumerate(draws['offsets'])]
    out = torch.cat((torch.cat((crops[0], crops[1]), 2), torch.cat((crops[2], crops[3]), 2)), 3)
    return out, [(ws[k] * hs[k] / (W * H), perms[k]) for k in range(4)]


def soft_targets(y, parts, K):
    """sum_k weight_k * onehot(y[perm_k]), summed in double and rounded once (as the engine)."""
    t = torch.zeros(len(y), K, dtype=torch.float64)
    for wk, p in parts:
        t[torch.arange(len(y)), y[p]] += wk
    return t.float()


# ---- the optimizers and the lr schedule
class AdaBound(torch.optim.Optimizer):
    """AdaBound / AMSBound (Luo et al. 2019), the official adabound.py."""

    def __init__(self, params, lr, betas, final_lr, gamma, eps, weight_decay, amsbound):
        super().__init__(params, dict(lr=lr, betas=betas, final_lr=final_lr, gamma=gamma, eps=eps,
                                      weight_decay=weight_decay, amsbound=amsbound))
        self.base_lrs = [g['lr'] for g in self.param_groups]

    @torch.no_grad()
    def step(self):
        for group, base_lr in zip(self.param_groups, self.base_lrs):
            for p in group['params']:
                if p.grad is None:
                    continue
                grad = p.grad
                st = self.state[p]
                if not st:
                    st['step'] = 0
                    st['exp_avg'] = torch.zeros_like(p)
                    st['exp_avg_sq'] = torch.zeros_like(p)
                    if group['amsbound']:
                        st['max_exp_avg_sq'] = torch.zeros_like(p)
                m, v = st['exp_avg'], st['exp_avg_sq']
                b1, b2 = group['betas']
                st['step'] += 1
                if group['weight_decay'] != 0:
                    grad = grad.add(p, alpha=group['weight_decay'])
                m.mul_(b1).add_(grad, alpha=1 - b1)
                v.mul_(b2).addcmul_(grad, grad, value=1 - b2)
                if group['amsbound']:
                    torch.max(st['max_exp_avg_sq'], v, out=st['max_exp_avg_sq'])
                    denom = st['max_exp_avg_sq'].sqrt().add_(group['eps'])
                else:
                    denom = v.sqrt().add_(group['eps'])
                bc1, bc2 = 1 - b1 ** st['step'], 1 - b2 ** st['step']
                step_size = group['lr'] * math.sqrt(bc2) / bc1
                final_lr = group['final_lr'] * group['lr'] / base_lr
                lower = final_lr * (1 - 1 / (group['gamma'] * st['step'] + 1))
                upper = final_lr * (1 + 1 / (group['gamma'] * st['step']))
                s = torch.full_like(denom, step_size).div_(denom).clamp_(lower, upper).mul_(m)
                p.add_(-s)


def under(name, prefix, head=None):
    """A state_dict name under a prefix at a dot boundary ('layer1' holds 'layer1.0.conv1.weight');
    '@head' is the classifier (cfg's head), '@backbone' everything else."""
    if prefix in ('@head', '@backbone'):
        return under(name, head) == (prefix == '@head')
    return name == prefix or name.startswith(prefix + '.')


def tuned_groups(model, o, cfg):
    """freeze / paramGroups / frozenBatchNorm (the Trainer's): frozen parameters get
    requires_grad=False and no group; each other parameter goes to the first paramGroups entry
    it matches (its lr and weightDecay, else the optimizer's), split by noBiasDecay. A BatchNorm
    whose parameters are all frozen is listed in model.wt_frozen_bn for 'eval' (train_step)."""
    freeze, pgs = cfg.get('freeze') or [], cfg.get('paramGroups') or []
    frozen = {n for n, _ in model.named_parameters() if any(under(n, f, cfg.get('head')) for f in freeze)}
    model.wt_frozen_bn = [m for n, m in model.named_modules() if isinstance(m, torch.nn.BatchNorm2d)
                          and all(f'{n}.{k}' in frozen for k, _ in m.named_parameters())] \
        if cfg.get('frozenBatchNorm', 'eval') == 'eval' else []
    groups = {}
    for n, p in model.named_parameters():
        if n in frozen:
            p.requires_grad_(False)
            continue
        gi = next((i for i, g in enumerate(pgs) if under(n, g['match'], cfg.get('head'))), None)
        g = pgs[gi] if gi is not None else {}
        decays = not (o.get('noBiasDecay') and p.ndim <= 1)
        key = (gi, decays)
        if key not in groups:
            base = g.get('lr')  # None: the run's lr (train_step sets it)
            groups[key] = {'params': [], 'lr': o['lr'] if base is None else base, 'wt_lr': base,
                           'weight_decay': g.get('weightDecay', o['weightDecay']) if decays else 0.0}
        groups[key]['params'].append(p)
    return list(groups.values())


def make_optimizer(model, o, cfg=None):
    """The optimizer of options o (the Trainer's, defaults filled in); noBiasDecay: no decay on
    biases and BatchNorm parameters (the 1-D ones); cfg's freeze / paramGroups (tuned_groups)."""
    params = list(model.parameters())
    nd = [p for p in params if o.get('noBiasDecay') and p.ndim <= 1]
    decay = [p for p in params if not (o.get('noBiasDecay') and p.ndim <= 1)]
    groups = [{'params': decay, 'weight_decay': o['weightDecay']}] + ([{'params': nd, 'weight_decay': 0.0}] if nd else [])
    if cfg and (cfg.get('freeze') or cfg.get('paramGroups')):
        groups = tuned_groups(model, o, cfg)
    name = o['name']
    if name == 'sgd':
        return torch.optim.SGD(groups, lr=o['lr'], momentum=o['momentum'], dampening=o['dampening'], nesterov=o['nesterov'])
    if name in ('adam', 'adamw'):
        cls = torch.optim.Adam if name == 'adam' else torch.optim.AdamW
        return cls(groups, lr=o['lr'], betas=tuple(o['betas']), eps=o['eps'], amsgrad=o['amsgrad'])
    return AdaBound(groups, o['lr'], tuple(o['betas']), o['finalLr'], o['gamma'], o['eps'], o['weightDecay'], o['amsbound'])


def resolve_schedule(s, steps_per_epoch, epochs):
    """'auto' warm-up (10% of the run) and cosine length (the rest), as fit() resolves them."""
    if not s:
        return None
    s = dict(s)
    total = max(1, steps_per_epoch * epochs)
    if 'warmupEpochs' in s:
        s['warmupSteps'] = s.pop('warmupEpochs') * steps_per_epoch
    warm = math.floor(total / 10 + 0.5) if s.get('warmupSteps') == 'auto' else s.get('warmupSteps', 0)
    s['warmupSteps'] = warm
    if s.get('interval') == 'epoch':
        s['tMax'] = epochs if s.get('tMax') == 'auto' else s.get('tMax')
    elif s.get('tMax') == 'auto':
        s['tMax'] = max(1, total - warm)
    return s


def lr_at(s, base, tick):
    """The engine's wt_schedule_lr: LinearLR warm-up, then step / multistep / cosine."""
    if not s:
        return base
    warm = s.get('warmupSteps', 0)
    if tick < warm:
        f = s.get('warmupStartFactor', 1 / 3)
        return base * (f + (1 - f) * tick / warm)
    t = tick - warm
    name = s.get('name', 'constant')
    if name == 'step':
        return base * s.get('gamma', 0.1) ** (t // s['stepSize'])
    if name == 'multistep':
        return base * s.get('gamma', 0.1) ** sum(1 for m in s['milestones'] if m <= t)
    if name == 'cosine':
        eta = s.get('etaMin', 0)
        return eta + (base - eta) * (1 + math.cos(math.pi * t / s['tMax'])) / 2
    return base


# ---- one step
def train_step(model, opt, teacher, x, y, draws, cfg, lr, group_lr=lambda base: base):
    """One optimizer step on a normalised batch with the batch trick's draws (None: none):
    returns (loss, accuracy) as the engine's step reports them. lr: the run's; a paramGroups
    group's lr is group_lr(its own lr) (the schedule's value of it)."""
    x_in, parts = apply_batch_trick(x, draws)
    model.train()
    for m in getattr(getattr(model, 'module', model), 'wt_frozen_bn', ()):
        m.eval()  # frozenBatchNorm 'eval': running statistics fixed
    logits = model(x_in)
    K = logits.shape[1]
    eps = cfg['labelSmoothing']
    if draws is None:
        loss = F.cross_entropy(logits, y, label_smoothing=eps)
    else:
        loss = F.cross_entropy(logits, soft_targets(y, parts, K), label_smoothing=eps)
    if teacher is not None:
        T, w = cfg['distillation']['temperature'], cfg['distillation']['weight']
        with torch.no_grad():
            t_logits = teacher(x_in)
        kd = F.kl_div(F.log_softmax(logits / T, 1), F.softmax(t_logits / T, 1), reduction='batchmean') * T * T
        loss = loss + w * kd
    for g in opt.param_groups:
        g['lr'] = lr if g.get('wt_lr') is None else group_lr(g['wt_lr'])
    opt.zero_grad()
    loss.backward()
    if cfg.get('gradClipNorm'):
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg['gradClipNorm'])
    opt.step()
    pred = logits.detach().argmax(1)
    acc = sum(wk * (pred == y[p]).float().mean().item() for wk, p in parts)
    return loss.item(), acc


# ---- weights in and out (the engine's safetensors: wt_models.py above)
def load_weights(path):
    try:
        with open(path, 'rb') as f:
            sd, meta = from_safetensors_bytes(f.read())
        return sd, json.loads(meta['spec'])
    except (OSError, ValueError, KeyError) as e:
        raise RunError(f'cannot read the weights {path}: {e}')


def load_model(path):
    sd, spec = load_weights(path)
    model = build(spec)
    model.load_state_dict(sd, strict=True)
    return model, spec


def write_model(model, spec, path, class_names, normalization):
    """model.safetensors with the spec, class names and normalisation in its __metadata__, and
    the CLI's --save side file (path.json) that `wasmtricks eval/predict` read."""
    meta = {'classNames': class_names, 'normalization': normalization}
    data = to_safetensors_bytes(model.state_dict(), spec, {k: json.dumps(v) for k, v in meta.items()})
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(data)
    os.replace(tmp, path)
    with open(re.sub(r'\.safetensors$', '', path) + '.json', 'w') as f:
        json.dump(meta, f, indent=2)


# ---- flags: the exported configuration is the default of each
def parse_args(argv):
    c = CONFIG
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', metavar='DIR', default=c['data']['path'], help='IDX / CIFAR / ImageFolder folder [%(default)s]')
    p.add_argument('--image-size', type=int, metavar='N', default=c['data'].get('imageSize'), help='ImageFolder: decode to N x N')
    p.add_argument('--limit', type=int, metavar='N', default=c['data'].get('limit'), help='train on a seeded random subset of N images')
    p.add_argument('--epochs', type=int, metavar='N', default=c['epochs'], help='[%(default)s]')
    p.add_argument('--batch-size', type=int, metavar='N', default=c['batchSize'], help='the global batch (all ranks) [%(default)s]')
    p.add_argument('--lr', type=float, metavar='X', default=c['optimizer']['lr'], help='[%(default)s]')
    p.add_argument('--seed', type=int, metavar='N', default=c['seed'], help='[%(default)s]')
    p.add_argument('--init', metavar='FILE', default=c.get('init') and os.path.join(HERE, c['init']),
                   help="start from these engine weights (.safetensors; '': torch's fresh init) [%(default)s]")
    p.add_argument('--teacher', metavar='FILE', default=c.get('teacher') and os.path.join(HERE, c['teacher']),
                   help='the distillation teacher (.safetensors) [%(default)s]')
    p.add_argument('--out', metavar='FILE', default=os.path.join(HERE, 'model.safetensors'), help='the final weights [%(default)s]')
    p.add_argument('--checkpoint', metavar='FILE', help='a checkpoint written at every epoch end (rank 0)')
    p.add_argument('--resume', metavar='FILE', help='continue the run of a checkpoint')
    p.add_argument('--sync-bn', action='store_true', help='DDP: SyncBatchNorm (BatchNorm over the global batch)')
    p.add_argument('--workers', type=int, metavar='N', default=0, help='DataLoader worker processes per rank')
    p.add_argument('--set', action='append', default=[], metavar='OPTION=JSON',
                   help="override any exported option by name, e.g. --set mixup.alpha=0.4 --set 'augment={}'")
    a = p.parse_args(argv)
    cfg = json.loads(json.dumps(c))
    for item in a.set:
        name, eq, value = item.partition('=')
        if not eq:
            p.error(f'--set {item}: expected OPTION=JSON')
        try:
            v = json.loads(value)
        except ValueError:
            v = value
        keys = name.split('.')
        at = cfg
        for k in keys[:-1]:
            if not isinstance(at.get(k), dict):
                at[k] = {}
            at = at[k]
        at[keys[-1]] = v
    cfg['optimizer']['lr'] = a.lr
    if a.batch_size < 1 or a.epochs < 1:
        p.error('--batch-size and --epochs must be >= 1')
    return a, cfg


def main(argv=None):
    a, cfg = parse_args(sys.argv[1:] if argv is None else argv)
    world = int(os.environ.get('WORLD_SIZE', '1'))
    rank = int(os.environ.get('RANK', '0'))
    ddp = world > 1
    cuda = torch.cuda.is_available()
    if ddp:
        dist.init_process_group('nccl' if cuda else 'gloo')
    device = torch.device(f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}" if cuda else 'cpu')
    if cuda:
        torch.cuda.set_device(device)
    if a.batch_size % world:
        raise RunError(f'the global batch {a.batch_size} does not split over {world} processes')
    log = (lambda *s: print(*s, flush=True)) if rank == 0 else (lambda *s: None)

    x, y, class_names, K = load_split(a.data, 'train', a.image_size)
    try:
        xt, yt, _, _ = load_split(a.data, 'test', a.image_size)
    except RunError:
        xt = yt = None
    gen = np.random.default_rng(a.seed)
    if a.limit and a.limit < len(y):
        keep = np.sort(gen.permutation(len(y))[:a.limit])
        x, y = x[keep], y[keep]
    exported_data = a.data == CONFIG['data']['path']
    # The exported normalisation is the exported data's (or given in the options): other data get
    # their own statistics, as fit() computes them.
    norm = cfg.get('normalize') if exported_data or cfg.get('normalizeGiven') else None
    mean, std = (norm['mean'], norm['std']) if norm else statistics(x)
    C = x.shape[-1]
    mean, std = (mean * C)[:C] if len(mean) == 1 else mean, (std * C)[:C] if len(std) == 1 else std
    class_names = (cfg.get('classNames') if exported_data else None) or class_names or [str(k) for k in range(K)]

    torch.manual_seed(a.seed)
    if a.init:
        model, spec = load_model(a.init)
    else:
        spec = dict(cfg['model'], input=[min(C, 3), x.shape[1], x.shape[2]], classes=K)
        model = build(spec)
    if spec['classes'] != K:
        raise RunError(f"the model has {spec['classes']} classes but {a.data} has {K} (pass --init '' for fresh weights)")
    teacher = None
    if cfg.get('distillation'):
        if not a.teacher:
            raise RunError('distillation needs --teacher FILE')
        teacher = load_model(a.teacher)[0].to(device).eval()
    model = model.to(device)
    if ddp and a.sync_bn:
        if not cuda:
            raise RunError("--sync-bn needs CUDA (torch's SyncBatchNorm runs on GPUs)")
        model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)
    net = torch.nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if cuda else None) if ddp else model
    opt = make_optimizer(model, cfg['optimizer'], cfg)

    train_set = ImageSet(x, y, transforms(cfg.get('augment') or {}, spec['input'], (C, x.shape[1], x.shape[2]), mean, std, True))
    per_rank = a.batch_size // world
    sampler = DistributedSampler(train_set, shuffle=cfg.get('shuffle', True), seed=a.seed, drop_last=False) if ddp \
        else RandomSampler(train_set, generator=torch.Generator().manual_seed(a.seed)) if cfg.get('shuffle', True) \
        else SequentialSampler(train_set)
    loader = DataLoader(train_set, batch_size=per_rank, sampler=sampler, drop_last=cfg.get('dropLast', False),
                        num_workers=a.workers)
    steps = len(y) // a.batch_size if cfg.get('dropLast') else math.ceil(len(y) / a.batch_size)
    sched = resolve_schedule(cfg.get('schedule'), steps, a.epochs)
    per_epoch_tick = bool(sched) and sched.get('interval') == 'epoch'
    trick_rng = np.random.default_rng([a.seed, rank])
    torch.manual_seed(a.seed + rank)  # per-image augmentation draws differ between ranks

    start, step = cfg['start']['epoch'], cfg['start']['step']
    if a.resume:
        ck = torch.load(a.resume, map_location=device)
        model.load_state_dict(ck['model'])
        opt.load_state_dict(ck['optimizer'])
        start, step = ck['epoch'], ck['step']
    where = f'{world} processes ({"nccl" if cuda else "gloo"})' if ddp else f'1 process ({device})'
    log(f'train.py: {len(y)} training images {list(x.shape[1:])}, {K} classes; {spec["model"]}; '
        f'{cfg["optimizer"]["name"]} lr {a.lr}; batch {a.batch_size} on {where}')
    for epoch in range(start, a.epochs):
        if ddp:
            sampler.set_epoch(epoch)
        t0, seen, loss_sum, acc_sum, n_steps = time.time(), 0, 0.0, 0.0, len(loader)
        for b, (xb, yb) in enumerate(loader):
            xb, yb = xb.to(device), yb.to(device)
            draws = sample_batch_trick(cfg, len(yb), xb.shape[2], xb.shape[3], trick_rng)
            tick = epoch if per_epoch_tick else step
            lr = lr_at(sched, a.lr, tick)
            loss, acc = train_step(net, opt, teacher, xb, yb, draws, cfg, lr, lambda base: lr_at(sched, base, tick))
            if ddp:
                t = torch.tensor([loss, acc], dtype=torch.float64)
                dist.all_reduce(t)
                loss, acc = (t / world).tolist()
            step += 1
            seen += len(yb) * world
            loss_sum += loss
            acc_sum += acc
            if b == 0 or (b + 1) * 10 // n_steps > b * 10 // n_steps:
                log(f'epoch {epoch + 1}/{a.epochs} step {b + 1}/{n_steps} | loss {loss:.4f} | acc {100 * acc:.2f}% | lr {lr:.4g}')
        msg = f'epoch {epoch + 1}/{a.epochs}: loss {loss_sum / n_steps:.4f} acc {100 * acc_sum / n_steps:.2f}% | ' \
              f'{seen / (time.time() - t0):.0f} img/s'
        if xt is not None and rank == 0:
            msg += f' | test accuracy {100 * evaluate(model, xt, yt, spec, mean, std, device):.2f}%'
        log(msg)
        if a.checkpoint and rank == 0:
            torch.save({'model': model.state_dict(), 'optimizer': opt.state_dict(), 'epoch': epoch + 1, 'step': step},
                       a.checkpoint + '.tmp')
            os.replace(a.checkpoint + '.tmp', a.checkpoint)
    if rank == 0:
        # SyncBatchNorm keeps BatchNorm's state_dict names, so the file is the same either way.
        write_model(model, spec, a.out, class_names, {'mean': mean, 'std': std})
        log(f'saved {a.out}')
    if ddp:
        dist.destroy_process_group()


@torch.no_grad()
def evaluate(model, x, y, spec, mean, std, device):
    model.eval()
    tf = transforms({}, spec['input'], (x.shape[-1], x.shape[1], x.shape[2]), mean, std, False)
    correct = 0
    for i in range(0, len(y), 256):
        xb = torch.stack([tf(v) for v in torch.tensor(x[i:i + 256]).permute(0, 3, 1, 2).contiguous()]).to(device)
        correct += (model(xb).argmax(1).cpu() == torch.from_numpy(y[i:i + 256])).sum().item()
    return correct / len(y)


if __name__ == '__main__':
    try:
        main()
    except RunError as e:
        print(f'train.py: {e}', file=sys.stderr)
        sys.exit(2)
