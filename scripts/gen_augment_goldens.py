#!/usr/bin/python3
"""gen_augment_goldens.py - writes tests/data/augment_goldens.bin: torchvision 0.14 reference
outputs for the augmentation ops of src/augment/, with explicit parameters (op, magnitude, crop
box, hole centres), so no RNG stream has to match. Also the AutoAugment policy tables and the
magnitude bins, straight from torchvision's own objects, for an entry-by-entry comparison.

Run with the Debian packages (python3-torch 1.13, python3-torchvision 0.14):
    /usr/bin/python3 scripts/gen_augment_goldens.py [cifar_dir]
cifar_dir holds a few CIFAR-10 JPEGs extracted from ../shared/data/cifar10-jpeg.tar.gz
(default /tmp/cifar: train/airplane/0000.jpg, train/cat/0003.jpg, train/ship/0007.jpg); the
decoded pixels are stored in the fixture, so the tests never decode JPEG.

Format (little-endian): "WTAG", u32 version 1, u32 n_images, u32 n_records; images as
u32 H, W, C then H*W*C bytes (HWC); records as u8 kind, 3 pad, u32 image, 8 x i64, 8 x f64,
u32 outH, outW, outC, dtype (0 uint8 HWC, 1 float32 CHW, 2 float64 list, 3 the 64-bit FNV-1a
hash of the uint8 HWC output, 4 the hash of the float32 CHW output), then the data. Outputs that must match exactly and exceed 600
bytes are stored as hashes to keep the fixture small; approximate ones are stored in full.
Ops run on the uint8 tensor path (CHW torch tensors), which is deterministic.
"""
import math
import os
import struct
import sys

import numpy as np
import torch
import torchvision
import torchvision.transforms.functional as F
from torchvision.io import read_image
from torchvision.transforms import InterpolationMode as IM
from torchvision.transforms import autoaugment as AA

assert torchvision.__version__.startswith("0.14"), torchvision.__version__
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "augment_goldens.bin")
CIFAR = sys.argv[1] if len(sys.argv) > 1 else "/tmp/cifar"

# Op order of wt_aug_op (torchvision RandAugment's order, Invert last).
OPS = ["Identity", "ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate", "Brightness", "Color",
       "Contrast", "Sharpness", "Posterize", "Solarize", "AutoContrast", "Equalize", "Invert"]
K_OP, K_RESIZE, K_CROP, K_CENTER, K_HFLIP, K_VFLIP, K_RCROP, K_TENSOR, K_CUTOUT, K_ERASE = range(10)
K_POLICY, K_BINS = 20, 21

rng = np.random.RandomState(1234)
images = []   # HWC uint8 numpy arrays
records = []


def add_image(a):
    images.append(np.ascontiguousarray(a, dtype=np.uint8))
    return len(images) - 1


def chw(i):
    return torch.from_numpy(images[i]).permute(2, 0, 1).contiguous()


def hwc(t):
    return t.permute(1, 2, 0).contiguous().numpy()


def fnv1a(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return h


def rec(kind, img, ints=(), dbls=(), out=None, exact=True):
    ints = list(ints) + [0] * (8 - len(ints))
    dbls = list(dbls) + [0.0] * (8 - len(dbls))
    if isinstance(out, torch.Tensor) and out.dtype == torch.uint8:
        o = hwc(out)
        data = o.tobytes()
        head = (o.shape[0], o.shape[1], o.shape[2], 0)
        if exact and len(data) > 600:
            head = (o.shape[0], o.shape[1], o.shape[2], 3)
            data = struct.pack("<Q", fnv1a(data))
    elif isinstance(out, torch.Tensor):
        o = out.to(torch.float32).contiguous().numpy()
        head = (o.shape[1], o.shape[2], o.shape[0], 1)
        data = o.tobytes()
        if exact and len(data) > 600:
            head = (o.shape[1], o.shape[2], o.shape[0], 4)
            data = struct.pack("<Q", fnv1a(data))
    else:
        o = np.asarray(out, dtype=np.float64)
        head = (1, len(o), 1, 2)
        data = o.tobytes()
    records.append(struct.pack("<B3xI8q8d4I", kind, img, *ints, *dbls, *head) + data)


# ---- inputs: real CIFAR-10 JPEGs, then generated ones (odd sizes, gray, RGBA)
cifar = []
for name in ("train/airplane/0000.jpg", "train/cat/0003.jpg", "train/ship/0007.jpg"):
    cifar.append(add_image(hwc(read_image(os.path.join(CIFAR, name)))))
odd = add_image(rng.randint(0, 256, (17, 31, 3)))                       # 17 rows x 31 columns
yy, xx = np.mgrid[0:20, 0:24]
grad = add_image(np.stack([xx * 10, yy * 12, (xx + yy) * 5], -1) % 256)  # smooth 20x24
one = add_image(rng.randint(0, 256, (1, 1, 3)))
two = add_image(rng.randint(0, 256, (2, 2, 3)))
gray = add_image(rng.randint(40, 200, (9, 7, 1)))
rgba = add_image(rng.randint(0, 256, (11, 13, 4)))
small = [odd, grad, one, two, gray]

# ---- single ops with explicit magnitudes (exactly what _apply_op receives)
MAGS = {
    "Identity": [0.0],
    "ShearX": [0.3, -0.1667, -0.99], "ShearY": [-0.2, 0.0667, 0.99],
    "TranslateX": [14.5, -9.67, -32.0], "TranslateY": [-6.4, 1.6, 32.0],
    "Rotate": [30.0, -13.333, -135.0, 90.0],
    "Brightness": [0.9, -0.9, 0.3, -0.27], "Color": [0.9, -0.9, 0.5, -0.2],
    "Contrast": [0.9, -0.9, 0.7, -0.4], "Sharpness": [0.9, -0.9, 0.1, -0.5],
    "Posterize": [8, 6, 4, 1, 0], "Solarize": [255.0, 226.66667, 128.0, 28.333334, 0.0],
    "AutoContrast": [0.0], "Equalize": [0.0], "Invert": [0.0],
}
GEOM = {"ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate"}
for op in OPS:
    for mag in MAGS[op]:
        targets = [cifar[0], odd, one, two, gray] if op in GEOM else [cifar[0], cifar[1], odd, one, two, gray]
        for im in targets:
            interps = [IM.NEAREST, IM.BILINEAR] if op in GEOM else [IM.NEAREST]
            for interp in interps:
                fills = [None, [10.0, 200.0, 77.0]] if op in GEOM and im in (odd, two) else [None]
                for fill in fills:
                    c = images[im].shape[2]
                    fl = None if fill is None else fill[:c]
                    out = AA._apply_op(chw(im), op, float(mag), interpolation=interp, fill=fl)
                    f4 = (fl or []) + [0.0] * (4 - len(fl or []))
                    rec(K_OP, im, [OPS.index(op), 1 if interp == IM.BILINEAR else 0, fill is not None],
                        [float(mag)] + f4, out, exact=op not in GEOM)
# geometric ops also on RGBA (torchvision treats the 4th channel as one more channel)
for op, mag in (("Rotate", 30.0), ("ShearX", -0.3), ("TranslateY", 5.0)):
    for interp in (IM.NEAREST, IM.BILINEAR):
        out = AA._apply_op(chw(rgba), op, mag, interpolation=interp, fill=None)
        rec(K_OP, rgba, [OPS.index(op), 1 if interp == IM.BILINEAR else 0, 0], [mag, 0, 0, 0, 0], out, exact=False)

# ---- geometry: resize (tensor path, antialias=False is the 0.14 default), crops, flips
for im in [cifar[0], odd, grad, one, two, gray, rgba]:
    h, w = images[im].shape[:2]
    for (oh, ow) in ((h * 2 + 1, w * 2 + 1), (max(1, h // 2), max(1, w // 3 + 1)), (7, 5), (h, w), (96, 80), (2 * h, 2 * w)):
        for interp in (IM.NEAREST, IM.BILINEAR):
            if (oh, ow) == (96, 80) and im != cifar[0]:
                continue
            out = F.resize(chw(im), [oh, ow], interpolation=interp)
            rec(K_RESIZE, im, [oh, ow, 1 if interp == IM.BILINEAR else 0], [], out,
                exact=interp == IM.NEAREST)
    for (t, l, ch, cw) in ((0, 0, 1, 1), (1, 2, min(h, 5), min(w, 3)), (-4, -4, h, w), (4, 3, h, w), (-2, 1, h + 4, w + 1)):
        rec(K_CROP, im, [t, l, ch, cw], [], F.crop(chw(im), t, l, ch, cw))
    for (ch, cw) in ((1, 1), (max(1, h - 3), max(1, w - 2)), (h + 3, w + 2), (h, w + 5)):
        rec(K_CENTER, im, [ch, cw], [], F.center_crop(chw(im), [ch, cw]))
    rec(K_HFLIP, im, [], [], F.hflip(chw(im)))
    rec(K_VFLIP, im, [], [], F.vflip(chw(im)))
    if h >= 3 and w >= 3:
        for (t, l, ch, cw, oh, ow) in ((1, 1, h - 2, w - 1, 24, 24), (0, 2, h // 2, w - 2, 9, 13)):
            for interp in (IM.NEAREST, IM.BILINEAR):
                out = F.resized_crop(chw(im), t, l, ch, cw, [oh, ow], interpolation=interp)
                rec(K_RCROP, im, [t, l, ch, cw, oh, ow, 1 if interp == IM.BILINEAR else 0], [], out,
                    exact=interp == IM.NEAREST)

# ---- tensor side: ToTensor + Normalize (CIFAR statistics), Cutout, erasing
MEAN = [125.3 / 255, 123.0 / 255, 113.9 / 255]
STD = [63.0 / 255, 62.1 / 255, 66.7 / 255]


def to_tensor(im):
    return F.normalize(F.convert_image_dtype(chw(im), torch.float32), MEAN[:images[im].shape[2]],
                       STD[:images[im].shape[2]])


def cutout(x, centres, length):
    """uoguelph-mlrg/Cutout util/cutout.py with the random centres made explicit."""
    h, w = x.size(1), x.size(2)
    mask = np.ones((h, w), np.float32)
    for (y, xx) in centres:
        y1, y2 = np.clip(y - length // 2, 0, h), np.clip(y + length // 2, 0, h)
        x1, x2 = np.clip(xx - length // 2, 0, w), np.clip(xx + length // 2, 0, w)
        mask[y1:y2, x1:x2] = 0.0
    return x * torch.from_numpy(mask).expand_as(x)


for im in (cifar[0], odd, one):
    x = to_tensor(im)
    rec(K_TENSOR, im, [], MEAN + STD, x)
    h, w = x.shape[1:]
    for centres, length in (([(0, 0)], 16), ([(h - 1, w // 2), (h // 2, 3)], 8), ([(h // 2, w // 2)], 7), ([(h // 3, w - 1)], 40)):
        flat = [v for c in centres for v in c]
        rec(K_CUTOUT, im, [len(centres), length] + flat, MEAN + STD, cutout(x, centres, length))
    for (t, l, eh, ew) in ((0, 0, 1, 1), (min(2, h - 1), min(1, w - 1), max(0, h - 3), max(1, w // 2)), (0, 0, 0, 0)):
        for value in ([0.0], [0.5, -1.0, 2.0]):
            v = torch.tensor(value)[:, None, None]
            rec(K_ERASE, im, [t, l, eh, ew], value + [0.0] * (3 - len(value)), F.erase(x, t, l, eh, ew, v))

# ---- policy tables and magnitude bins from torchvision's own objects
for pi, pol in enumerate((AA.AutoAugmentPolicy.IMAGENET, AA.AutoAugmentPolicy.CIFAR10, AA.AutoAugmentPolicy.SVHN)):
    flat = []
    for sub in AA.AutoAugment(pol).policies:
        for (name, p, m) in sub:  # noqa: B007
            flat += [OPS.index(name), p, -1 if m is None else m]
    rec(K_POLICY, 0, [pi], [], flat)
for (cls, bins, wide) in ((AA.AutoAugment(), 10, 0), (AA.RandAugment(), 31, 0), (AA.TrivialAugmentWide(), 31, 1)):
    for (h, w) in ((32, 32), (224, 224), (17, 31)):
        space = cls._augmentation_space(bins) if wide else cls._augmentation_space(bins, (h, w))
        for name, (mags, signed) in space.items():
            vals = [float(v) for v in mags.reshape(-1).tolist()] if mags.ndim > 0 else []
            rec(K_BINS, 0, [OPS.index(name), bins, h, w, wide, int(signed)], [], vals)

# ---- sampler statistics from torchvision's get_params (20000 draws each): mean area fraction,
# mean and mean square of log(w / h), and the fraction of log-aspects in each quarter of the range
K_STATS = 22
T = __import__("torchvision.transforms", fromlist=["transforms"])
torch.manual_seed(0)
for (kind, h, w) in ((0, 256, 256), (0, 256, 160), (1, 224, 224), (1, 40, 64)):
    img = torch.zeros(3, h, w, dtype=torch.uint8)
    st = []
    for _ in range(20000):
        if kind == 0:
            i, j, bh, bw = T.RandomResizedCrop.get_params(img, [0.08, 1.0], [3.0 / 4.0, 4.0 / 3.0])
            lo, hi = math.log(3 / 4), math.log(4 / 3)
        else:
            i, j, bh, bw, _v = T.RandomErasing.get_params(img, (0.02, 0.33), (0.3, 3.3), [0.0])
            lo, hi = math.log(1 / 3.3), math.log(1 / 0.3)
        la = math.log(bw / bh) if bh and bw else 0.0
        st.append((bh * bw / (h * w), la, min(3, max(0, int((la - lo) / (hi - lo) * 4)))))
    a = np.array(st)
    rec(K_STATS, 0, [kind, h, w], [a[:, 0].mean(), a[:, 1].mean(), (a[:, 1] ** 2).mean()] +
        [float((a[:, 2] == q).mean()) for q in range(4)], [0.0])

sizes = {}
for r in records:
    sizes[r[0]] = sizes.get(r[0], 0) + len(r)
print("bytes by kind:", sizes)
with open(OUT, "wb") as f:
    f.write(b"WTAG" + struct.pack("<III", 1, len(images), len(records)))
    for a in images:
        f.write(struct.pack("<III", *a.shape) + a.tobytes())
    for r in records:
        f.write(r)
print("wrote %s: %d images, %d records, %d bytes" % (OUT, len(images), len(records), os.path.getsize(OUT)))
