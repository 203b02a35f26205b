#!/usr/bin/env python3
"""gen_fuzz_corpus.py - writes the seed corpora of the libFuzzer targets (tests/fuzz/corpus/<name>/):
small valid files of every format the engine parses, plus a few malformed ones (truncated,
wrong magic, out-of-range fields). Deterministic: rerunning rewrites the same bytes.
Run with /usr/bin/python3 (Debian's, which has Pillow and NumPy). Not here: running the
fuzzers (scripts/fuzz.sh)."""
import io
import json
import os
import shutil
import struct
import zlib

from PIL import Image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fuzz", "corpus")


def write(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def ramp(n, mul=37):
    return bytes((i * mul + 11) % 256 for i in range(n))


def idx(dims, data=None):
    head = bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims)
    n = 1
    for d in dims:
        n *= d
    return head + (ramp(n) if data is None else data)


def gen_idx():
    write("idx", "labels-1d", idx([5], bytes([0, 1, 2, 9, 3])))
    write("idx", "images-3d", idx([2, 3, 3]))
    write("idx", "images-4d", idx([1, 2, 2, 3]))
    write("idx", "bad-truncated-data", idx([2, 3, 3])[:-4])
    write("idx", "bad-truncated-header", idx([2, 3, 3])[:9])
    write("idx", "bad-gzip-magic", b"\x1f\x8b\x08\x00" + bytes(12))
    write("idx", "bad-type-int32", bytes([0, 0, 0x0C, 1]) + struct.pack(">I", 2) + bytes(8))
    write("idx", "bad-ndim-5", bytes([0, 0, 8, 5]) + struct.pack(">5I", 1, 1, 1, 1, 1) + b"\0")
    write("idx", "bad-zero-dim", bytes([0, 0, 8, 2]) + struct.pack(">2I", 0, 4))
    write("idx", "bad-huge-dims", bytes([0, 0, 8, 3]) + struct.pack(">3I", 0xFFFFFF, 0xFFFFFF, 2))


def cifar_record(label_bytes, seed):
    return bytes(label_bytes) + ramp(3072, 31 + seed)


def gen_cifar():
    write("cifar", "cifar10-2", bytes([3]) + ramp(3072) + bytes([9]) + ramp(3072, 7))
    write("cifar", "cifar100-1", bytes([19, 99]) + ramp(3072))
    write("cifar", "bad-truncated", (bytes([1]) + ramp(3072))[:-1])
    write("cifar", "bad-label-10", bytes([10]) + ramp(3072))
    write("cifar", "bad-coarse-100", bytes([20, 5]) + ramp(3072))


def png_bytes(img, **kw):
    b = io.BytesIO()
    img.save(b, format="PNG", **kw)
    return b.getvalue()


def jpeg_bytes(img, **kw):
    b = io.BytesIO()
    img.save(b, format="JPEG", **kw)
    return b.getvalue()


def gen_image():
    rgb = Image.frombytes("RGB", (5, 3), ramp(45))
    write("image", "rgb-5x3.png", png_bytes(rgb))
    write("image", "grey-4x4.png", png_bytes(Image.frombytes("L", (4, 4), ramp(16))))
    write("image", "rgba-3x3.png", png_bytes(Image.frombytes("RGBA", (3, 3), ramp(36))))
    write("image", "grey-alpha-2x2.png", png_bytes(Image.frombytes("LA", (2, 2), ramp(8))))
    write("image", "palette-4x2.png", png_bytes(rgb.resize((4, 2)).convert("P")))
    write("image", "grey16-3x2.png", png_bytes(Image.frombytes("I;16", (3, 2), ramp(12))))
    write("image", "bilevel-9x3.png", png_bytes(Image.frombytes("L", (9, 3), ramp(27)).convert("1")))
    big = Image.frombytes("RGB", (17, 9), ramp(17 * 9 * 3, 13))
    write("image", "rgb-17x9.jpg", jpeg_bytes(big, quality=80))
    write("image", "grey-8x8.jpg", jpeg_bytes(Image.frombytes("L", (8, 8), ramp(64)), quality=90))
    write("image", "progressive-16x16.jpg",
          jpeg_bytes(big.resize((16, 16)), quality=70, progressive=True))
    write("image", "subsampled-11x7.jpg", jpeg_bytes(big.resize((11, 7)), subsampling=2))
    good = png_bytes(rgb)
    write("image", "bad-truncated.png", good[: len(good) // 2])
    j = jpeg_bytes(big)
    write("image", "bad-truncated.jpg", j[: len(j) // 2])
    # a PNG whose IHDR claims 16384 x 16384 but carries one tiny IDAT
    ihdr = struct.pack(">IIBBBBB", 16384, 16384, 8, 0, 0, 0, 0)
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    write("image", "bad-huge-ihdr.png", b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) +
          chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))
    write("image", "bad-not-an-image", b"GIF89a" + ramp(20))


# The model of WT_FUZZ_SMALL_SPEC in tests/fuzz/fuzz_model.h.
SMALL_SPEC = {"input": [1, 4, 4], "classes": 3, "layers": [
    {"type": "conv2d", "name": "conv1", "out_channels": 2, "kernel": 3, "padding": 1, "bias": False},
    {"type": "batchnorm2d", "name": "bn1"}, {"type": "relu"}, {"type": "flatten"},
    {"type": "linear", "name": "fc", "out_features": 3}]}
SMALL_TENSORS = [("conv1.weight", "F32", [2, 1, 3, 3]), ("bn1.weight", "F32", [2]),
                 ("bn1.bias", "F32", [2]), ("bn1.running_mean", "F32", [2]),
                 ("bn1.running_var", "F32", [2]), ("bn1.num_batches_tracked", "I64", []),
                 ("fc.weight", "F32", [3, 32]), ("fc.bias", "F32", [3])]


def safetensors(tensors, meta, extra_data=b""):
    header, data = {}, b""
    if meta is not None:
        header["__metadata__"] = meta
    for name, dtype, shape in tensors:
        n = 1
        for s in shape:
            n *= s
        if dtype == "I64":
            raw = struct.pack("<%dq" % n, *range(n))
        else:
            raw = struct.pack("<%df" % n, *[(i % 7 - 3) * 0.125 for i in range(n)])
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data + extra_data


def gen_safetensors():
    spec = json.dumps(SMALL_SPEC, separators=(",", ":"))
    meta = {"format": "pt", "spec": spec}
    good = safetensors(SMALL_TENSORS, meta)
    write("safetensors", "small.safetensors", good)
    write("safetensors", "small-no-metadata.safetensors", safetensors(SMALL_TENSORS, None))
    named = {"model": "resnet", "depth": 8, "input": [3, 8, 8], "classes": 4}
    write("safetensors", "bad-resnet8-spec-without-tensors.safetensors",
          safetensors([], {"format": "pt", "spec": json.dumps(named)}))
    write("safetensors", "bad-truncated.safetensors", good[:-10])
    write("safetensors", "bad-header-length.safetensors", struct.pack("<Q", 1 << 40) + good[8:])
    write("safetensors", "bad-missing-tensor.safetensors", safetensors(SMALL_TENSORS[:-1], meta))
    write("safetensors", "bad-dtype.safetensors",
          safetensors([(n, "I64" if d == "F32" else d, s) for n, d, s in SMALL_TENSORS], meta))
    overlap = json.dumps({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                          "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}).encode()
    write("safetensors", "bad-overlap.safetensors", struct.pack("<Q", len(overlap)) + overlap + bytes(12))


def gen_spec():
    write("spec", "small.json", json.dumps(SMALL_SPEC).encode())
    write("spec", "student.json", b'{"model": "student_cnn", "input": [1, 12, 12], "classes": 10}')
    write("spec", "resnet8.json",
          b'{"model": "resnet", "depth": 8, "input": [3, 8, 8], "classes": 10, "zero_init_residual": true}')
    residual = {"input": [2, 6, 6], "classes": 5, "layers": [
        {"type": "conv2d", "name": "stem", "out_channels": 4, "kernel": 3, "padding": 1, "init": "kaiming_out"},
        {"type": "batchnorm2d", "name": "bn", "id": "a", "eps": 1e-3, "momentum": 0.2, "zero_init": True},
        {"type": "relu", "id": "r"},
        {"type": "conv2d", "name": "c2", "out_channels": 4, "kernel": 1, "stride": 1, "bias": False},
        {"type": "add", "inputs": ["r", "c2"]},
        {"type": "maxpool2d", "kernel": 2},
        {"type": "avgpool2d", "kernel": 3, "stride": 1, "padding": 1},
        {"type": "dropout", "p": 0.25},
        {"type": "global_avgpool"}, {"type": "flatten"},
        {"type": "linear", "name": "head", "out_features": 5, "bias": True}]}
    write("spec", "residual.json", json.dumps(residual, indent=1).encode())
    write("spec", "silu.json",
          b'{"input": [1, 4, 4], "classes": 3, "layers": [{"type": "silu"}, {"type": "flatten"},'
          b' {"type": "linear", "name": "fc", "out_features": 3}]}')
    write("spec", "escapes.json",
          b'{"input": [1, 2, 2], "classes": 2, "layers": [{"type": "flatten", "name": "f\\u006c"},'
          b' {"type": "linear", "name": "o\\u005f1", "out_features": 2}], "x": "\\ud83d\\ude00\\n"}')
    write("spec", "bad-trailing-comma.json", b'{"input": [1, 2, 2], "classes": 2, "layers": [],}')
    write("spec", "bad-deep.json", b"[" * 40 + b"]" * 40)
    write("spec", "bad-unknown-key.json",
          b'{"input": [1, 2, 2], "classes": 2, "layers": [{"type": "relu", "size": 3}]}')
    write("spec", "bad-forward-ref.json",
          b'{"input": [1, 2, 2], "classes": 4, "layers": [{"type": "add", "inputs": ["@input", "z"]}]}')
    write("spec", "bad-shape.json",
          b'{"input": [1, 2, 2], "classes": 2, "layers": [{"type": "conv2d", "out_channels": 2, "kernel": 5}]}')
    write("spec", "bad-number.json", b'{"input": [1, 2, 2e99999], "classes": -0.5e}')
    write("spec", "bad-string.json", b'{"input": "\\ud800\\x", "classes": "\x01"}')


if __name__ == "__main__":
    shutil.rmtree(ROOT, ignore_errors=True)
    gen_idx()
    gen_cifar()
    gen_image()
    gen_safetensors()
    gen_spec()
    for t in sorted(os.listdir(ROOT)):
        print("%-12s %d files" % (t, len(os.listdir(os.path.join(ROOT, t)))))
