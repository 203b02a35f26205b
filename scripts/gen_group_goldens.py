#!/usr/bin/python3
"""gen_group_goldens.py - writes tests/data/group_goldens.h: optimizer trajectories with
parameter groups and a frozen slice, from torch.optim (PyTorch 1.13) and the AdaBound
transcription of scripts/gen_optim_goldens.py, for tests/native/test_groups.c.

The problem is gen_optim_goldens.py's (N = 23 parameters, its dense gradients), over STEPS steps,
with the groups of GROUPS (the engine's wt_param_group: offset, count, lr, weight_decay, frozen)
and the no-decay ranges NO_DECAY (one inside a group, two in the default group). PyTorch side:
every run of parameters with one group and one decay flag is a tensor of its own torch param
group (lr = its group's, weight_decay = the group's or 0); a frozen slice is a tensor with
requires_grad=False that no optimizer holds. The lr schedule is a linear warm-up composed with
cosine annealing (SequentialLR([LinearLR, CosineAnnealingLR])), which sets each group's lr from
its own initial lr; eta_min is the same for every group, as in torch. AdaBound's final_lr is
scaled by each group's lr / base lr (the official adabound.py keeps one base lr per group).

Run with the Debian python3-torch (CI has no PyTorch, so the output is committed):
    /usr/bin/python3 scripts/gen_group_goldens.py
Deterministic: rerunning gives the same file.
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_optim_goldens as G  # noqa: E402  (its problem, AdaBound and schedules)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_H = os.path.join(HERE, "..", "tests", "data", "group_goldens.h")

N = G.N
STEPS = 30
SNAPSHOTS = [1, 2, 3, 5, 6, 10, 20, 30]
BASE_LR = {"sgd": 0.05, "adamw": 0.01, "adabound": 0.01, "adam": 0.01}
# (offset, count, lr factor of the base lr, weight decay or None for the optimizer's, frozen)
GROUPS = [(0, 5, 0.0, 0.0, True), (5, 7, 0.1, 2e-3, False), (12, 3, 3.0, 0.0, False)]
NO_DECAY = [(8, 2), (15, 4), (21, 2)]
SCHED = {"name": "cosine", "warmup": 5, "warmup_start": 0.1, "t_max": 25, "eta_min": 1e-4}

CASES = [
    ("sgd_nesterov", "sgd", {"momentum": 0.9, "nesterov": True, "weight_decay": 5e-4}),
    ("sgd_damp", "sgd", {"momentum": 0.8, "dampening": 0.2, "weight_decay": 1e-2}),
    ("adamw", "adamw", {"betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 1e-2}),
    ("adam", "adam", {"betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 1e-3}),
    ("adabound", "adabound", {"betas": (0.9, 0.999), "eps": 1e-8, "final_lr": 0.1, "gamma": 1e-3,
                              "weight_decay": 5e-4}),
]


def runs():
    """Maximal runs (offset, count, group index or -1, decays) of [0, N)."""
    def group_of(i):
        for g, (o, c, *_r) in enumerate(GROUPS):
            if o <= i < o + c:
                return g
        return -1

    def decays(i):
        return not any(o <= i < o + c for o, c in NO_DECAY)

    out = []
    for i in range(N):
        key = (group_of(i), decays(i))
        if out and (out[-1][2], out[-1][3]) == key:
            out[-1][1] += 1
        else:
            out.append([i, 1, key[0], key[1]])
    return out


def run_case(kind, opts, p0, grads):
    base = BASE_LR[kind]
    wd0 = opts.get("weight_decay", 0.0)
    rest = {k: v for k, v in opts.items() if k != "weight_decay"}
    segs = runs()
    tensors, groups, frozen = [], [], []
    for o, c, g, dec in segs:
        t = p0[o:o + c].clone()
        if g >= 0 and GROUPS[g][4]:
            frozen.append((o, c, t))
            tensors.append(t)
            continue
        t.requires_grad_()
        tensors.append(t)
        lr = base if g < 0 else base * GROUPS[g][2]
        wd = wd0 if g < 0 else GROUPS[g][3]
        groups.append({"params": [t], "lr": lr, "weight_decay": wd if dec else 0.0, "_at": (o, c)})
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
           "adabound": G.AdaBound}[kind]
    at = [g.pop("_at") for g in groups]
    opt = cls(groups, lr=base, **rest)
    sched = G.make_schedule(opt, SCHED)
    traj, lrs = [], []
    for t in range(STEPS):
        lrs.append([pg["lr"] for pg in opt.param_groups])
        for (o, c), pg in zip(at, opt.param_groups):
            pg["params"][0].grad = grads[t, o:o + c].clone()
        opt.step()
        sched.step()
        if t + 1 in SNAPSHOTS:
            traj.append(torch.cat([x.detach() for x in tensors]).clone())
    for o, c, t in frozen:
        assert torch.equal(t, p0[o:o + c])
    return torch.stack(traj), base


def main():
    p0, grads = G.make_problem()
    grads = grads["dense"][:STEPS]
    h = ["/* group_goldens.h - written by scripts/gen_group_goldens.py (PyTorch "
         f"{torch.__version__}); do not edit. */",
         "#ifndef WT_GROUP_GOLDENS_H", "#define WT_GROUP_GOLDENS_H", "",
         f"#define GOLD_GROUP_N {N}", f"#define GOLD_GROUP_STEPS {STEPS}",
         f"#define GOLD_GROUP_SNAPS {len(SNAPSHOTS)}", ""]
    G.floats(h, "gold_group_p0", p0.tolist())
    G.floats(h, "gold_group_grads", grads.reshape(-1).tolist())
    h.append("static const int gold_group_snapshots[] = {" + ", ".join(map(str, SNAPSHOTS)) + "};")
    h.append("/* offset, count, lr factor, weight decay, frozen */")
    h.append("static const struct { size_t offset, count; double lr_factor, weight_decay; int frozen; } "
             "gold_groups[] = {")
    for o, c, f, wd, fr in GROUPS:
        h.append(f"    {{{o}, {c}, {G.fmt_double(f)}, {G.fmt_double(wd)}, {int(fr)}}},")
    h.append("};")
    h.append("static const wt_param_range gold_group_no_decay[] = {" +
             ", ".join(f"{{{o}, {c}}}" for o, c in NO_DECAY) + "};")
    h.append(f"static const wt_schedule gold_group_schedule = {{.kind = WT_SCHEDULE_COSINE, "
             f".t_max = {SCHED['t_max']}, .eta_min = {G.fmt_double(SCHED['eta_min'])}, "
             f".warmup = {SCHED['warmup']}, .warmup_start_factor = {G.fmt_double(SCHED['warmup_start'])}}};")
    h.append("")
    h += ["typedef struct gold_group_case {", "  const char *name;", "  wt_optim_options opt;",
          "  const float *traj; /* GOLD_GROUP_SNAPS x N */", "} gold_group_case;", ""]
    names = []
    for name, kind, opts in CASES:
        traj, base = run_case(kind, opts, p0, grads)
        G.floats(h, f"gold_group_traj_{name}", traj.reshape(-1).tolist())
        o = {"kind": G.KINDS[kind], "lr": base, **opts}
        fields = [f".kind = {o['kind']}", f".lr = {G.fmt_double(base)}", ".no_bias_decay = 1"]
        for k, v in opts.items():
            if k == "betas":
                fields += [f".beta1 = {G.fmt_double(v[0])}", f".beta2 = {G.fmt_double(v[1])}"]
            elif k == "nesterov":
                fields.append(f".nesterov = {int(v)}")
            else:
                fields.append(f".{k} = {G.fmt_double(v)}")
        names.append((name, "{" + ", ".join(fields) + "}"))
    h.append("static const gold_group_case gold_group_cases[] = {")
    for name, init in names:
        h.append(f'    {{"{name}", {init}, gold_group_traj_{name}}},')
    h += ["};", "", "#endif", ""]
    with open(OUT_H, "w") as f:
        f.write("\n".join(h))


if __name__ == "__main__":
    main()
