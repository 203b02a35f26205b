// study.test.mjs - the study's pure parts (node --test bench/study/): the budget arithmetic
// (equal steps per run, the budget met, the fixed side respected), the summary statistics
// (seed-paired deltas, sample std, mean curves), the findings sentence and the README/SVG
// outputs of a small made-up result set. Training itself is exercised by the tiny runs.
import test from 'node:test';
import assert from 'node:assert/strict';
import { planStudy, studySeconds, DEFAULT_EPOCHS } from '../../bench/study/plan.mjs';
import { summarize, findings, readme, curvesSvg, deltasSvg, std } from '../../bench/study/report.mjs';
import { configurations, BATCH_SIZE } from '../../bench/study/configs.mjs';

const configs = configurations('fashion-mnist');
const counts = { configs: configs.map((c) => ({ id: c.id, teacher: !!c.teacher })), seeds: 3, curve: 1000, test: 10000 };
const rates = { train: Object.fromEntries(configs.map((c) => [c.id, c.teacher ? 60 : 120])), eval: 300, teacherTrain: 40, teacherEval: 100 };

test('configurations: the baseline first, one teacher row, unique ids, the issue\'s list', () => {
  for (const data of ['fashion-mnist', 'cifar10']) {
    const cs = configurations(data);
    assert.equal(cs[0].id, 'baseline');
    assert.equal(new Set(cs.map((c) => c.id)).size, cs.length);
    assert.equal(cs.filter((c) => c.teacher).length, 1);
    for (const id of ['label-smoothing', 'mixup', 'cutmix', 'ricap', 'cutout', 'autoaugment', 'crop-flip', 'adamw', 'adabound', 'distillation', 'bag-of-tricks']) {
      assert.ok(cs.some((c) => c.id === id), `${data}: ${id}`);
    }
  }
});

test('planStudy: the budget sets the training images for fixed epochs, and the epochs for a fixed limit', () => {
  const budgetSeconds = 4 * 3600;
  const p = planStudy({ budgetSeconds, rates, counts, trainSize: 60000 });
  assert.equal(p.epochs, DEFAULT_EPOCHS);
  assert.ok(p.estimate.total <= budgetSeconds && p.estimate.total > 0.97 * budgetSeconds, `${p.estimate.total} s`);
  assert.equal(p.steps, Math.ceil(p.limit / BATCH_SIZE) * p.epochs);
  assert.deepEqual(p.warnings, []);
  const q = planStudy({ budgetSeconds, rates, counts, trainSize: 60000, limit: 5000 });
  assert.equal(q.limit, 5000);
  assert.ok(q.estimate.total <= budgetSeconds);
  assert.ok(studySeconds({ limit: 5000, epochs: q.epochs + 1 }, rates, counts).total > budgetSeconds, 'one more epoch would not fit');
  const e = planStudy({ budgetSeconds, rates, counts, trainSize: 60000, epochs: 4 });
  assert.equal(e.epochs, 4);
  assert.ok(e.limit > p.limit);
});

test('planStudy: a budget larger than the data set takes it all and more epochs; a tiny one warns', () => {
  const big = planStudy({ budgetSeconds: 1000 * 3600, rates, counts, trainSize: 60000 });
  assert.equal(big.limit, 60000);
  assert.ok(big.epochs > DEFAULT_EPOCHS);
  const tiny = planStudy({ budgetSeconds: 60, rates, counts, trainSize: 60000, limit: 500 });
  assert.equal(tiny.epochs, 1);
  assert.ok(tiny.warnings.some((w) => /too small for one epoch/.test(w)));
  assert.ok(tiny.warnings.some((w) => /over the budget \(1 min left/.test(w)));
  assert.ok(tiny.warnings.some((w) => /evaluation .* takes \d+% of the time/.test(w)));
  // without the distillation row there is no teacher to pay for
  const noKd = { ...counts, configs: counts.configs.filter((c) => !c.teacher) };
  assert.equal(studySeconds({ limit: 1000, epochs: 2 }, rates, noKd).teacher, 0);
  assert.ok(studySeconds({ limit: 1000, epochs: 2 }, rates, counts).teacher > 0);
});

const run = (config, seed, accuracy, curve) => ({ config, seed, accuracy, curve, trainSeconds: 10, seconds: 12, imagesPerSecond: 100 });
const results = {
  key: { data: 'fashion-mnist', budget: 60, seeds: 3 },
  command: 'npm run study -- --data fashion-mnist --budget 60',
  plan: { limit: 2000, epochs: 3, steps: 96, batchSize: 64, test: 10000, testSize: 10000, curve: 1000, estimate: { total: 3500 } },
  machine: { note: '2 cores <test>' },
  teacher: { accuracy: 0.9, seconds: 100 },
  overheadSeconds: 20,
  runs: [
    run('baseline', 1, 0.80, [0.7, 0.75, 0.8]), run('baseline', 2, 0.82, [0.7, 0.77, 0.82]), run('baseline', 3, 0.81, [0.7, 0.76, 0.81]),
    run('mixup', 1, 0.83, [0.6, 0.7, 0.83]), run('mixup', 2, 0.84, [0.6, 0.72, 0.84]), run('mixup', 3, 0.835, [0.6, 0.71, 0.835]),
    run('cutmix', 1, 0.79, [0.6, 0.7, 0.79]), run('cutmix', 2, 0.81, [0.6, 0.7, 0.81]), run('cutmix', 3, 0.80, [0.6, 0.7, 0.8]),
    run('ricap', 1, 0.70, [0.5, 0.6, 0.7]), run('ricap', 2, 0.71, [0.5, 0.6, 0.71]),
    run('label-smoothing', 1, 0.81, [0.7, 0.75, 0.81]), run('label-smoothing', 2, 0.80, [0.7, 0.75, 0.80]), run('label-smoothing', 3, 0.83, [0.7, 0.75, 0.83]),
  ],
};

test('summarize: mean, sample std, seed-paired deltas in points, mean curves', () => {
  const s = summarize(results, configs);
  const by = Object.fromEntries(s.map((x) => [x.id, x]));
  assert.ok(Math.abs(by.baseline.accuracy.mean - 0.81) < 1e-12);
  assert.ok(Math.abs(by.baseline.accuracy.std - 0.01) < 1e-12);
  assert.ok(Math.abs(by.mixup.delta.mean - 2.5) < 1e-9, `${by.mixup.delta.mean}`);
  assert.ok(Math.abs(by.mixup.delta.std - std([3, 2, 2.5])) < 1e-9);
  assert.ok(Math.abs(by.cutmix.delta.mean + 1) < 1e-9);
  assert.ok(by.cutmix.delta.std < 1e-9);
  assert.equal(by.ricap.n, 2);
  assert.equal(by.ricap.delta.n, 2);
  assert.deepEqual(by.baseline.curve.map((v) => Math.round(v * 1000)), [700, 760, 810]);
  assert.equal(by.adamw.n, 0);
  assert.ok(Number.isNaN(by.adamw.accuracy.mean));
  assert.equal(std([5]), 0);
});

test('findings: helped, hurt and within-noise groups', () => {
  const f = findings(summarize(results, configs));
  assert.match(f, /Helped by more than their seed-to-seed spread: \+ mixup 0\.2 \(\+2\.50\)/);
  assert.match(f, /Hurt by more than their spread: \+ RICAP 0\.3 \(−10\.50\), \+ CutMix 1\.0 \(−1\.00\)/);
  assert.match(f, /Within the spread of the seeds: \+ label smoothing 0\.1 \(\+0\.33\)/);
});

test('readme and charts: the table has a row per configuration, partial studies say so, SVGs are built', () => {
  const s = summarize(results, configs);
  const md = readme(results, s, { title: 'Fashion-MNIST', configs, dataNote: { model: 'm', baseline: 'b' }, teacherNote: 't' });
  assert.match(md, /partial: 14 of 36 runs finished/);
  assert.match(md, /npm run study -- --data fashion-mnist --budget 60/);
  assert.match(md, /\| \+ mixup 0\.2 \| 83\.50 ± 0\.50 \| \+2\.50 ± 0\.50 \| 10 s \| 100 \| 3 \|/);
  assert.match(md, /\| AdamW \| - ± 0\.00 \| - ± 0\.00 \| - s \| - \| 0 \|/);
  assert.equal(md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| configuration')).length, configs.length);
  const curves = curvesSvg(s, { title: 'c' });
  assert.equal((curves.match(/class="wt-line"/g) ?? []).length, 5);
  const deltas = deltasSvg(s, { title: 'd' });
  assert.equal((deltas.match(/class="wt-bar"/g) ?? []).length, 4);
});
