"""export_weights.py - a torchvision ResNet (its weights, or a state_dict .pth of your own) as the
safetensors file wasmtricks loads (`wt.models.load(bytes)`, `wasmtricks train --init FILE`), with
the model's spec in __metadata__. No network: give the weights you have.

    python3 examples/pytorch/export_weights.py --arch resnet18 --weights resnet18.pth \
        --input 3,224,224 --out resnet18.safetensors

--arch: resnet18, resnet34, resnet50 (torchvision.models.<arch>). --weights: a .pth holding a
state_dict (also {'state_dict': ...} / {'model': ...} and DDP's 'module.' names) or a pickled
module; without it, torchvision's random init (--seed). The number of classes is the weights'
fc. A network with torchvision's stem (7x7 stride-2 conv, 3x3 max-pool) becomes a layer-list
spec with torchvision's state_dict names; one with a 3x3 stride-1 stem and no max-pool (the
CIFAR variant: `m.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False); m.maxpool = nn.Identity()`)
becomes, for resnet18, the engine's named "resnet18". --input is the image size the engine
plans for (C,H,W); the weights do not depend on it. --class-names FILE (one per line) adds
__metadata__.classNames; --normalization imagenet (torchvision's ImageNet weights expect it) or
MEAN/STD ("0.5,0.5,0.5/0.25,0.25,0.25", on pixels / 255) adds __metadata__.normalization,
which the CLI's --init and WorkerTrainer use for the images. Before writing, the script rebuilds
the spec in PyTorch (wt_models.build), loads the weights strictly and checks that its logits
equal torchvision's.
"""
import argparse
import json
import os
import sys

import torch
import torch.nn as nn
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wt_models import build, to_safetensors_bytes  # noqa: E402

ARCHS = ('resnet18', 'resnet34', 'resnet50')
IMAGENET = '0.485,0.456,0.406/0.229,0.224,0.225'  # torchvision's ImageNet weights' transforms


def read_state_dict(path):
    """A state_dict from a .pth: a dict of tensors, a wrapper dict, or a pickled module."""
    try:
        obj = torch.load(path, map_location='cpu')
    except Exception as e:  # noqa: BLE001 - any unreadable file is the user's to fix
        raise SystemExit(f'{path}: cannot read it with torch.load ({type(e).__name__}: {e})'.split('\n')[0])
    if isinstance(obj, nn.Module):
        obj = obj.state_dict()
    for key in ('state_dict', 'model'):
        if isinstance(obj, dict) and isinstance(obj.get(key), dict):
            obj = obj[key]
    if not isinstance(obj, dict) or not all(torch.is_tensor(v) for v in obj.values()):
        raise SystemExit(f'{path}: not a state_dict (a dict of tensors) or a module')
    return {k[len('module.'):] if k.startswith('module.') else k: v for k, v in obj.items()}


def small_stem(model):
    """The CIFAR variant: a 3x3 stride-1 stem conv and no max-pool."""
    C = model.conv1.in_channels
    model.conv1 = nn.Conv2d(C, model.conv1.out_channels, 3, 1, 1, bias=False)
    model.maxpool = nn.Identity()


def conv_spec(name, conv, **extra):
    return {'type': 'conv2d', 'name': name, 'out_channels': conv.out_channels, 'kernel': conv.kernel_size[0],
            'stride': conv.stride[0], 'padding': conv.padding[0], 'bias': conv.bias is not None, **extra}


def resnet_spec(model, input_shape, stem_small):
    """The layer list of a torchvision ResNet (BasicBlock or Bottleneck), state_dict names kept."""
    L = [conv_spec('conv1', model.conv1), {'type': 'batchnorm2d', 'name': 'bn1'}, {'type': 'relu'}]
    if not stem_small:
        mp = model.maxpool
        L.append({'type': 'maxpool2d', 'kernel': mp.kernel_size, 'stride': mp.stride, 'padding': mp.padding})
    L[-1]['id'] = 'stem'
    cur = 'stem'  # the output the next block reads
    for s in range(1, 5):
        for b, block in enumerate(getattr(model, f'layer{s}')):
            p = f'layer{s}.{b}'
            convs = [c for c in ('conv1', 'conv2', 'conv3') if hasattr(block, c)]
            for i, c in enumerate(convs):
                L.append(conv_spec(f'{p}.{c}', getattr(block, c), **({'input': cur} if i == 0 else {})))
                L.append({'type': 'batchnorm2d', 'name': f'{p}.bn{i + 1}'})
                if i < len(convs) - 1:
                    L.append({'type': 'relu'})
            last, shortcut = f'{p}.bn{len(convs)}', cur
            if block.downsample is not None:
                L.append(conv_spec(f'{p}.downsample.0', block.downsample[0], input=shortcut))
                L.append({'type': 'batchnorm2d', 'name': f'{p}.downsample.1'})
                shortcut = f'{p}.downsample.1'
            L.append({'type': 'add', 'inputs': [last, shortcut]})
            L.append({'type': 'relu', 'id': f'{p}.out'})
            cur = f'{p}.out'
    L.append({'type': 'global_avgpool'})
    L.append({'type': 'linear', 'name': 'fc', 'out_features': model.fc.out_features})
    return {'input': list(input_shape), 'classes': model.fc.out_features, 'layers': L}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--arch', required=True, choices=ARCHS)
    ap.add_argument('--weights', help='a .pth state_dict or pickled module (default: random init)')
    ap.add_argument('--input', default=None, help='C,H,W the engine plans for [default: 3,224,224; 3,32,32 for a 3x3 stem]')
    ap.add_argument('--num-classes', type=int, default=1000, help='without --weights [default: 1000]')
    ap.add_argument('--small-stem', action='store_true', help='without --weights: the 3x3 stem, no max-pool')
    ap.add_argument('--class-names', help='a text file, one class name per line')
    ap.add_argument('--normalization', help="imagenet, or MEAN/STD: per-channel lists, e.g. 0.5,0.5,0.5/0.25,0.25,0.25")
    ap.add_argument('--seed', type=int, default=0, help='without --weights: torch.manual_seed')
    ap.add_argument('--out', required=True)
    a = ap.parse_args(argv)

    sd = read_state_dict(a.weights) if a.weights else None
    if sd is not None:
        if 'fc.weight' not in sd or 'conv1.weight' not in sd:
            raise SystemExit(f'{a.weights}: no conv1.weight / fc.weight: not a torchvision ResNet state_dict')
        K = sd['fc.weight'].shape[0]
        stem_small = sd['conv1.weight'].shape[-1] == 3
    else:
        torch.manual_seed(a.seed)
        K, stem_small = a.num_classes, a.small_stem
    model = getattr(torchvision.models, a.arch)(num_classes=K)
    if stem_small:
        small_stem(model)
    if sd is not None:
        model.load_state_dict(sd, strict=True)
    model.eval()
    C = model.conv1.in_channels
    if sd is not None and sd['conv1.weight'].shape[1] != C:
        raise SystemExit(f"{a.weights}: conv1 takes {sd['conv1.weight'].shape[1]} channels, {a.arch} 3")
    shape = [int(v) for v in a.input.split(',')] if a.input else [C, 32, 32] if stem_small else [C, 224, 224]
    if len(shape) != 3 or shape[0] != C:
        raise SystemExit(f'--input must be C,H,W with C = {C}, got {a.input}')

    if a.arch == 'resnet18' and stem_small:
        spec = {'model': 'resnet18', 'input': shape, 'classes': K, 'zero_init_residual': False}
    else:
        spec = resnet_spec(model, shape, stem_small)

    # The spec must be the same network: rebuild it in PyTorch and compare logits.
    twin = build(spec)
    twin.load_state_dict(model.state_dict(), strict=True)
    twin.eval()
    x = torch.randn(2, *shape, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        want, got = model(x), twin(x)
    if not torch.allclose(got, want, rtol=1e-5, atol=1e-5):
        raise SystemExit(f'internal error: the spec differs from torchvision ({(got - want).abs().max():.3g})')

    meta = {}
    if a.normalization:
        text = IMAGENET if a.normalization == 'imagenet' else a.normalization
        try:
            mean, std = ([float(v) for v in part.split(',')] for part in text.split('/'))
        except ValueError:
            mean = std = []
        if len(mean) != C or len(std) != C or min(std) <= 0:
            raise SystemExit(f"--normalization must be 'imagenet' or MEAN/STD with {C} values each (std > 0), got {a.normalization}")
        meta['normalization'] = json.dumps({'mean': mean, 'std': std})
    if a.class_names:
        with open(a.class_names, encoding='utf-8') as f:
            names = [line.strip() for line in f if line.strip()]
        if len(names) != K:
            raise SystemExit(f'{a.class_names}: {len(names)} class names for {K} classes')
        meta['classNames'] = json.dumps(names)
    with open(a.out, 'wb') as f:
        f.write(to_safetensors_bytes(twin.state_dict(), spec, meta))
    stem = '3x3 stem, no max-pool' if stem_small else "torchvision's stem"
    print(f'wrote {a.out}: {a.arch}, {K} classes, input {"x".join(map(str, shape))}, {stem}')


if __name__ == '__main__':
    main()
