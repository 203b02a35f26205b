#!/usr/bin/python3
"""gen_goldens.py - writes tests/data/goldens.h: reference values from PyTorch (independent of
the C engine) for the native tests: conv2d, linear, max-pool and SiLU forward and backward,
cross-entropy value and gradient, and SGD trajectories.

Run with the Debian python3-torch (CI has no PyTorch, so the header is committed):
    /usr/bin/python3 scripts/gen_goldens.py
Deterministic: torch.manual_seed and float32 CPU ops; rerunning gives the same header.

Sections are guarded (WT_GOLDENS_LAYERS, WT_GOLDENS_LOSSES, WT_GOLDENS_OPTIM) so each test file
includes only the arrays it uses. Backward goldens use loss = sum(y * g) for a random g written
next to them, so dL/dy = g is the upstream gradient the C test passes to backward.
"""
import os
import sys

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "goldens.h")


def fmt_float(v):
    v = float(v)
    if v != v:
        return "NAN"
    if v in (float("inf"), float("-inf")):
        return "INFINITY" if v > 0 else "-INFINITY"
    s = "%.9g" % v
    if "e" not in s and "." not in s:
        s += ".0"
    return s + "f"


class Header:
    def __init__(self):
        self.lines = []

    def raw(self, s=""):
        self.lines.append(s)

    def floats(self, name, t):
        vals = t.detach().reshape(-1).tolist()
        self.raw("static const float %s[%d] = {" % (name, len(vals)))
        for i in range(0, len(vals), 6):
            self.raw("    " + ", ".join(fmt_float(v) for v in vals[i:i + 6]) + ",")
        self.raw("};")

    def ints(self, name, t, ctype="int32_t"):
        vals = [int(v) for v in t.reshape(-1).tolist()]
        self.raw("static const %s %s[%d] = {" % (ctype, name, len(vals)))
        for i in range(0, len(vals), 12):
            self.raw("    " + ", ".join(str(v) for v in vals[i:i + 12]) + ",")
        self.raw("};")

    def define(self, name, value):
        self.raw("#define %s %s" % (name, value))


def conv_case(h, tag, N, C, H, W, OC, k, stride, pad):
    kh, kw = k
    x = torch.randn(N, C, H, W, requires_grad=True)
    w = (torch.randn(OC, C, kh, kw) * 0.5).requires_grad_()
    b = torch.randn(OC).requires_grad_()
    y = F.conv2d(x, w, b, stride=stride, padding=pad)
    g = torch.randn_like(y)
    (y * g).sum().backward()
    h.raw("/* conv2d %s: torch.nn.functional.conv2d(x (%d,%d,%d,%d), w (%d,%d,%d,%d), b, stride=%s, "
          "padding=%s) -> y %s; loss = sum(y * g) */" % (tag, N, C, H, W, OC, C, kh, kw, stride, pad,
                                                         tuple(y.shape)))
    P = "GOLD_CONV%s_" % tag
    for name, v in (("N", N), ("C", C), ("H", H), ("W", W), ("OC", OC), ("KH", kh), ("KW", kw),
                    ("SH", stride[0]), ("SW", stride[1]), ("PH", pad[0]), ("PW", pad[1]),
                    ("OH", y.shape[2]), ("OW", y.shape[3])):
        h.define(P + name, v)
    low = "gold_conv%s_" % tag
    h.floats(low + "x", x)
    h.floats(low + "w", w)
    h.floats(low + "b", b)
    h.floats(low + "y", y)
    h.floats(low + "g", g)
    h.floats(low + "dx", x.grad)
    h.floats(low + "dw", w.grad)
    h.floats(low + "db", b.grad)
    h.raw()


def linear_case(h, N, IN, OUT):
    x = torch.randn(N, IN, requires_grad=True)
    w = (torch.randn(OUT, IN) * 0.3).requires_grad_()
    b = torch.randn(OUT).requires_grad_()
    y = F.linear(x, w, b)
    g = torch.randn_like(y)
    (y * g).sum().backward()
    h.raw("/* linear: torch.nn.functional.linear(x (%d,%d), w (%d,%d), b); loss = sum(y * g) */"
          % (N, IN, OUT, IN))
    for name, v in (("N", N), ("IN", IN), ("OUT", OUT)):
        h.define("GOLD_LIN_" + name, v)
    for name, t in (("x", x), ("w", w), ("b", b), ("y", y), ("g", g), ("dx", x.grad),
                    ("dw", w.grad), ("db", b.grad)):
        h.floats("gold_lin_" + name, t)
    h.raw()


def pool_case(h, tag, x0, k, stride, pad, note):
    x = x0.clone().requires_grad_()
    y, idx = F.max_pool2d(x, k, stride=stride, padding=pad, return_indices=True)
    g = torch.randn_like(y)
    (y * g).sum().backward()
    N, C, H, W = x.shape
    h.raw("/* maxpool2d %s: torch.nn.functional.max_pool2d(x (%d,%d,%d,%d), kernel=%s, stride=%s, "
          "padding=%s) -> y %s; %s; loss = sum(y * g) */"
          % (tag, N, C, H, W, k, stride, pad, tuple(y.shape), note))
    P = "GOLD_POOL%s_" % tag
    for name, v in (("N", N), ("C", C), ("H", H), ("W", W), ("KH", k[0]), ("KW", k[1]),
                    ("SH", stride[0]), ("SW", stride[1]), ("PH", pad[0]), ("PW", pad[1]),
                    ("OH", y.shape[2]), ("OW", y.shape[3])):
        h.define(P + name, v)
    low = "gold_pool%s_" % tag
    h.floats(low + "x", x)
    h.floats(low + "y", y)
    h.ints(low + "argmax", idx)
    h.floats(low + "g", g)
    h.floats(low + "dx", x.grad)
    h.raw()


def silu_case(h, N, elems):
    # Its own generator, so the cases after it draw what they drew before SiLU was added.
    gen = torch.Generator().manual_seed(20261206)
    x = torch.randn(N, elems, generator=gen) * 4
    # saturation both ways (exp(-x) overflows below -88), zero and a tiny value
    x[0, :6] = torch.tensor([-100.0, -20.0, 0.0, 1e-4, 20.0, 100.0])
    x.requires_grad_()
    y = F.silu(x)
    g = torch.randn(y.shape, generator=gen)
    (y * g).sum().backward()
    h.raw("/* silu: torch.nn.functional.silu(x (%d,%d)) = x * sigmoid(x); loss = sum(y * g) */"
          % (N, elems))
    h.define("GOLD_SILU_N", N)
    h.define("GOLD_SILU_ELEMS", elems)
    for name, t in (("x", x), ("y", y), ("g", g), ("dx", x.grad)):
        h.floats("gold_silu_" + name, t)
    h.raw()


def layers(h):
    h.raw("#ifdef WT_GOLDENS_LAYERS")
    conv_case(h, "A", 2, 3, 7, 6, 4, (3, 3), (1, 1), (1, 1))
    conv_case(h, "B", 2, 2, 7, 8, 3, (3, 2), (2, 2), (0, 1))
    linear_case(h, 3, 10, 4)
    pool_case(h, "A", torch.randn(2, 3, 6, 6), (2, 2), (2, 2), (0, 0), "distinct values")
    # Small integers make ties common: torch keeps the first maximum in window scan order.
    pool_case(h, "B", torch.randint(-2, 3, (2, 2, 7, 7)).float(), (3, 3), (2, 2), (1, 1),
              "integer values with many ties")
    silu_case(h, 3, 20)
    h.raw("#endif /* WT_GOLDENS_LAYERS */")
    h.raw()


def losses(h):
    h.raw("#ifdef WT_GOLDENS_LOSSES")
    N, K = 5, 6
    logits = torch.randn(N, K) * 3
    # Row 3: logits of magnitude 1e4 (a naive exp overflows); row 4: magnitude 3e4, label far.
    logits[3] = torch.tensor([1e4, -1e4, 5e3, 1e4 - 1.5, 0.0, 9999.0])
    logits[4] = torch.tensor([-3e4, 3e4, 2.9999e4, -1.0, 0.0, 1.0])
    labels = torch.tensor([0, 5, 2, 3, 2])
    lg = logits.clone().requires_grad_()
    loss = F.cross_entropy(lg, labels)
    loss.backward()
    correct = int((logits.argmax(1) == labels).sum())
    h.raw("/* cross-entropy: torch.nn.functional.cross_entropy(logits (%d,%d), labels), mean; "
          "rows 3 and 4 have logits of magnitude 1e4 and 3e4 */" % (N, K))
    h.define("GOLD_CE_N", N)
    h.define("GOLD_CE_K", K)
    h.define("GOLD_CE_CORRECT", correct)
    h.floats("gold_ce_logits", logits)
    h.ints("gold_ce_labels", labels)
    h.raw("static const float gold_ce_loss = %s;" % fmt_float(loss.item()))
    h.floats("gold_ce_dlogits", lg.grad)
    h.floats("gold_ce_softmax", torch.softmax(logits, 1))
    h.raw("#endif /* WT_GOLDENS_LOSSES */")
    h.raw()


def sgd_case(h, tag, n, steps, **kw):
    p = torch.randn(n)
    grads = torch.randn(steps, n)
    param = p.clone().requires_grad_()
    opt = torch.optim.SGD([param], **kw)
    traj = []
    for t in range(steps):
        param.grad = grads[t].clone()
        opt.step()
        traj.append(param.detach().clone())
    h.raw("/* SGD %s: torch.optim.SGD(%s), %d steps with fixed gradients; traj[t] = params after "
          "step t+1 */" % (tag, ", ".join("%s=%s" % kv for kv in kw.items()), steps))
    P = "GOLD_SGD%s_" % tag
    h.define(P + "N", n)
    h.define(P + "STEPS", steps)
    h.raw("static const float gold_sgd%s_lr = %s, gold_sgd%s_momentum = %s, gold_sgd%s_dampening = %s,"
          " gold_sgd%s_weight_decay = %s;" % (tag, fmt_float(kw.get("lr")), tag,
                                              fmt_float(kw.get("momentum", 0)), tag,
                                              fmt_float(kw.get("dampening", 0)), tag,
                                              fmt_float(kw.get("weight_decay", 0))))
    h.define(P + "NESTEROV", 1 if kw.get("nesterov") else 0)
    h.floats("gold_sgd%s_p0" % tag, p)
    h.floats("gold_sgd%s_grads" % tag, grads)
    h.floats("gold_sgd%s_traj" % tag, torch.stack(traj))
    h.raw()


def optim(h):
    h.raw("#ifdef WT_GOLDENS_OPTIM")
    sgd_case(h, "A", 12, 5, lr=0.1, momentum=0.9, dampening=0.0, weight_decay=5e-4)
    sgd_case(h, "B", 12, 5, lr=0.05, momentum=0.9, dampening=0.0, weight_decay=1e-3, nesterov=True)
    sgd_case(h, "C", 12, 5, lr=0.2, momentum=0.8, dampening=0.5, weight_decay=0.0)
    sgd_case(h, "D", 12, 5, lr=0.3, momentum=0.0, dampening=0.0, weight_decay=1e-2)
    h.raw("#endif /* WT_GOLDENS_OPTIM */")


def main():
    torch.manual_seed(20240601)
    torch.set_num_threads(1)
    h = Header()
    h.raw("/* goldens.h - generated by scripts/gen_goldens.py, do not edit.")
    h.raw("   PyTorch %s reference values (float32, CPU). Regenerate with:" % torch.__version__)
    h.raw("     /usr/bin/python3 scripts/gen_goldens.py */")
    h.raw("#ifndef WT_GOLDENS_H")
    h.raw("#define WT_GOLDENS_H")
    h.raw()
    h.raw("#include <math.h>")
    h.raw("#include <stdint.h>")
    h.raw()
    layers(h)
    losses(h)
    optim(h)
    h.raw()
    h.raw("#endif /* WT_GOLDENS_H */")
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write("\n".join(h.lines) + "\n")
    print("wrote", os.path.normpath(OUT), file=sys.stderr)


if __name__ == "__main__":
    main()
