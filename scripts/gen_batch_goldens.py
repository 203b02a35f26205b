#!/usr/bin/python3
"""gen_batch_goldens.py - writes tests/data/batch_goldens.h (native tests) and
tests/data/batch_goldens.json (JS tests through the wasm build): mixup, CutMix and RICAP computed
by the official formulas in PyTorch for explicit random draws, independent of the C engine.

Run with the Debian python3-torch (CI has no PyTorch, so both files are committed):
    /usr/bin/python3 scripts/gen_batch_goldens.py
Deterministic (fixed seeds): rerunning gives the same files.

Each official function below is the reference code with its random draws turned into
arguments (the draws themselves come from seeded numpy / torch generators here):
- mixup: facebookresearch/mixup-cifar10 train.py mixup_data / mixup_criterion, and its
  lambda-weighted train accuracy;
- CutMix: clovaai/CutMix-PyTorch train.py rand_bbox and the training-loop block (box pasted from
  input[rand_index], lambda recomputed from the clipped box);
- RICAP: jackryo/ricap trainers.py TrainerRICAP.ricap / ricap_criterion and its W_k-weighted
  accuracy.
Mixed images are computed in float32 exactly as the official code runs (torch float32 ops);
targets, losses and accuracies in float64 on the float32 inputs. The soft targets are the
official losses' one-hot mixtures, sum_k W_k onehot(y_k); the script checks that soft-target
cross-entropy on them equals the official weighted sum of cross-entropies (with and without
label smoothing) before writing anything.

The C engine names axes by the image (x = column, y = row); the official CutMix and RICAP code
call dim 2 (rows) "x"/"W". The mapping is done here, once: our CutMix box {x0, y0, x1, y1} =
official {bby1, bbx1, bby2, bbx2}; our RICAP boundary {w, h} = official {h, w}, our offset[k]
{x, y} = official {y_k, x_k}.
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_H = os.path.join(HERE, "..", "tests", "data", "batch_goldens.h")
OUT_JSON = os.path.join(HERE, "..", "tests", "data", "batch_goldens.json")
NMAX = 6
EPS = 0.1  # label smoothing of the *_ls values
MIXUP, CUTMIX, RICAP = 1, 2, 3


# ---------------------------------------------------------------- the official code, draws as arguments

def official_mixup(x, y, lam, index):
    mixed_x = lam * x + (1 - lam) * x[index, :]
    return mixed_x, [y, y[index]], [lam, 1 - lam]


def official_rand_bbox(size, lam, cx, cy):
    """cx: the draw np.random.randint(size[2]) (a row), cy: np.random.randint(size[3])."""
    W = size[2]
    H = size[3]
    cut_rat = np.sqrt(1. - lam)
    cut_w = int(W * cut_rat)
    cut_h = int(H * cut_rat)
    bbx1 = np.clip(cx - cut_w // 2, 0, W)
    bby1 = np.clip(cy - cut_h // 2, 0, H)
    bbx2 = np.clip(cx + cut_w // 2, 0, W)
    bby2 = np.clip(cy + cut_h // 2, 0, H)
    return int(bbx1), int(bby1), int(bbx2), int(bby2)


def official_cutmix(input, target, lam, rand_index, cx, cy):
    input = input.clone()
    target_a = target
    target_b = target[rand_index]
    bbx1, bby1, bbx2, bby2 = official_rand_bbox(input.size(), lam, cx, cy)
    input[:, :, bbx1:bbx2, bby1:bby2] = input[rand_index, :, bbx1:bbx2, bby1:bby2]
    lam = 1 - ((bbx2 - bbx1) * (bby2 - bby1) / (input.size()[-1] * input.size()[-2]))
    return input, [target_a, target_b], [lam, 1 - lam], (bbx1, bby1, bbx2, bby2)


def official_ricap(images, targets, beta1, beta2, idxs, offs):
    """beta1, beta2: the two np.random.beta draws; idxs[k]: torch.randperm; offs[k] = (x_k, y_k)."""
    I_x, I_y = images.size()[2:]
    w = int(np.round(I_x * beta1))
    h = int(np.round(I_y * beta2))
    w_ = [w, I_x - w, w, I_x - w]
    h_ = [h, h, I_y - h, I_y - h]
    cropped_images, c_, W_ = {}, {}, {}
    for k in range(4):
        idx = idxs[k]
        x_k, y_k = offs[k]
        cropped_images[k] = images[idx][:, :, x_k:x_k + w_[k], y_k:y_k + h_[k]]
        c_[k] = targets[idx]
        W_[k] = w_[k] * h_[k] / (I_x * I_y)
    patched_images = torch.cat(
        (torch.cat((cropped_images[0], cropped_images[1]), 2),
         torch.cat((cropped_images[2], cropped_images[3]), 2)),
        3)
    return patched_images, [c_[k] for k in range(4)], [W_[k] for k in range(4)], (w, h)


def official_loss(logits, ys, ws, eps):
    """mixup_criterion / CutMix's loss / ricap_criterion: sum_k W_k * CE(output, y_k)."""
    crit = torch.nn.CrossEntropyLoss(label_smoothing=eps)
    return sum(w * crit(logits, y) for w, y in zip(ws, ys))


def official_accuracy(logits, ys, ws):
    """mixup: lam * predicted.eq(y_a).sum() + (1 - lam) * ...; RICAP: sum_k W_k * accuracy(.., c_k)."""
    _, predicted = torch.max(logits, 1)
    return sum(w * float(predicted.eq(y).sum()) for w, y in zip(ws, ys)) / logits.shape[0]


# ---------------------------------------------------------------- cases

def make_set(N, C, H, W, K):
    return {"N": N, "C": C, "H": H, "W": W, "K": K,
            "x": torch.randn(N, C, H, W).to(torch.float32),
            "labels": torch.randint(0, K, (N,)),
            "logits": (torch.randn(N, K) * 2).to(torch.float32)}


def finish(case, s, mixed, ys, ws):
    K = s["K"]
    logits64 = s["logits"].to(torch.float64)
    t = sum(w * F.one_hot(y, K).to(torch.float64) for w, y in zip(ws, ys))
    t_ls = (1 - EPS) * t + EPS / K
    loss = official_loss(logits64, ys, ws, 0.0)
    loss_ls = official_loss(logits64, ys, ws, EPS)
    # The identity the engine relies on: official weighted CE == soft-target CE of the mixture.
    soft = -(t * F.log_softmax(logits64, 1)).sum(1).mean()
    soft_ls = F.cross_entropy(logits64, t, label_smoothing=EPS)
    assert abs(float(soft) - float(loss)) < 1e-12 * max(1.0, abs(float(loss))), case["name"]
    assert abs(float(soft_ls) - float(loss_ls)) < 1e-12 * max(1.0, abs(float(loss_ls))), case["name"]
    assert abs(sum(ws) - 1.0) < 1e-15 and abs(float(t.sum(1).min()) - 1) < 1e-15, case["name"]
    case.update(mixed=mixed.to(torch.float32), targets=t, targets_ls=t_ls, loss=float(loss),
                loss_ls=float(loss_ls), acc=official_accuracy(logits64, ys, ws), weight=list(ws))
    return case


def mixup_case(name, si, s, lam, perm):
    mixed, ys, ws = official_mixup(s["x"], s["labels"], lam, perm)
    # The float64 mixture on the same inputs: how far torch's float32 result is from exact.
    exact = lam * s["x"].double() + (1 - lam) * s["x"].double()[perm]
    dev = float((mixed.double() - exact).abs().max())
    c = {"name": name, "set": si, "trick": MIXUP, "lambda_in": lam, "perm": perm.tolist(),
         "lambda": lam, "f64_dev": dev}
    return finish(c, s, mixed, ys, ws)


def cutmix_case(name, si, s, lam, perm, row, col):
    mixed, ys, ws, (bx1, by1, bx2, by2) = official_cutmix(s["x"], s["labels"], lam, perm, row, col)
    c = {"name": name, "set": si, "trick": CUTMIX, "lambda_in": lam, "perm": perm.tolist(),
         "center": [col, row], "box": [by1, bx1, by2, bx2], "lambda": ws[0]}
    return finish(c, s, mixed, ys, ws)


def ricap_case(name, si, s, beta1, beta2, rs):
    H, W = s["H"], s["W"]
    w = int(np.round(H * beta1))
    h = int(np.round(W * beta2))
    w_ = [w, H - w, w, H - w]
    h_ = [h, h, W - h, W - h]
    idxs, offs = [], []
    for k in range(4):
        idxs.append(torch.randperm(s["N"]))
        offs.append((int(rs.randint(0, H - w_[k] + 1)), int(rs.randint(0, W - h_[k] + 1))))
    mixed, ys, ws, (ow, oh) = official_ricap(s["x"], s["labels"], beta1, beta2, idxs, offs)
    c = {"name": name, "set": si, "trick": RICAP, "draw": [beta2, beta1],
         "perm": sum((i.tolist() for i in idxs), []), "boundary": [oh, ow],
         "offsets": [[yk, xk] for (xk, yk) in offs]}
    return finish(c, s, mixed, ys, ws)


def build():
    torch.manual_seed(6006)
    rs = np.random.RandomState(6006)
    sets = [make_set(5, 2, 4, 6, 4), make_set(6, 1, 4, 4, 10)]
    A, B = sets
    fixed = torch.tensor([0, 2, 1, 3, 5, 4])  # fixed points 0 and 3: self-partners
    cases = [
        mixup_case("mixup_a", 0, A, 0.3172, torch.randperm(5)),
        mixup_case("mixup_lam0", 0, A, 0.0, torch.randperm(5)),
        mixup_case("mixup_lam1_identity", 0, A, 1.0, torch.arange(5)),
        mixup_case("mixup_b_fixed_points", 1, B, 0.8311, fixed),
        mixup_case("mixup_b_beta02", 1, B, float(rs.beta(0.2, 0.2)), torch.randperm(6)),
        # (lam, row centre, column centre): corner clipping, central, whole image, empty, odd cuts
        cutmix_case("cutmix_corner", 0, A, 0.41, torch.randperm(5), 0, 1),
        cutmix_case("cutmix_central", 0, A, 0.3, torch.randperm(5), 2, 3),
        cutmix_case("cutmix_lam0", 0, A, 0.0, torch.randperm(5), 3, 5),
        cutmix_case("cutmix_lam1_empty", 0, A, 1.0, torch.randperm(5), 2, 2),
        cutmix_case("cutmix_b_half", 1, B, 0.5, torch.randperm(6), 2, 2),
        cutmix_case("cutmix_b_edge", 1, B, 0.2, torch.randperm(6), 3, 0),
        cutmix_case("cutmix_b_fixed_points", 1, B, 0.37, fixed, 1, 3),
        # (beta1 over rows, beta2 over columns)
        ricap_case("ricap_a", 0, A, 0.3, 0.55, rs),
        ricap_case("ricap_a_rows0", 0, A, 0.02, 0.97, rs),
        ricap_case("ricap_a_full", 0, A, 1.0, 1.0, rs),
        ricap_case("ricap_b_half_even", 1, B, 0.625, 0.375, rs),  # 2.5 -> 2 and 1.5 -> 2
        ricap_case("ricap_b_beta03", 1, B, float(rs.beta(0.3, 0.3)), float(rs.beta(0.3, 0.3)), rs),
    ]
    return sets, cases


# ---------------------------------------------------------------- output

def f32list(t):
    return [float("%.9g" % v) for v in t.detach().to(torch.float32).reshape(-1).tolist()]


def fmt_float(v):
    s = "%.9g" % float(v)
    if "e" not in s and "." not in s:
        s += ".0"
    return s + "f"


def c_floats(name, vals):
    out = ["static const float %s[%d] = {" % (name, len(vals))]
    for i in range(0, len(vals), 8):
        out.append("    " + ", ".join(fmt_float(v) for v in vals[i:i + 8]) + ",")
    out.append("};")
    return out


def c_ints(name, vals, ctype="int32_t"):
    return ["static const %s %s[%d] = {%s};" % (ctype, name, len(vals), ", ".join(str(int(v)) for v in vals))]


def write_header(sets, cases):
    L = ["/* batch_goldens.h - generated by scripts/gen_batch_goldens.py, do not edit.",
         "   mixup / CutMix / RICAP by the official code in PyTorch %s for explicit draws:" % torch.__version__,
         "   mixed images (float32 as torch computes them), soft targets (float64 rounded once),",
         "   official losses (eps 0 and %g) and accuracies. Regenerate with:" % EPS,
         "     /usr/bin/python3 scripts/gen_batch_goldens.py */",
         "#ifndef WT_BATCH_GOLDENS_H", "#define WT_BATCH_GOLDENS_H", "", "#include <stdint.h>", "",
         "#define GOLD_BATCH_NMAX %d" % NMAX,
         "#define GOLD_BATCH_EPS %r" % EPS, "",
         "typedef struct gold_batch_set {",
         "  int64_t N, C, H, W, K;",
         "  const float *x;        /* (N,C,H,W) */",
         "  const int32_t *labels; /* (N) */",
         "  const float *logits;   /* (N,K) */",
         "} gold_batch_set;", "",
         "typedef struct gold_batch_case {",
         "  const char *name;",
         "  int set, trick;             /* trick: wt_batch_trick */",
         "  double lambda_in;           /* mixup: lambda; CutMix: the Beta draw */",
         "  int64_t center[2];          /* CutMix: centre x (column), y (row) */",
         "  double draw[2];             /* RICAP: bw, bh (Beta draws for columns, rows) */",
         "  int64_t offsets[4][2];      /* RICAP: x, y per part */",
         "  int32_t perm[4 * GOLD_BATCH_NMAX]; /* mixup/CutMix: partner (N); RICAP: 4 x N */",
         "  int64_t box[4];             /* CutMix: x0, y0, x1, y1 */",
         "  double lambda;              /* mixup: lambda; CutMix: recomputed */",
         "  int64_t boundary[2];        /* RICAP: w, h */",
         "  double weight[4];",
         "  const float *mixed;         /* (N,C,H,W) */",
         "  const float *targets, *targets_ls; /* (N,K), eps 0 and GOLD_BATCH_EPS */",
         "  double loss, loss_ls, acc;",
         "} gold_batch_case;", ""]
    for i, s in enumerate(sets):
        L += c_floats("gold_bs%d_x" % i, f32list(s["x"]))
        L += c_ints("gold_bs%d_labels" % i, s["labels"].tolist())
        L += c_floats("gold_bs%d_logits" % i, f32list(s["logits"]))
    L.append("#define GOLD_BATCH_SETS %d" % len(sets))
    L.append("static const gold_batch_set gold_batch_sets[GOLD_BATCH_SETS] = {")
    for i, s in enumerate(sets):
        L.append("    {%d, %d, %d, %d, %d, gold_bs%d_x, gold_bs%d_labels, gold_bs%d_logits}," % (
            s["N"], s["C"], s["H"], s["W"], s["K"], i, i, i))
    L += ["};", ""]
    for j, c in enumerate(cases):
        L.append("/* %s */" % c["name"])
        L += c_floats("gold_bc%d_mixed" % j, f32list(c["mixed"]))
        L += c_floats("gold_bc%d_targets" % j, f32list(c["targets"]))
        L += c_floats("gold_bc%d_targets_ls" % j, f32list(c["targets_ls"]))
    L.append("#define GOLD_BATCH_CASES %d" % len(cases))
    L.append("static const gold_batch_case gold_batch_cases[GOLD_BATCH_CASES] = {")
    for j, c in enumerate(cases):
        offs = c.get("offsets", [[0, 0]] * 4)
        w = list(c["weight"]) + [0.0] * (4 - len(c["weight"]))
        L.append("    {\"%s\", %d, %d, %r, {%d, %d}, {%r, %r}, {%s}, {%s}, {%s}, %r, {%d, %d}, {%s}," % (
            c["name"], c["set"], c["trick"], float(c.get("lambda_in", 0.0)),
            *c.get("center", [0, 0]), *[float(v) for v in c.get("draw", [0.0, 0.0])],
            ", ".join("{%d, %d}" % tuple(o) for o in offs),
            ", ".join(str(v) for v in c["perm"]), ", ".join(str(v) for v in c.get("box", [0] * 4)),
            float(c.get("lambda", 0.0)), *c.get("boundary", [0, 0]), ", ".join(repr(float(v)) for v in w)))
        L.append("     gold_bc%d_mixed, gold_bc%d_targets, gold_bc%d_targets_ls, %r, %r, %r}," % (
            j, j, j, c["loss"], c["loss_ls"], c["acc"]))
    L += ["};", "", "#endif /* WT_BATCH_GOLDENS_H */"]
    with open(OUT_H, "w") as f:
        f.write("\n".join(L) + "\n")


def write_json(sets, cases):
    keys = ("name", "set", "trick", "lambda_in", "center", "draw", "offsets", "perm", "box", "lambda",
            "boundary", "weight", "loss", "loss_ls", "acc")
    doc = {
        "_comment": "generated by scripts/gen_batch_goldens.py, do not edit (PyTorch %s)" % torch.__version__,
        "eps": EPS,
        "sets": [{"N": s["N"], "C": s["C"], "H": s["H"], "W": s["W"], "K": s["K"], "x": f32list(s["x"]),
                  "labels": s["labels"].tolist(), "logits": f32list(s["logits"])} for s in sets],
        "cases": [dict({k: c[k] for k in keys if k in c}, mixed=f32list(c["mixed"]),
                       targets=f32list(c["targets"]), targets_ls=f32list(c["targets_ls"]))
                  for c in cases],
    }
    with open(OUT_JSON, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")


def main():
    torch.set_num_threads(1)
    sets, cases = build()
    write_header(sets, cases)
    write_json(sets, cases)
    for c in cases:
        extra = " (float32 vs float64 mixture: %.2e)" % c["f64_dev"] if "f64_dev" in c else ""
        print("%-22s loss %.6f  loss_ls %.6f  acc %.4f  weights %s%s" % (
            c["name"], c["loss"], c["loss_ls"], c["acc"], ["%.4f" % w for w in c["weight"]], extra))
    print("wrote %s and %s" % (OUT_H, OUT_JSON))


if __name__ == "__main__":
    main()
