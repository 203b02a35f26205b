"""PyTorch definitions of the wasmtricks models (the named ones and layer-list specs), with the
same state_dict names, layouts and order, plus a hand-written safetensors reader/writer (torch + numpy + json only: Debian's
python3-torch 1.13 has no safetensors package).

    from wt_models import build, save_safetensors, load_safetensors
    model = build({"model": "resnet", "depth": 20, "input": [3, 32, 32], "classes": 10})
    save_safetensors(model, "resnet20.safetensors")      # -> wt.models.load(bytes) in JS
    model2, spec = load_safetensors("from_browser.safetensors")

ResNet-18 here equals torchvision.models.resnet18(num_classes=K) with a 3x3 stride-1 stem and no
max-pool, so `torchvision_model.load_state_dict(model.state_dict())` works both ways.
"""
import json
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class StudentCNN(nn.Module):
    """The seed's student: conv3x3(C->32) ReLU conv3x3(32->64) ReLU maxpool2 fc1(->128) ReLU fc2."""

    def __init__(self, C, H, W, K):
        super().__init__()
        self.conv1 = nn.Conv2d(C, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(64 * (H // 2) * (W // 2), 128)
        self.fc2 = nn.Linear(128, K)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(torch.flatten(x, 1)))
        return self.fc2(x)


class BasicBlock(nn.Module):
    """torchvision's BasicBlock; option-B shortcut (1x1 conv + BN) when the shape changes."""

    def __init__(self, inplanes, planes, stride, zero_init):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False),
                                            nn.BatchNorm2d(planes))
        if zero_init:
            nn.init.zeros_(self.bn2.weight)

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(out + identity)


class ResNet(nn.Module):
    """CIFAR ResNet-(6n+2) (width 16, 3 stages) or ResNet-18 for small inputs (width 64, 4 stages
    of 2 blocks): 3x3 stem, no max-pool, global average pool, fc. torchvision names and init."""

    def __init__(self, C, K, width, blocks, zero_init_residual=False):
        super().__init__()
        self.conv1 = nn.Conv2d(C, width, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        inplanes = width
        for s, n in enumerate(blocks):
            planes = width << s
            layers = []
            for b in range(n):
                layers.append(BasicBlock(inplanes, planes, 2 if s > 0 and b == 0 else 1, zero_init_residual))
                inplanes = planes
            setattr(self, f'layer{s + 1}', nn.Sequential(*layers))
        self.n_stages = len(blocks)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(inplanes, K)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        for s in range(self.n_stages):
            x = getattr(self, f'layer{s + 1}')(x)
        return self.fc(torch.flatten(self.avgpool(x), 1))


class SpecNet(nn.Module):
    """A wasmtricks layer-list spec ({"input", "classes", "layers": [...]}): each layer's
    parameters under its name (default: its index, as nn.Sequential); `input` reads another
    layer's output by id ("@input": the model's input; default: the previous layer's); linear
    flattens its input, as the engine does."""

    def __init__(self, spec):
        super().__init__()
        shape = list(spec['input'])
        shapes = {'@input': shape}
        self.plan = []
        prev = '@input'
        for i, L in enumerate(spec['layers']):
            name = L.get('name', str(i))
            lid = L.get('id', name)
            src = L.get('input', prev)
            C, H, W = shapes[src]
            t = L['type']
            mod, out = None, [C, H, W]
            if t == 'conv2d':
                k, st, pad = L['kernel'], L.get('stride', 1), L.get('padding', 0)
                mod = nn.Conv2d(C, L['out_channels'], k, st, pad, bias=L.get('bias', True))
                if L.get('init') == 'kaiming_out':
                    nn.init.kaiming_normal_(mod.weight, mode='fan_out', nonlinearity='relu')
                out = [L['out_channels'], (H + 2 * pad - k) // st + 1, (W + 2 * pad - k) // st + 1]
            elif t == 'linear':
                mod = nn.Linear(C * H * W, L['out_features'], bias=L.get('bias', True))
                out = [L['out_features'], 1, 1]
            elif t == 'batchnorm2d':
                mod = nn.BatchNorm2d(C, eps=L.get('eps', 1e-5), momentum=L.get('momentum', 0.1))
                if L.get('zero_init'):
                    nn.init.zeros_(mod.weight)
            elif t in ('maxpool2d', 'avgpool2d'):
                k, st, pad = L['kernel'], L.get('stride', L['kernel']), L.get('padding', 0)
                mod = (nn.MaxPool2d if t == 'maxpool2d' else nn.AvgPool2d)(k, st, pad)
                out = [C, (H + 2 * pad - k) // st + 1, (W + 2 * pad - k) // st + 1]
            elif t == 'global_avgpool':
                mod, out = nn.AdaptiveAvgPool2d((1, 1)), [C, 1, 1]
            elif t in ('relu', 'silu'):
                mod = nn.ReLU() if t == 'relu' else nn.SiLU()
            elif t == 'dropout':
                mod = nn.Dropout(L.get('p', 0.5))
            elif t == 'flatten':
                mod, out = nn.Flatten(), [C * H * W, 1, 1]
            elif t != 'add':
                raise ValueError(f'layer {i}: unknown type {t!r}')
            if mod is not None and any(True for _ in mod.parameters()):
                self._put(name, mod)
            elif mod is not None:
                setattr(self, f'_op{i}', mod)
                name = f'_op{i}'
            srcs = L['inputs'] if t == 'add' else [src]
            self.plan.append((t, name, lid, srcs))
            shapes[lid] = out
            prev = lid

    def _put(self, dotted, mod):
        """Registers mod under a dotted name ('layer1.0.conv1') through plain containers."""
        *path, last = dotted.split('.')
        at = self
        for p in path:
            if not hasattr(at, p):
                at.add_module(p, nn.Module())
            at = getattr(at, p)
        at.add_module(last, mod)

    def _get(self, dotted):
        at = self
        for p in dotted.split('.'):
            at = getattr(at, p)
        return at

    def forward(self, x):
        outs = {'@input': x}
        for t, name, lid, srcs in self.plan:
            if t == 'add':
                y = outs[srcs[0]] + outs[srcs[1]]
            else:
                h = outs[srcs[0]]
                if t == 'linear' and h.dim() > 2:
                    h = torch.flatten(h, 1)
                y = self._get(name)(h)
            outs[lid] = y
            x = y
        return x


def build(spec):
    """The PyTorch module of a wasmtricks spec (a dict or its JSON string): a named model or a
    layer list."""
    if isinstance(spec, str):
        spec = json.loads(spec)
    C, H, W = spec['input']
    K = spec['classes']
    zero = bool(spec.get('zero_init_residual', False))
    kind = spec.get('model')
    if kind == 'student_cnn':
        return StudentCNN(C, H, W, K)
    if kind == 'resnet':
        n = (spec['depth'] - 2) // 6
        return ResNet(C, K, 16, [n, n, n], zero)
    if kind == 'resnet18':
        return ResNet(C, K, 64, [2, 2, 2, 2], zero)
    if 'layers' in spec:
        return SpecNet(spec)
    raise ValueError(f'unknown model {kind!r}')


def spec_json(spec):
    """The spec as wasmtricks writes it (compact JSON, keys in this order)."""
    return json.dumps(spec, separators=(',', ':'))


_DTYPES = {torch.float32: 'F32', torch.int64: 'I64'}
_NP = {'F32': np.dtype('<f4'), 'I64': np.dtype('<i8')}


def to_safetensors_bytes(state_dict, spec=None, metadata=None):
    """safetensors bytes of a state_dict (float32 / int64 tensors), in its order, with
    __metadata__ {"format": "pt", "spec": ...} as wasmtricks writes it, plus the string entries
    of metadata (the exported train.py adds classNames and normalization)."""
    meta = {'format': 'pt'}
    if spec is not None:
        meta['spec'] = spec if isinstance(spec, str) else spec_json(spec)
    meta.update(metadata or {})
    header = {'__metadata__': meta}
    blobs, off = [], 0
    for name, t in state_dict.items():
        t = t.detach().cpu().contiguous()
        dtype = _DTYPES[t.dtype]
        b = t.numpy().astype(_NP[dtype]).tobytes()
        header[name] = {'dtype': dtype, 'shape': list(t.shape), 'data_offsets': [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    return struct.pack('<Q', len(h)) + h + b''.join(blobs)


def from_safetensors_bytes(data):
    """(state_dict of torch tensors in file order, metadata dict)."""
    if len(data) < 8:
        raise ValueError('truncated safetensors file')
    (n,) = struct.unpack('<Q', data[:8])
    if n > len(data) - 8:
        raise ValueError('header length beyond the file')
    header = json.loads(data[8:8 + n])
    meta = header.pop('__metadata__', {})
    body = data[8 + n:]
    sd = {}
    for name, e in header.items():
        a, b = e['data_offsets']
        if not (0 <= a <= b <= len(body)):
            raise ValueError(f'{name}: offsets outside the data')
        arr = np.frombuffer(body[a:b], dtype=_NP[e['dtype']]).reshape(e['shape'])
        sd[name] = torch.from_numpy(arr.copy())
    return sd, meta


def save_safetensors(model, path, spec=None):
    with open(path, 'wb') as f:
        f.write(to_safetensors_bytes(model.state_dict(), spec))


def load_safetensors(path):
    """(model built from the file's spec with its weights loaded, spec dict)."""
    with open(path, 'rb') as f:
        sd, meta = from_safetensors_bytes(f.read())
    spec = json.loads(meta['spec'])
    model = build(spec)
    model.load_state_dict(sd, strict=True)
    return model, spec
