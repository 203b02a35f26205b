// optim.test.mjs - wt.optim and the Trainer's optimizer options: the standalone optimizer
// against the PyTorch / AdaBound goldens (tests/data/optim_goldens.json, 1e-5 relative), the
// schedules against torch.optim.lr_scheduler's values, option errors, Trainer schedules and
// state round trips, and leaks.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { init } from '../../js/index.js';
import { throwsWt } from './helpers.mjs';

const wt = await init();
const G = JSON.parse(await readFile(new URL('../data/optim_goldens.json', import.meta.url)));

/** The case's schedule in the JS option names. */
function jsSchedule(s) {
  if (!s) return null;
  const out = { name: s.name };
  if (s.step_size !== undefined) out.stepSize = s.step_size;
  if (s.milestones !== undefined) out.milestones = s.milestones;
  if (s.gamma !== undefined) out.gamma = s.gamma;
  if (s.t_max !== undefined) out.tMax = s.t_max;
  if (s.eta_min !== undefined) out.etaMin = s.eta_min;
  if (s.warmup) Object.assign(out, { warmupSteps: s.warmup, warmupStartFactor: s.warmup_start });
  return out;
}

test('wt.optim.create matches torch.optim and AdaBound over 200 steps (1e-5 relative)', () => {
  const base = wt.liveBytes();
  let worst = 0;
  let cases = 0;
  for (const c of G.cases) {
    if (c.nobias) continue; // one parameter group in the standalone form
    const { noBiasDecay, ...options } = c.optimizer;
    const opt = wt.optim.create(options);
    const sched = jsSchedule(c.schedule);
    const p = Float32Array.from(G.p0);
    const grads = G.grads[c.grads];
    let snap = 0;
    for (let t = 0; t < G.steps; t++) {
      if (sched) {
        const lr = wt.optim.scheduleLr(sched, options.lr, t);
        assert.ok(Math.abs(lr - c.lrs[t]) <= 1e-6 * c.lrs[t], `${c.name} lr at ${t}`);
        opt.setLr(lr);
      }
      opt.step(p, Float32Array.from(grads.slice(t * G.n, (t + 1) * G.n)));
      if (G.snapshots[snap] === t + 1) {
        for (let i = 0; i < G.n; i++) {
          const want = c.traj[snap * G.n + i];
          const d = Math.abs(p[i] - want);
          assert.ok(d <= 1e-6 + 1e-5 * Math.abs(want), `${c.name} step ${t + 1} p[${i}] = ${p[i]}, torch ${want}`);
          if (Math.abs(want) > 0.1) worst = Math.max(worst, d / Math.abs(want));
        }
        snap++;
      }
    }
    assert.equal(opt.steps, G.steps);
    opt.dispose();
    cases++;
  }
  assert.ok(cases >= 10);
  assert.equal(wt.liveBytes(), base, 'dispose frees the optimizer');
  console.log(`# ${cases} optimizer cases, worst relative error ${worst.toExponential(2)} (|p| > 0.1)`);
});

test('wt.optim.scheduleLr matches torch.optim.lr_scheduler (chained values, 1e-6)', () => {
  for (const s of G.schedules) {
    const sched = jsSchedule(s.schedule);
    s.lrs.forEach((want, t) => {
      const lr = wt.optim.scheduleLr(sched, s.schedule.base_lr, t);
      assert.ok(Math.abs(lr - want) <= 1e-6 * want, `${s.name} tick ${t}: ${lr} vs ${want}`);
    });
  }
});

test('wt.optim.create: defaults, setLr, errors, use after dispose', () => {
  const o = wt.optim.create({ name: 'adabound' });
  assert.equal(o.lr, 1e-3);
  assert.deepEqual({ ...o.options, betas: [...o.options.betas] }, {
    lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, finalLr: 0.1, gamma: 1e-3, amsbound: false, weightDecay: 0,
    name: 'adabound',
  });
  o.setLr(5e-4);
  assert.equal(o.lr, 5e-4);
  const p = new Float32Array([1, 2, 3]);
  o.step(p, new Float32Array([0.1, -0.2, 0]));
  assert.equal(o.steps, 1);
  throwsWt(() => o.step(new Float32Array(4), new Float32Array(4)), 'WT_ERR_SHAPE', /first stepped with 3/);
  throwsWt(() => o.step(p, new Float32Array(2)), 'WT_ERR_SHAPE', /grads has length 2/);
  throwsWt(() => o.step([1, 2, 3], new Float32Array(3)), 'WT_ERR_ARG', /params must be a Float32Array/);
  throwsWt(() => o.setLr(-1), 'WT_ERR_ARG', /lr must be a finite number >= 0/);
  o.dispose();
  o.dispose();
  throwsWt(() => o.step(p, p), 'WT_ERR_STATE', /disposed/);

  const bad = [
    [{ name: 'rmsprop' }, /optimizer.name must be one of 'sgd', 'adam', 'adamw', 'adabound'/],
    [{ name: 'sgd' }, /optimizer.lr is required for 'sgd'/],
    [{ name: 'sgd', lr: -0.1 }, /optimizer.lr must be a finite number >= 0, got -0.1/],
    [{ name: 'adam', lr: NaN }, /optimizer.lr must be/],
    [{ name: 'adam', betas: [0.9, 1] }, /optimizer.betas\[1\] must be in \[0, 1\), got 1/],
    [{ name: 'adam', betas: [-0.1, 0.9] }, /optimizer.betas\[0\] must be in \[0, 1\)/],
    [{ name: 'adam', betas: 0.9 }, /optimizer.betas must be an array of two numbers/],
    [{ name: 'adam', momentum: 0.9 }, /unknown optimizer option 'momentum' for 'adam'/],
    [{ name: 'adamw', amsbound: true }, /unknown optimizer option 'amsbound'/],
    [{ name: 'adabound', amsgrad: true }, /unknown optimizer option 'amsgrad' for 'adabound'/],
    [{ name: 'adabound', weight_decay: 1 }, /unknown optimizer option 'weight_decay'/],
    [{ name: 'adabound', gamma: 0 }, /optimizer.gamma must be in \(0, 1\)/],
    [{ name: 'adabound', finalLr: -1 }, /optimizer.finalLr must be/],
    [{ name: 'adam', eps: -1 }, /optimizer.eps must be/],
    [{ name: 'adam', amsgrad: 1 }, /optimizer.amsgrad must be a boolean/],
    [{ name: 'sgd', lr: 0.1, nesterov: true }, /nesterov requires momentum > 0/],
    [{ name: 'sgd', lr: 0.1, dampening: 2 }, /optimizer.dampening must be in \[0, 1\]/],
    [{ name: 'sgd', lr: 0.1, noBiasDecay: true }, /noBiasDecay needs a model/],
    [null, /must be an object/],
  ];
  for (const [opts, re] of bad) throwsWt(() => wt.optim.create(opts), 'WT_ERR_ARG', re);
});

test('Trainer: every optimizer, schedules per step and per epoch, errors', () => {
  const m = wt.models.studentCNN({ inputShape: [1, 8, 8], numClasses: 3, seed: 1 });
  const x = Float32Array.from({ length: 4 * 64 }, (_, i) => Math.sin(i));
  const y = [0, 1, 2, 1];
  try {
    for (const optimizer of [
      { name: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4, noBiasDecay: true },
      { name: 'adam', lr: 1e-3, amsgrad: true },
      { name: 'adamw', betas: [0.8, 0.99], weightDecay: 0.05, noBiasDecay: true },
      { name: 'adabound', lr: 1e-3, finalLr: 0.1, gamma: 1e-3, weightDecay: 5e-4, amsbound: false },
    ]) {
      const t = new wt.Trainer(m, { optimizer, schedule: { name: 'cosine', tMax: 10, warmupSteps: 2 } });
      const lr0 = optimizer.lr ?? 1e-3;
      assert.ok(Math.abs(t.lr - lr0 / 3) < 1e-12, `${optimizer.name}: warm-up starts at lr/3`);
      for (let i = 0; i < 3; i++) assert.ok(Number.isFinite(t.step(x, y).loss));
      assert.ok(Math.abs(t.lr - wt.optim.scheduleLr({ name: 'cosine', tMax: 10, warmupSteps: 2 }, lr0, 3)) < 1e-15);
      throwsWt(() => t.setLearningRate(0.1), 'WT_ERR_STATE', /schedule sets the lr/);
      t.dispose();
    }
    const t = new wt.Trainer(m, {
      optimizer: { name: 'sgd', lr: 0.1 },
      schedule: { name: 'multistep', milestones: [1, 2], gamma: 0.5, interval: 'epoch' },
    });
    t.step(x, y);
    assert.equal(t.lr, 0.1);
    t.endEpoch();
    assert.equal(t.epochs, 1);
    assert.equal(t.lr, 0.05);
    t.endEpoch();
    assert.equal(t.lr, 0.025);
    t.dispose();

    const sched = (s) => () => new wt.Trainer(m, { optimizer: { name: 'sgd', lr: 0.1 }, schedule: s });
    throwsWt(sched({ name: 'cosine', warmupSteps: 500 }), 'WT_ERR_ARG', /schedule.tMax is required for 'cosine'/);
    throwsWt(sched({ name: 'poly' }), 'WT_ERR_ARG', /schedule.name must be one of 'constant', 'step', 'multistep', 'cosine'/);
    throwsWt(sched({ name: 'step' }), 'WT_ERR_ARG', /schedule.stepSize is required/);
    throwsWt(sched({ name: 'step', stepSize: 0 }), 'WT_ERR_ARG', /schedule.stepSize must be an integer >= 1/);
    throwsWt(sched({ name: 'multistep', milestones: [5, 3] }), 'WT_ERR_ARG', /milestones must increase/);
    throwsWt(sched({ name: 'cosine', tMax: 10, T_max: 3 }), 'WT_ERR_ARG', /unknown option 'T_max'/);
    throwsWt(sched({ name: 'step', stepSize: 3, interval: 'batch' }), 'WT_ERR_ARG', /interval must be 'step' or 'epoch'/);
    throwsWt(sched({ name: 'constant', warmupSteps: 3, warmupStartFactor: 0 }), 'WT_ERR_ARG', /warmupStartFactor must be in \(0, 1\]/);
    throwsWt(() => new wt.Trainer(m, { optimizer: { name: 'adamw', betas: [0.9, 1.5] } }), 'WT_ERR_ARG', /betas\[1\]/);
  } finally {
    m.dispose();
  }
});

test('Trainer.getState / setState: a resumed run equals the uninterrupted one bit for bit', () => {
  const base = wt.liveBytes();
  const options = {
    optimizer: { name: 'adabound', lr: 2e-3, weightDecay: 5e-4, amsbound: true, noBiasDecay: true },
    schedule: { name: 'step', stepSize: 2, gamma: 0.5, warmupSteps: 2 },
  };
  const batch = (s) => ({
    x: Float32Array.from({ length: 4 * 64 }, (_, i) => Math.sin(i * 0.37 + s)),
    y: [s % 3, (s + 1) % 3, (s + 2) % 3, s % 3],
  });
  const m1 = wt.models.studentCNN({ inputShape: [1, 8, 8], numClasses: 3, seed: 7 });
  const t1 = new wt.Trainer(m1, options);
  for (let s = 0; s < 6; s++) t1.step(batch(s).x, batch(s).y);

  const m2 = wt.models.studentCNN({ inputShape: [1, 8, 8], numClasses: 3, seed: 7 });
  let t2 = new wt.Trainer(m2, options);
  for (let s = 0; s < 3; s++) t2.step(batch(s).x, batch(s).y);
  const state = t2.getState();
  const params = m2.getParams();
  assert.equal(state.moments.length, 3 * m2.paramCount);
  assert.equal(state.steps, 3);
  m2.dispose();
  const m3 = wt.models.studentCNN({ inputShape: [1, 8, 8], numClasses: 3, seed: 99 });
  m3.setParams(params);
  t2 = new wt.Trainer(m3, options);
  throwsWt(() => t2.setState({ ...state, moments: state.moments.subarray(1) }), 'WT_ERR_SHAPE', /floats/);
  throwsWt(() => t2.setState({ ...state, steps: -1 }), 'WT_ERR_ARG', /steps/);
  t2.setState(state);
  assert.equal(t2.steps, 3);
  for (let s = 3; s < 6; s++) t2.step(batch(s).x, batch(s).y);
  assert.deepEqual(m3.getParams(), m1.getParams());
  assert.equal(t2.lr, t1.lr);
  m1.dispose();
  m3.dispose();
  assert.equal(wt.liveBytes(), base);
});
