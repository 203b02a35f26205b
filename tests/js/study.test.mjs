// study.test.mjs - the study's pure parts (bench/study/): the job list (cells x seeds x
// configurations, baseline first, a teacher before its students), the scheduler's choice, the
// ETA arithmetic, the summary statistics (seed-paired deltas, sample std, mean curves, the
// regime check), the findings sentence and the README/SVG outputs of a small made-up result set.
// Training itself is exercised by `npm run study -- --smoke --out DIR` (the last test).
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { studyJobs, nextJob, wallSeconds, jobSeconds } from '../../bench/study/plan.mjs';
import { summarize, findings, readme, curvesSvg, deltasSvg, sizeSvg, regime, resultCells, std } from '../../bench/study/report.mjs';
import { CELLS, SEEDS, configurations, cellConfigs, teacherRun, runKey } from '../../bench/study/configs.mjs';

test('configurations: the baseline first, one teacher row, unique ids, the issue\'s list and the strong combinations', () => {
  for (const data of ['fashion-mnist', 'cifar10']) {
    const cs = configurations(data);
    assert.equal(cs[0].id, 'baseline');
    assert.equal(new Set(cs.map((c) => c.id)).size, cs.length);
    assert.equal(cs.filter((c) => c.teacher).length, 1);
    for (const id of ['label-smoothing', 'mixup', 'cutmix', 'ricap', 'cutout', 'autoaugment', 'crop-flip', 'pad-crop-flip',
      'adamw', 'adabound', 'distillation', 'bag-of-tricks', 'crop-flip-aa-cutout', 'crop-flip-aa-cutout-cutmix']) {
      assert.ok(cs.some((c) => c.id === id), `${data}: ${id}`);
    }
  }
  // every planned cell names only known configurations, and the regime sizes the issue asks for exist
  for (const cell of CELLS) assert.equal(cellConfigs(cell).length, cell.configs?.length ?? configurations(cell.data).length);
  const sizes = (data, model) => CELLS.filter((c) => c.data === data && c.model === model && !c.configs).map((c) => c.size);
  assert.ok(sizes('cifar10', 'resnet8').includes(1000) && sizes('cifar10', 'resnet8').includes(4000));
  assert.ok(sizes('fashion-mnist', 'student').includes(1000));
});

const cellA = { data: 'cifar10', model: 'resnet8', size: 1000, epochs: 10, configs: ['baseline', 'mixup', 'distillation'] };
const cellB = { data: 'cifar10', model: 'resnet20', size: 1000, epochs: 10, configs: ['baseline', 'pad-crop-flip'] };

test('studyJobs: seed by seed, baseline first, the teacher moved before its first student and marked to save weights', () => {
  const jobs = studyJobs({}, [cellA, cellB]);
  const keys = jobs.map((j) => j.key);
  const teacher = runKey(teacherRun(cellA));
  assert.equal(teacher, 'cifar10/resnet20-1000x10/pad-crop-flip/s1');
  assert.deepEqual(keys.slice(0, 4), ['cifar10/resnet8-1000x10/baseline/s1', 'cifar10/resnet8-1000x10/mixup/s1', teacher,
    'cifar10/resnet8-1000x10/distillation/s1']);
  assert.equal(new Set(keys).size, keys.length, 'the teacher is not run twice');
  assert.equal(keys.length, 3 * SEEDS.length + 2 * SEEDS.length);
  assert.ok(jobs.find((j) => j.key === teacher).saveWeights);
  assert.ok(jobs.filter((j) => j.config === 'distillation').every((j) => j.teacher === teacher));
  // a teacher whose cell is not chosen is still added
  const only = studyJobs({ cells: ['resnet8-1000x10'], seeds: [2] }, [cellA, cellB]);
  assert.deepEqual(only.map((j) => j.key), ['cifar10/resnet8-1000x10/baseline/s2', 'cifar10/resnet8-1000x10/mixup/s2', teacher,
    'cifar10/resnet8-1000x10/distillation/s2']);
  assert.deepEqual(studyJobs({ configs: ['mixup'] }, [cellA, cellB]).map((j) => j.config), SEEDS.map(() => 'mixup'));
});

test('nextJob: skips done, running and failed runs, and students whose teacher is not ready', () => {
  const jobs = studyJobs({ seeds: [1] }, [cellA, cellB]);
  const [b, m, t, kd] = jobs.map((j) => j.key);
  const state = (done, running, failed = [], ready = true) => ({ done: new Set(done), running: new Set(running), failed: new Set(failed), teacherReady: () => ready });
  assert.equal(nextJob(jobs, state([], [])).key, b);
  assert.equal(nextJob(jobs, state([b], [m])).key, t);
  assert.equal(nextJob(jobs, state([b, m], [t])).key, jobs[4].key, 'the distillation waits for its teacher');
  assert.equal(nextJob(jobs, state([b, m, t], [], [], false)).key, jobs[4].key, 'and for its weights file');
  assert.equal(nextJob(jobs, state([b, m, t], [])).key, kd);
  assert.equal(nextJob(jobs, state(jobs.map((j) => j.key), [])), undefined);
  assert.equal(nextJob(jobs, state([b, m], [], [t])).key, jobs[4].key, 'a failed teacher blocks only its students');
});

test('ETA: a job costs its images over the rate plus evaluation; wall time spreads jobs over the workers', () => {
  const job = { model: 'resnet8', size: 1000, epochs: 10 };
  const counts = { curveImages: 0, testImages: 0 };
  assert.ok(Math.abs(jobSeconds(job, 100, counts) - (10000 + 1000 / 4) / 100) < 1e-9);
  assert.ok(jobSeconds({ ...job, model: 'resnet20' }, 100, counts) > 3 * jobSeconds(job, 100, counts));
  assert.ok(jobSeconds({ ...job, teacher: 'cifar10/resnet20-1000x10/pad-crop-flip/s1' }, 100, counts) > 2 * jobSeconds(job, 100, counts));
  assert.equal(wallSeconds([5, 3, 2], 2), 5);
  assert.equal(wallSeconds([4, 4, 4, 4], 2), 8);
  assert.equal(wallSeconds([1, 2, 3], 1), 6);
});

const run = (config, seed, accuracy, curve, trainAccuracy = 0.99, extra = {}) => ({
  key: `cifar10/resnet8-1000x10/${config}/s${seed}`, data: 'cifar10', model: 'resnet8', trainSize: 1000, epochs: 10, config, seed,
  accuracy, curve, trainAccuracy, testImages: 10000, trainSeconds: 10, seconds: 12, imagesPerSecond: 100, cpu: 'Test CPU', ...extra });
const results = {
  format: 'wasmtricks-study-2', data: 'cifar10',
  runs: [
    run('baseline', 1, 0.50, [0.3, 0.4, 0.5]), run('baseline', 2, 0.52, [0.3, 0.42, 0.52]), run('baseline', 3, 0.51, [0.3, 0.41, 0.51]),
    run('mixup', 1, 0.53, [0.2, 0.4, 0.53], 0.8), run('mixup', 2, 0.54, [0.2, 0.42, 0.54], 0.8), run('mixup', 3, 0.535, [0.2, 0.41, 0.535], 0.8),
    run('distillation', 1, 0.49, [0.3, 0.4, 0.49]), run('distillation', 2, 0.50, [0.3, 0.4, 0.50], 0.99, { error: 'diverged' }),
    { ...run('pad-crop-flip', 1, 0.6, [0.5]), key: 'cifar10/resnet20-1000x10/pad-crop-flip/s1', model: 'resnet20' },
  ],
};

test('summarize: mean, sample std, seed-paired deltas in points, training accuracy, diverged runs, mean curves', () => {
  const s = summarize(results, { ...cellA, planned: true });
  const by = Object.fromEntries(s.map((x) => [x.id, x]));
  assert.deepEqual(s.map((x) => x.id), ['baseline', 'mixup', 'distillation']);
  assert.ok(Math.abs(by.baseline.accuracy.mean - 0.51) < 1e-12);
  assert.ok(Math.abs(by.baseline.accuracy.std - 0.01) < 1e-12);
  assert.ok(Math.abs(by.mixup.delta.mean - 2.5) < 1e-9, `${by.mixup.delta.mean}`);
  assert.ok(Math.abs(by.mixup.delta.std - std([3, 2, 2.5])) < 1e-9);
  assert.ok(Math.abs(by.mixup.trainAccuracy - 0.8) < 1e-12);
  assert.equal(by.distillation.n, 2);
  assert.equal(by.distillation.diverged, 1);
  assert.ok(Math.abs(by.distillation.delta.mean + 1.5) < 1e-9);
  assert.deepEqual(by.baseline.curve.map((v) => Math.round(v * 1000)), [300, 410, 510]);
  assert.equal(std([5]), 0);
  // time per run: the median run, by CPU time where a run has it (a paused run's wall time is not its cost)
  assert.equal(by.baseline.trainSeconds, 10);
  const timed = { ...results, runs: results.runs.map((r) => (r.config !== 'baseline' ? r
    : { ...r, trainSeconds: 100 * r.seed, trainCpuSeconds: r.seed === 2 ? undefined : 5 * r.seed })) };
  assert.equal(summarize(timed, { ...cellA, planned: true })[0].trainSeconds, 15, 'median of 5, 200 (no CPU time: wall) and 15');
  // the teacher's cell is found from its run, with only the configurations it has
  const cells = resultCells(results, [cellA]);
  assert.equal(cells.length, 2);
  assert.equal(cells[1].planned, false);
  assert.deepEqual(summarize(results, cells[1]).map((x) => x.id), ['pad-crop-flip']);
});

test('findings and regime: helped, hurt, within noise; the baseline must fit its subset', () => {
  const s = summarize(results, { ...cellA, planned: true });
  const f = findings(s);
  assert.match(f, /Helped by more than their seed-to-seed spread: \+ mixup 0\.2 \(\+2\.50\)/);
  assert.match(f, /Hurt by more than their spread: \+ distillation \(−1\.50\)/);
  assert.match(regime(s), /fits its training subset \(final training accuracy 99\.0% >= 95%\)/);
  const unfit = { ...results, runs: results.runs.map((r) => (r.config === 'baseline' ? { ...r, trainAccuracy: 0.6 } : r)) };
  assert.match(regime(summarize(unfit, { ...cellA, planned: true })), /Regime check failed.*60\.0%.*needs more epochs/);
  assert.match(regime(summarize({ ...results, runs: [] }, { ...cellA, planned: true })), /has not finished/);
});

test('readme and charts: a table per cell, missing runs named, the delta-vs-size chart', () => {
  const md = readme(results, [cellA]);
  assert.match(md, /partial: 8 of 9 planned runs finished/);
  assert.match(md, /\*\*Missing\*\* \(1 of 9 runs\): distillation s3/);
  assert.match(md, /## ResNet-8, 1,000 images x 10 epochs/);
  assert.match(md, /\| \+ mixup 0\.2 \| 53\.50 ± 0\.50 \| \+2\.50 ± 0\.50 \| 80\.0 \| 10 s \| 3 \|/);
  assert.match(md, /\| \+ distillation \| 49\.50 ± 0\.71 \| −1\.50 ± 0\.71 \| 99\.0 \| 10 s \| 2 \(1 diverged\) \|/);
  assert.match(md, /## ResNet-20, 1,000 images x 10 epochs/, 'the teacher cell has its own table');
  assert.match(md, /whole test split\*\* \(10,000 images\)/);
  const later = { data: 'cifar10', model: 'resnet8', size: 10000, epochs: 5, configs: ['baseline', 'mixup'] };
  assert.match(readme(results, [cellA, later]), /## ResNet-8, 10,000 images x 5 epochs\n\n\*\*Not started\*\* \(6 runs: baseline, mixup\)/);
  const s = summarize(results, { ...cellA, planned: true });
  assert.equal((curvesSvg(s, { title: 'c' }).match(/class="wt-line"/g) ?? []).length, 3);
  assert.equal((deltasSvg(s, { title: 'd' }).match(/class="wt-bar"/g) ?? []).length, 2);
  // two sizes of a full cell -> one line per configuration, error bars where seeds differ
  const full = (size) => ({ data: 'cifar10', model: 'resnet8', size, epochs: 10 });
  const twoSizes = { ...results, runs: [...results.runs, ...results.runs.filter((r) => r.model === 'resnet8')
    .map((r) => ({ ...r, trainSize: 4000, key: r.key.replace('1000x', '4000x'), accuracy: r.accuracy + 0.1 }))] };
  const svg = sizeSvg(twoSizes, { title: 'size', cells: [full(1000), full(4000)] });
  assert.equal((svg.match(/class="wt-line"/g) ?? []).length, 2);
  assert.equal((svg.match(/class="wt-errorbar"/g) ?? []).length, 4);
  assert.match(svg, />1,000<\/text>/);
});

test('npm run study -- --smoke: the whole pipeline on tiny cells, resumable, outputs written', { timeout: 600_000 }, () => {
  const out = mkdtempSync(join(tmpdir(), 'wt-study-'));
  try {
    const cli = (args) => execFileSync(process.execPath, ['bench/study/run.mjs', '--smoke', '--out', out, ...args], { encoding: 'utf8' });
    assert.throws(() => execFileSync(process.execPath, ['bench/study/run.mjs', '--smoke'], { stdio: 'pipe' }), /--smoke needs --out/);
    cli(['--max-runs', '2']);
    const first = JSON.parse(readFileSync(join(out, 'fashion-mnist', 'results.json'), 'utf8'));
    assert.equal(first.runs.length, 2);
    cli([]);
    const r = JSON.parse(readFileSync(join(out, 'fashion-mnist', 'results.json'), 'utf8'));
    assert.equal(r.runs.length, 2 * 2 * 3 + 2, 'two cells x two seeds x three configurations, plus the two teachers');
    assert.deepEqual(r.runs.slice(0, 2), first.runs, 'the finished runs are kept');
    for (const x of r.runs) {
      assert.equal(x.testImages, 1000, 'the smoke cells test on a 1,000-image subset');
      assert.equal(x.trainImages, x.trainSize);
      assert.ok(x.trainAccuracy >= 0 && x.trainAccuracy <= 1 && x.accuracy >= 0 && x.accuracy <= 1, JSON.stringify(x));
      assert.equal(x.curve.length, x.epochs);
      assert.ok(x.trainCpuSeconds > 0 && x.cpuSeconds >= x.trainCpuSeconds, `CPU time recorded: ${x.trainCpuSeconds}, ${x.cpuSeconds}`);
    }
    const files = readdirSync(join(out, 'fashion-mnist'));
    for (const f of ['README.md', 'deltas-size.svg', 'curves-student-100x2.svg', 'deltas-student-200x2.svg', 'teachers']) assert.ok(files.includes(f), f);
    assert.match(cli(['--dry-run']), /0 to go/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
