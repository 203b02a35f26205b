#!/usr/bin/python3
"""gen_loss_goldens.py - writes tests/data/loss_goldens.h (native tests) and
tests/data/loss_goldens.json (JS tests through the wasm build): PyTorch reference values and
gradients for the losses of src/losses/, independent of the C engine.

Run with the Debian python3-torch (CI has no PyTorch, so both files are committed):
    /usr/bin/python3 scripts/gen_loss_goldens.py
Deterministic: torch.manual_seed; rerunning gives the same files.

- Cross-entropy: F.cross_entropy(logits, target, weight, reduction, label_smoothing) for hard
  labels and for probability targets (torch's probability-target path smooths the target as
  q * (1 - eps) + eps / C, which is timm's "smooth the mixed target"), C = 2, 10, 1000,
  eps = 0, 0.1, 0.5, reductions mean / sum / none, with and without per-class weights.
  Gradients are those of the reduced loss ('none': of the sum).
- Distillation: F.kl_div(F.log_softmax(s / T, 1), F.softmax(t / T, 1), reduction='batchmean')
  * T * T, T = 1, 4, 20, gradient with respect to s only.
- Adversarial inputs: logits of magnitude 1e4 (a naive exp overflows), ties, teachers so
  confident that their probabilities underflow to exactly 0, student == teacher (KD = 0).

Inputs are float32 values; the references are computed by the same torch functions in float64
on those values (the exact answer rounded once to float32). The script also runs torch in
float32 and prints how far that lands from the float64 reference, so the float64 goldens are
known to be "what PyTorch computes" to that margin.
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_H = os.path.join(HERE, "..", "tests", "data", "loss_goldens.h")
OUT_JSON = os.path.join(HERE, "..", "tests", "data", "loss_goldens.json")
RED = {"mean": 0, "sum": 1, "none": 2}


def fmt_float(v):
    s = "%.9g" % float(v)
    if "e" not in s and "." not in s and "inf" not in s and "nan" not in s:
        s += ".0"
    return s + "f"


def f32list(t):
    """Values of a tensor rounded to float32, as Python floats (exact in JSON via %.9g)."""
    return [float("%.9g" % v) for v in t.detach().to(torch.float32).reshape(-1).tolist()]


# ---------------------------------------------------------------- inputs

def onehot(y, C):
    return F.one_hot(y, C).to(torch.float32)


def make_set(name, N, C, scale, huge_rows=()):
    """logits (N,C) float32, labels (N), soft targets (N,C) and positive weights (C)."""
    logits = (torch.randn(N, C) * scale).to(torch.float32)
    for r in huge_rows:
        logits[r] = torch.randn(C) * 1e4
    labels = torch.randint(0, C, (N,))
    # Soft targets as mixup / CutMix / RICAP make them, plus one general random distribution
    # and exact zeros (0 * log p must be 0).
    lam = torch.rand(N, 1)
    partner = labels.flip(0)
    targets = lam * onehot(labels, C) + (1 - lam) * onehot(partner, C)
    targets[0] = torch.softmax(torch.randn(C) * 2, 0)
    if N > 2:  # RICAP-style: four areas
        areas = torch.rand(4)
        areas = areas / areas.sum()
        targets[1] = 0
        for k in range(4):
            targets[1, int(torch.randint(0, C, ()))] += areas[k]
    targets = targets.to(torch.float32)
    weight = (torch.rand(C) * 1.5 + 0.25).to(torch.float32)
    return {"name": name, "N": N, "C": C, "logits": logits, "labels": labels,
            "targets": targets, "weight": weight}


def huge_set():
    """All logits of magnitude 1e4, ties at the max, the label far below the max."""
    N, C = 4, 10
    logits = torch.round(torch.randn(N, C) * 1e4)
    logits[1] = -1e4
    logits[1, 3] = 1e4
    logits[1, 7] = 1e4            # tie at the top
    labels = torch.tensor([2, 0, 9, 5])
    logits[2, 9] = logits[2].min() - 1e4   # label 2e4+ below the rest
    s = make_set("huge", N, C, 1.0)
    s.update(logits=logits.to(torch.float32), labels=labels)
    return s


# ---------------------------------------------------------------- references

WORST32 = {"ce": 0.0, "kd": 0.0}


def rel_err(a, b):
    """Normwise: max |a - b| / max(max |b|, 1e-2) (the floor: student == teacher has b ~ 0)."""
    scale = float(b.abs().max())
    err = float((a - b).abs().max())
    return err / max(scale, 1e-2)


def ce_ref(s, soft, eps, red, weighted):
    out = {}
    for dt in (torch.float64, torch.float32):
        z = s["logits"].to(dt).clone().requires_grad_()
        tgt = s["targets"].to(dt) if soft else s["labels"]
        w = s["weight"].to(dt) if weighted else None
        L = F.cross_entropy(z, tgt, weight=w, reduction=red, label_smoothing=eps)
        (L.sum() if red == "none" else L).backward()
        out[dt] = (L.detach().reshape(-1), z.grad)
    (l64, g64), (l32, g32) = out[torch.float64], out[torch.float32]
    WORST32["ce"] = max(WORST32["ce"], rel_err(l32.double(), l64), rel_err(g32.double(), g64))
    return l64, g64


def kd_ref(s, t, T):
    out = {}
    for dt in (torch.float64, torch.float32):
        zs = s.to(dt).clone().requires_grad_()
        zt = t.to(dt)
        L = F.kl_div(F.log_softmax(zs / T, 1), F.softmax(zt / T, 1), reduction="batchmean") * T * T
        L.backward()
        out[dt] = (L.detach().reshape(-1), zs.grad)
    (l64, g64), (l32, g32) = out[torch.float64], out[torch.float32]
    WORST32["kd"] = max(WORST32["kd"], rel_err(g32.double(), g64),
                        abs(float(l32) - float(l64)) / max(abs(float(l64)), 1.0))
    return l64, g64


# ---------------------------------------------------------------- cases

def ce_cases(sets):
    cases = []
    for sn in ("c2", "c10"):
        for eps in (0.0, 0.1, 0.5):
            for red in ("mean", "sum", "none"):
                cases.append((sn, False, eps, red, False))
                cases.append((sn, True, eps, red, False))
            cases.append((sn, False, eps, "mean", True))
            cases.append((sn, True, eps, "mean", True))
        cases.append((sn, False, 0.1, "none", True))
        cases.append((sn, False, 0.1, "sum", True))
    for eps in (0.0, 0.1, 0.5):
        cases.append(("c1000", False, eps, "mean", False))
    cases += [("c1000", True, 0.1, "mean", False), ("c1000", False, 0.1, "none", False),
              ("c1000", False, 0.1, "mean", True), ("c1000", True, 0.5, "sum", True)]
    for eps in (0.0, 0.1, 0.5):
        cases.append(("huge", False, eps, "mean", False))
        cases.append(("huge", True, eps, "sum", False))
    cases += [("huge", False, 0.1, "none", True), ("huge", False, 0.5, "mean", True)]
    out = []
    for sn, soft, eps, red, weighted in cases:
        loss, grad = ce_ref(sets[sn], soft, eps, red, weighted)
        name = "%s %s eps=%g %s%s" % (sn, "soft" if soft else "hard", eps, red,
                                      " weighted" if weighted else "")
        out.append({"name": name, "set": sn, "soft": soft, "eps": eps, "reduction": red,
                    "weighted": weighted, "loss": loss, "grad": grad})
    return out


def kd_cases():
    out = []

    def add(name, s, t, T):
        loss, grad = kd_ref(s, t, T)
        out.append({"name": "%s T=%g" % (name, T), "T": T, "student": s, "teacher": t,
                    "loss": loss, "grad": grad})

    for C, N, scale in ((2, 6, 3.0), (10, 5, 3.0), (1000, 2, 4.0)):
        s = (torch.randn(N, C) * scale).to(torch.float32)
        t = (torch.randn(N, C) * scale * 1.5).to(torch.float32)
        for T in (1.0, 4.0, 20.0):
            add("c%d" % C, s, t, T)
    # Magnitude 1e4: at T = 1 most teacher probabilities are exactly 0 (0 log 0 = 0).
    s = torch.round(torch.randn(4, 10) * 1e4).to(torch.float32)
    t = torch.round(torch.randn(4, 10) * 1e4).to(torch.float32)
    t[0] = -1e4
    t[0, 2] = 1e4                 # a one-hot teacher
    for T in (1.0, 4.0, 20.0):
        add("huge", s, t, T)
    # Student == teacher: KD = 0, gradient 0.
    s = (torch.randn(3, 10) * 2).to(torch.float32)
    add("equal", s, s.clone(), 4.0)
    return out


# ---------------------------------------------------------------- writers

class Header:
    def __init__(self):
        self.lines = []

    def raw(self, s=""):
        self.lines.append(s)

    def floats(self, name, vals):
        self.raw("static const float %s[%d] = {" % (name, len(vals)))
        for i in range(0, len(vals), 6):
            self.raw("    " + ", ".join(fmt_float(v) for v in vals[i:i + 6]) + ",")
        self.raw("};")

    def ints(self, name, vals):
        self.raw("static const int32_t %s[%d] = {" % (name, len(vals)))
        for i in range(0, len(vals), 12):
            self.raw("    " + ", ".join(str(int(v)) for v in vals[i:i + 12]) + ",")
        self.raw("};")


def write_header(sets, ce, kd):
    h = Header()
    h.raw("/* loss_goldens.h - generated by scripts/gen_loss_goldens.py, do not edit.")
    h.raw("   PyTorch %s references (float64 on float32 inputs, rounded to float32) for" % torch.__version__)
    h.raw("   F.cross_entropy (labels / probability targets, label_smoothing, weight, reductions)")
    h.raw("   and F.kl_div(log_softmax(s/T), softmax(t/T), 'batchmean') * T^2. Regenerate with:")
    h.raw("     /usr/bin/python3 scripts/gen_loss_goldens.py */")
    h.raw("#ifndef WT_LOSS_GOLDENS_H")
    h.raw("#define WT_LOSS_GOLDENS_H")
    h.raw()
    h.raw("#include <stdint.h>")
    h.raw()
    h.raw("typedef struct gold_loss_set {")
    h.raw("  const char *name;")
    h.raw("  int64_t N, C;")
    h.raw("  const float *logits;   /* (N,C) */")
    h.raw("  const int32_t *labels; /* (N) */")
    h.raw("  const float *targets;  /* (N,C) soft targets */")
    h.raw("  const float *weight;   /* (C) per-class weights */")
    h.raw("} gold_loss_set;")
    h.raw()
    h.raw("typedef struct gold_ce_case {")
    h.raw("  const char *name;")
    h.raw("  int set;        /* index into gold_loss_sets */")
    h.raw("  int soft;       /* 1: targets, 0: labels */")
    h.raw("  double eps;     /* label_smoothing */")
    h.raw("  int reduction;  /* 0 mean, 1 sum, 2 none (= wt_reduction) */")
    h.raw("  int weighted;   /* 1: weight = the set's weight */")
    h.raw("  const float *loss; /* 1 or N values */")
    h.raw("  const float *grad; /* (N,C), of the reduced loss ('none': of the sum) */")
    h.raw("} gold_ce_case;")
    h.raw()
    h.raw("typedef struct gold_kd_case {")
    h.raw("  const char *name;")
    h.raw("  int64_t N, C;")
    h.raw("  double T;")
    h.raw("  const float *student, *teacher; /* (N,C) */")
    h.raw("  float loss;")
    h.raw("  const float *grad; /* (N,C), d KD / d student */")
    h.raw("} gold_kd_case;")
    h.raw()
    names = list(sets)
    for sn in names:
        s = sets[sn]
        h.raw("/* set %s: N=%d C=%d */" % (sn, s["N"], s["C"]))
        h.floats("gold_ls_%s_logits" % sn, f32list(s["logits"]))
        h.ints("gold_ls_%s_labels" % sn, s["labels"].tolist())
        h.floats("gold_ls_%s_targets" % sn, f32list(s["targets"]))
        h.floats("gold_ls_%s_weight" % sn, f32list(s["weight"]))
    h.raw("static const gold_loss_set gold_loss_sets[%d] = {" % len(names))
    for sn in names:
        s = sets[sn]
        h.raw("    {\"%s\", %d, %d, gold_ls_%s_logits, gold_ls_%s_labels, gold_ls_%s_targets, "
              "gold_ls_%s_weight}," % (sn, s["N"], s["C"], sn, sn, sn, sn))
    h.raw("};")
    h.raw()
    for k, c in enumerate(ce):
        h.raw("/* %s */" % c["name"])
        h.floats("gold_ce%d_loss" % k, f32list(c["loss"]))
        h.floats("gold_ce%d_grad" % k, f32list(c["grad"]))
    h.raw("#define GOLD_CE_CASES %d" % len(ce))
    h.raw("static const gold_ce_case gold_ce_cases[GOLD_CE_CASES] = {")
    for k, c in enumerate(ce):
        h.raw("    {\"%s\", %d, %d, %s, %d, %d, gold_ce%d_loss, gold_ce%d_grad}," % (
            c["name"], names.index(c["set"]), int(c["soft"]), repr(float(c["eps"])),
            RED[c["reduction"]], int(c["weighted"]), k, k))
    h.raw("};")
    h.raw()
    for k, c in enumerate(kd):
        h.raw("/* kd %s */" % c["name"])
        h.floats("gold_kd%d_student" % k, f32list(c["student"]))
        h.floats("gold_kd%d_teacher" % k, f32list(c["teacher"]))
        h.floats("gold_kd%d_grad" % k, f32list(c["grad"]))
    h.raw("#define GOLD_KD_CASES %d" % len(kd))
    h.raw("static const gold_kd_case gold_kd_cases[GOLD_KD_CASES] = {")
    for k, c in enumerate(kd):
        N, C = c["student"].shape
        h.raw("    {\"%s\", %d, %d, %s, gold_kd%d_student, gold_kd%d_teacher, %s, gold_kd%d_grad}," % (
            c["name"], N, C, repr(float(c["T"])), k, k, fmt_float(f32list(c["loss"])[0]), k))
    h.raw("};")
    h.raw()
    h.raw("#endif /* WT_LOSS_GOLDENS_H */")
    with open(OUT_H, "w") as f:
        f.write("\n".join(h.lines) + "\n")


def write_json(sets, ce, kd):
    doc = {
        "_comment": "generated by scripts/gen_loss_goldens.py, do not edit (PyTorch %s)" % torch.__version__,
        "sets": {sn: {"N": s["N"], "C": s["C"], "logits": f32list(s["logits"]),
                      "labels": s["labels"].tolist(), "targets": f32list(s["targets"]),
                      "weight": f32list(s["weight"])} for sn, s in sets.items()},
        "ce": [{"name": c["name"], "set": c["set"], "soft": c["soft"], "eps": c["eps"],
                "reduction": c["reduction"], "weighted": c["weighted"],
                "loss": f32list(c["loss"]), "grad": f32list(c["grad"])} for c in ce],
        "kd": [{"name": c["name"], "N": c["student"].shape[0], "C": c["student"].shape[1],
                "T": c["T"], "student": f32list(c["student"]), "teacher": f32list(c["teacher"]),
                "loss": f32list(c["loss"])[0], "grad": f32list(c["grad"])} for c in kd],
    }
    with open(OUT_JSON, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")


def main():
    torch.manual_seed(20240603)
    torch.set_num_threads(1)
    sets = {
        "c2": make_set("c2", 8, 2, 3.0, huge_rows=(5,)),
        "c10": make_set("c10", 6, 10, 2.0, huge_rows=(4,)),
        "c1000": make_set("c1000", 2, 1000, 4.0, huge_rows=(1,)),
        "huge": huge_set(),
    }
    ce = ce_cases(sets)
    kd = kd_cases()
    os.makedirs(os.path.dirname(OUT_H), exist_ok=True)
    write_header(sets, ce, kd)
    write_json(sets, ce, kd)
    print("wrote %s and %s: %d cross-entropy cases, %d distillation cases" % (
        os.path.normpath(OUT_H), os.path.normpath(OUT_JSON), len(ce), len(kd)), file=sys.stderr)
    print("torch float32 vs the float64 goldens, worst normwise relative error: CE %.3g, KD %.3g" % (
        WORST32["ce"], WORST32["kd"]), file=sys.stderr)


if __name__ == "__main__":
    main()
