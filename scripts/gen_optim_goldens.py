#!/usr/bin/python3
"""gen_optim_goldens.py - writes tests/data/optim_goldens.h (C tests) and
tests/data/optim_goldens.json (JS tests): optimizer trajectories and learning-rate schedules
from references independent of the C engine.

- torch.optim.SGD / Adam / AdamW (PyTorch 1.13, single-tensor path, float32 CPU).
- AdaBound / AMSBound: a transcription (below, class AdaBound) of the official algorithm,
  Luolc/AdaBound adabound/adabound.py, written with today's torch call signatures
  (grad.add(p, alpha=wd) for the deprecated grad.add(wd, p), and so on; same arithmetic).
- torch.optim.lr_scheduler.StepLR / MultiStepLR / CosineAnnealingLR / LinearLR, the warm-up
  composed with SequentialLR([LinearLR(start, total_iters=W), main], milestones=[W]): the
  recursive (chained) values PyTorch computes step by step, not closed forms.

The problem: N = 23 parameters (not a multiple of 4: SIMD tails), 200 steps, a fixed sequence of
gradients: "dense" (every element nonzero, magnitudes from 1e-3 to 10 by element) and "sparse"
(about 70% zeros, and elements 3 and 11 always zero so their second moment stays 0). Parameter
groups: "nobias" cases exempt the slices [15, 19) and [21, 23) from weight decay (torch param
groups with weight_decay=0), as a model exempts its biases. Trajectories are stored after the
steps listed in SNAPSHOTS.

Run with the Debian python3-torch (CI has no PyTorch, so the outputs are committed):
    /usr/bin/python3 scripts/gen_optim_goldens.py
Deterministic: rerunning gives the same files.
"""
import json
import math
import os

import torch
from torch.optim import lr_scheduler as S

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_H = os.path.join(HERE, "..", "tests", "data", "optim_goldens.h")
OUT_JSON = os.path.join(HERE, "..", "tests", "data", "optim_goldens.json")

N = 23
STEPS = 200
SNAPSHOTS = list(range(1, 11)) + list(range(20, STEPS + 1, 10))
NO_DECAY = [(15, 4), (21, 2)]  # (offset, count)
SCHED_TICKS = 150


class AdaBound(torch.optim.Optimizer):
    """AdaBound / AMSBound as Luolc/AdaBound adabound.py computes it (step t from 1):
    g += wd * p (L2); m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; (AMSBound: vmax = max(vmax,
    v), used for v); denom = sqrt(v) + eps; step = lr sqrt(1 - b2^t) / (1 - b1^t);
    final = final_lr * lr / base_lr; eta = clamp(step / denom, final (1 - 1/(gamma t + 1)),
    final (1 + 1/(gamma t))); p -= eta * m."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), final_lr=0.1, gamma=1e-3, eps=1e-8,
                 weight_decay=0, amsbound=False):
        defaults = dict(lr=lr, betas=betas, final_lr=final_lr, gamma=gamma, eps=eps,
                        weight_decay=weight_decay, amsbound=amsbound)
        super().__init__(params, defaults)
        self.base_lrs = [group["lr"] for group in self.param_groups]

    @torch.no_grad()
    def step(self):
        for group, base_lr in zip(self.param_groups, self.base_lrs):
            for p in group["params"]:
                grad = p.grad
                st = self.state[p]
                if len(st) == 0:
                    st["step"] = 0
                    st["exp_avg"] = torch.zeros_like(p)
                    st["exp_avg_sq"] = torch.zeros_like(p)
                    if group["amsbound"]:
                        st["max_exp_avg_sq"] = torch.zeros_like(p)
                exp_avg, exp_avg_sq = st["exp_avg"], st["exp_avg_sq"]
                beta1, beta2 = group["betas"]
                st["step"] += 1
                if group["weight_decay"] != 0:
                    grad = grad.add(p, alpha=group["weight_decay"])
                exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                if group["amsbound"]:
                    torch.max(st["max_exp_avg_sq"], exp_avg_sq, out=st["max_exp_avg_sq"])
                    denom = st["max_exp_avg_sq"].sqrt().add_(group["eps"])
                else:
                    denom = exp_avg_sq.sqrt().add_(group["eps"])
                bias_correction1 = 1 - beta1 ** st["step"]
                bias_correction2 = 1 - beta2 ** st["step"]
                step_size = group["lr"] * math.sqrt(bias_correction2) / bias_correction1
                final_lr = group["final_lr"] * group["lr"] / base_lr
                lower = final_lr * (1 - 1 / (group["gamma"] * st["step"] + 1))
                upper = final_lr * (1 + 1 / (group["gamma"] * st["step"]))
                step_size = torch.full_like(denom, step_size)
                step_size.div_(denom).clamp_(lower, upper).mul_(exp_avg)
                p.add_(-step_size)


def make_problem():
    torch.manual_seed(1234)
    p0 = torch.randn(N)
    scale = torch.logspace(-3, 1, N)[torch.randperm(N)]
    dense = torch.randn(STEPS, N) * scale
    sparse = dense * (torch.rand(STEPS, N) < 0.3)
    sparse[:, 3] = 0
    sparse[:, 11] = 0
    return p0, {"dense": dense, "sparse": sparse}


def segments(nobias):
    """Slices of the flat block, each (offset, count, decays)."""
    if not nobias:
        return [(0, N, True)]
    out, at = [], 0
    for off, cnt in NO_DECAY:
        if off > at:
            out.append((at, off - at, True))
        out.append((off, cnt, False))
        at = off + cnt
    if at < N:
        out.append((at, N - at, True))
    return out


def make_optimizer(kind, tensors, segs, opts):
    o = dict(opts)
    wd = o.pop("weight_decay", 0.0)
    groups = [{"params": [t for t, s in zip(tensors, segs) if s[2]], "weight_decay": wd},
              {"params": [t for t, s in zip(tensors, segs) if not s[2]], "weight_decay": 0.0}]
    groups = [g for g in groups if g["params"]]
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
           "adabound": AdaBound}[kind]
    return cls(groups, **o)


def make_schedule(opt, sched):
    """sched: None or dict(name, warmup, warmup_start, + the main schedule's arguments)."""
    if sched is None:
        return None
    name, w = sched["name"], sched.get("warmup", 0)
    if name == "step":
        main = S.StepLR(opt, step_size=sched["step_size"], gamma=sched["gamma"])
    elif name == "multistep":
        main = S.MultiStepLR(opt, milestones=sched["milestones"], gamma=sched["gamma"])
    elif name == "cosine":
        main = S.CosineAnnealingLR(opt, T_max=sched["t_max"], eta_min=sched["eta_min"])
    elif name == "constant":
        main = None
    else:
        raise ValueError(name)
    if w == 0:
        return main
    warm = S.LinearLR(opt, start_factor=sched["warmup_start"], end_factor=1.0, total_iters=w)
    if main is None:
        return warm
    return S.SequentialLR(opt, schedulers=[warm, main], milestones=[w])


def run_case(p0, grads, case):
    segs = segments(case.get("nobias", False))
    tensors = [p0[o:o + c].clone().requires_grad_() for o, c, _ in segs]
    opt = make_optimizer(case["kind"], tensors, segs, case["opts"])
    sched = make_schedule(opt, case.get("sched"))
    traj, lrs = [], []
    for t in range(STEPS):
        lrs.append(opt.param_groups[0]["lr"])
        for (o, c, _), x in zip(segs, tensors):
            x.grad = grads[t, o:o + c].clone()
        opt.step()
        if sched is not None:
            sched.step()
        if t + 1 in SNAPSHOTS:
            traj.append(torch.cat([x.detach() for x in tensors]).clone())
    return torch.stack(traj), lrs


def schedule_values(sched):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=sched["base_lr"])
    s = make_schedule(opt, sched)
    out = []
    for _ in range(SCHED_TICKS):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        s.step()
    return out


# kind, gradients, options as torch names; sched as make_schedule; nobias: the NO_DECAY groups.
CASES = [
    ("sgd_nesterov", dict(kind="sgd", grads="dense",
                          opts=dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3))),
    ("sgd_damp_sparse", dict(kind="sgd", grads="sparse",
                             opts=dict(lr=0.1, momentum=0.8, dampening=0.3))),
    ("sgd_nobias_multistep", dict(kind="sgd", grads="dense", nobias=True,
                                  opts=dict(lr=0.05, momentum=0.9, weight_decay=5e-2),
                                  sched=dict(name="multistep", milestones=[50, 120], gamma=0.1,
                                             warmup=10, warmup_start=0.25))),
    ("adam", dict(kind="adam", grads="dense", opts=dict(lr=1e-2))),
    ("adam_wd_sparse", dict(kind="adam", grads="sparse",
                            opts=dict(lr=1e-2, betas=(0.8, 0.99), weight_decay=1e-2))),
    ("adam_amsgrad_sparse", dict(kind="adam", grads="sparse", opts=dict(lr=1e-2, amsgrad=True))),
    ("adam_step", dict(kind="adam", grads="dense", opts=dict(lr=2e-2, eps=1e-6),
                       sched=dict(name="step", step_size=30, gamma=0.5))),
    ("adamw", dict(kind="adamw", grads="dense", opts=dict(lr=1e-2, weight_decay=1e-2))),
    ("adamw_amsgrad_sparse", dict(kind="adamw", grads="sparse",
                                  opts=dict(lr=1e-2, weight_decay=0.1, amsgrad=True))),
    ("adamw_nobias", dict(kind="adamw", grads="dense", nobias=True,
                          opts=dict(lr=1e-2, weight_decay=0.5))),
    ("adabound", dict(kind="adabound", grads="dense", opts=dict())),
    ("adabound_wd_sparse", dict(kind="adabound", grads="sparse",
                                opts=dict(lr=1e-2, final_lr=0.05, gamma=1e-2,
                                          weight_decay=5e-4))),
    ("amsbound", dict(kind="adabound", grads="dense",
                      opts=dict(lr=1e-3, amsbound=True, weight_decay=1e-3))),
    ("amsbound_sparse_nobias", dict(kind="adabound", grads="sparse", nobias=True,
                                    opts=dict(lr=3e-3, final_lr=0.2, gamma=0.1, amsbound=True,
                                              weight_decay=0.05))),
    ("adabound_cosine", dict(kind="adabound", grads="sparse",
                             opts=dict(lr=1e-2, final_lr=0.1, gamma=1e-2),
                             sched=dict(name="cosine", t_max=180, eta_min=0.0, warmup=20,
                                        warmup_start=0.1))),
]

SCHEDULES = [
    ("step", dict(base_lr=0.1, name="step", step_size=7, gamma=0.5)),
    ("multistep", dict(base_lr=0.1, name="multistep", milestones=[10, 25, 60], gamma=0.3)),
    ("cosine", dict(base_lr=0.1, name="cosine", t_max=50, eta_min=1e-3)),
    ("warmup", dict(base_lr=0.1, name="constant", warmup=15, warmup_start=0.2)),
    ("warmup_step", dict(base_lr=0.4, name="step", step_size=20, gamma=0.1, warmup=5,
                         warmup_start=1.0 / 3)),
    ("warmup_multistep", dict(base_lr=0.1, name="multistep", milestones=[30, 80], gamma=0.2,
                              warmup=12, warmup_start=0.05)),
    ("warmup_cosine", dict(base_lr=0.05, name="cosine", t_max=100, eta_min=1e-4, warmup=10,
                           warmup_start=0.1)),
]

KINDS = {"sgd": "WT_OPTIM_SGD", "adam": "WT_OPTIM_ADAM", "adamw": "WT_OPTIM_ADAMW",
         "adabound": "WT_OPTIM_ADABOUND"}
SCHED_KINDS = {"constant": "WT_SCHEDULE_CONSTANT", "step": "WT_SCHEDULE_STEP",
               "multistep": "WT_SCHEDULE_MULTISTEP", "cosine": "WT_SCHEDULE_COSINE"}
DEFAULTS = {
    "sgd": dict(lr=0.0, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False),
    "adam": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False),
    "adamw": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False),
    "adabound": dict(lr=1e-3, betas=(0.9, 0.999), final_lr=0.1, gamma=1e-3, eps=1e-8,
                     weight_decay=0.0, amsbound=False),
}


def fmt_float(v):
    s = "%.9g" % float(v)
    if "e" not in s and "." not in s:
        s += ".0"
    return s + "f"


def fmt_double(v):
    return repr(float(v))


def floats(lines, name, vals):
    lines.append("static const float %s[%d] = {" % (name, len(vals)))
    for i in range(0, len(vals), 6):
        lines.append("    " + ", ".join(fmt_float(v) for v in vals[i:i + 6]) + ",")
    lines.append("};")


def doubles(lines, name, vals):
    lines.append("static const double %s[%d] = {" % (name, len(vals)))
    for i in range(0, len(vals), 4):
        lines.append("    " + ", ".join(fmt_double(v) for v in vals[i:i + 4]) + ",")
    lines.append("};")


def full_opts(case):
    o = dict(DEFAULTS[case["kind"]])
    o.update(case["opts"])
    return o


def sched_init(s):
    """A C initializer for wt_schedule (per-step ticks)."""
    if s is None:
        return "{.kind = WT_SCHEDULE_CONSTANT}"
    parts = [".kind = %s" % SCHED_KINDS[s["name"]]]
    if s["name"] == "step":
        parts += [".step_size = %d" % s["step_size"], ".gamma = %s" % fmt_double(s["gamma"])]
    if s["name"] == "multistep":
        parts += [".milestones = {%s}" % ", ".join(str(m) for m in s["milestones"]),
                  ".n_milestones = %d" % len(s["milestones"]),
                  ".gamma = %s" % fmt_double(s["gamma"])]
    if s["name"] == "cosine":
        parts += [".t_max = %d" % s["t_max"], ".eta_min = %s" % fmt_double(s["eta_min"])]
    if s.get("warmup", 0):
        parts += [".warmup = %d" % s["warmup"],
                  ".warmup_start_factor = %s" % fmt_double(s["warmup_start"])]
    return "{" + ", ".join(parts) + "}"


def optim_init(case):
    o = full_opts(case)
    k = case["kind"]
    parts = [".kind = %s" % KINDS[k], ".lr = %s" % fmt_double(o["lr"]),
             ".weight_decay = %s" % fmt_double(o["weight_decay"])]
    if k == "sgd":
        parts += [".momentum = %s" % fmt_double(o["momentum"]),
                  ".dampening = %s" % fmt_double(o["dampening"]),
                  ".nesterov = %d" % int(o["nesterov"])]
    else:
        parts += [".beta1 = %s" % fmt_double(o["betas"][0]),
                  ".beta2 = %s" % fmt_double(o["betas"][1]), ".eps = %s" % fmt_double(o["eps"]),
                  ".amsgrad = %d" % int(o.get("amsgrad", o.get("amsbound", False)))]
    if k == "adabound":
        parts += [".final_lr = %s" % fmt_double(o["final_lr"]),
                  ".gamma = %s" % fmt_double(o["gamma"])]
    parts.append(".no_bias_decay = %d" % int(case.get("nobias", False)))
    return "{" + ", ".join(parts) + "}"


def js_opts(case):
    """The case as wt.optim.create / Trainer options (camelCase, PyTorch defaults filled)."""
    o = full_opts(case)
    names = {"weight_decay": "weightDecay", "final_lr": "finalLr"}
    out = {"name": case["kind"]}
    for k, v in o.items():
        out[names.get(k, k)] = list(v) if isinstance(v, tuple) else v
    return out


def main():
    p0, grads = make_problem()
    h = ["/* optim_goldens.h - generated by scripts/gen_optim_goldens.py from PyTorch %s "
         "(torch.optim,\n   torch.optim.lr_scheduler) and a transcription of Luolc/AdaBound; "
         "do not edit. */" % torch.__version__,
         "#ifndef WT_OPTIM_GOLDENS_H", "#define WT_OPTIM_GOLDENS_H", "",
         "#define GOLD_OPT_N %d" % N, "#define GOLD_OPT_STEPS %d" % STEPS,
         "#define GOLD_OPT_SNAPSHOTS %d" % len(SNAPSHOTS),
         "#define GOLD_SCHED_TICKS %d" % SCHED_TICKS,
         "static const int gold_opt_snapshots[%d] = {%s};" % (
             len(SNAPSHOTS), ", ".join(str(s) for s in SNAPSHOTS)),
         "/* the slices a model's biases would occupy: exempt from decay in the nobias cases */",
         "static const wt_param_range gold_opt_no_decay[%d] = {%s};" % (
             len(NO_DECAY), ", ".join("{%d, %d}" % r for r in NO_DECAY))]
    floats(h, "gold_opt_p0", p0.tolist())
    floats(h, "gold_opt_grads_dense", grads["dense"].reshape(-1).tolist())
    floats(h, "gold_opt_grads_sparse", grads["sparse"].reshape(-1).tolist())
    js = {"generator": "scripts/gen_optim_goldens.py", "torch": torch.__version__, "n": N,
          "steps": STEPS, "snapshots": SNAPSHOTS, "noDecay": NO_DECAY, "p0": p0.tolist(),
          "grads": {k: v.reshape(-1).tolist() for k, v in grads.items()}, "cases": [],
          "schedules": []}
    table = []
    for name, case in CASES:
        traj, lrs = run_case(p0, grads[case["grads"]], case)
        floats(h, "gold_opt_%s_traj" % name, traj.reshape(-1).tolist())
        doubles(h, "gold_opt_%s_lrs" % name, lrs)
        table.append("    {\"%s\", %s, %s, gold_opt_grads_%s, gold_opt_%s_traj, gold_opt_%s_lrs},"
                     % (name, optim_init(case), sched_init(case.get("sched")), case["grads"],
                        name, name))
        js["cases"].append({"name": name, "optimizer": js_opts(case), "grads": case["grads"],
                            "nobias": case.get("nobias", False),
                            "schedule": case.get("sched"), "lrs": lrs,
                            "traj": traj.reshape(-1).tolist()})
    h += ["typedef struct gold_opt_case {", "  const char *name;", "  wt_optim_options opt;",
          "  wt_schedule sched;", "  const float *grads;  /* (STEPS, N) */",
          "  const float *traj;   /* (SNAPSHOTS, N): params after each snapshot step */",
          "  const double *lrs;   /* (STEPS): the lr each step used */", "} gold_opt_case;",
          "static const gold_opt_case gold_opt_cases[] = {"] + table + ["};"]
    stable = []
    for name, s in SCHEDULES:
        vals = schedule_values(s)
        doubles(h, "gold_sched_%s" % name, vals)
        stable.append("    {\"%s\", %s, %s, gold_sched_%s}," % (name, fmt_double(s["base_lr"]),
                                                              sched_init(s), name))
        js["schedules"].append({"name": name, "schedule": s, "lrs": vals})
    h += ["typedef struct gold_sched_case {", "  const char *name;", "  double base_lr;",
          "  wt_schedule sched;", "  const double *lrs; /* (SCHED_TICKS) */",
          "} gold_sched_case;", "static const gold_sched_case gold_sched_cases[] = {"] + stable
    h += ["};", "", "#endif /* WT_OPTIM_GOLDENS_H */", ""]
    with open(OUT_H, "w") as f:
        f.write("\n".join(h))
    with open(OUT_JSON, "w") as f:
        json.dump(js, f, separators=(",", ":"))
        f.write("\n")
    print("wrote %s and %s: %d optimizer cases, %d schedules" % (OUT_H, OUT_JSON, len(CASES),
                                                                 len(SCHEDULES)))


if __name__ == "__main__":
    main()
