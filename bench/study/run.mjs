#!/usr/bin/env node
// run.mjs - the bag-of-tricks study (`npm run study -- --data fashion-mnist --budget 240`): trains
// the data set's fixed model once per configuration (configs.mjs) and seed with the same number
// of optimizer steps, the size per run set from the budget and speeds measured at the start
// (plan.mjs); a teacher for the distillation row is trained once. Results are appended run by
// run to <out>/<data>/results.json (atomically), and each run writes a checkpoint per epoch
// under .cache/study/, so rerunning the same command continues where a study stopped. After
// every run the README table and the two SVG charts are rewritten (report.mjs). Not part of the
// package; not in the test run (tests/js/study.test.mjs tests its pure parts).

import { parseArgs } from 'node:util';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve, relative } from 'node:path';
import os from 'node:os';
import { init } from '../../js/index.js';
import { writeFileAtomic, decodeCheckpoint } from '../../js/checkpoint.js';
import { BATCH_SIZE, DATA_SEED, DATA_NAMES, TEACHER_EPOCH_FACTOR, TEACHER_MODELS, configurations, dataInfo, teacherConfig } from './configs.mjs';
import { planStudy, runSeconds } from './plan.mjs';
import { summarize, readme, curvesSvg, deltasSvg, fmtDuration } from './report.mjs';
import { loadData, CACHE, ROOT } from './data.mjs';

const USAGE = `usage: npm run study -- --data fashion-mnist|cifar10 --budget MINUTES [options]

Trains every configuration of the bag-of-tricks study (baseline, + label smoothing, + mixup,
+ CutMix, + RICAP, + Cutout, + AutoAugment, + crop/flip, AdamW, AdaBound, + distillation, the
bag-of-tricks preset) for several seeds with the same number of optimizer steps, and writes
<out>/<data>/README.md (table), curves.svg, deltas.svg and results.json. Rerun the same command
to continue an interrupted study.

  --data NAME        fashion-mnist or cifar10 (../shared/data/cifar10-jpeg.tar.gz, extracted
                     into .cache/)
  --budget MINUTES   wall time for the whole study, teacher included: sets the per-run size
  --seeds N          seeds per configuration                            [default: 3]
  --out DIR          output folder (a <data>/ folder is made inside)    [default: docs/study]
  --limit N          training images per epoch (a seeded subset); the budget sets the epochs
  --epochs N         epochs per run; the budget sets the training images [default: 10 when
                     neither --limit nor --epochs is given]
  --test-limit N     the final accuracy of each run on a seeded subset of N test
                     images                                            [default: all]
  --curve-limit N    test images (a seeded subset) evaluated after every epoch for the
                     curves; 0: none                                   [default: 1000]
  --configs A,B,...  only these configuration ids (baseline first for the deltas)
  --teacher MODEL    the distillation teacher: student, resnet8 ... resnet56 [default: resnet20]
  --plan-only        measure the speeds, print the per-run size and the time estimate, stop
  -h, --help         this text
`;

class UsageError extends Error {}

function parse(argv) {
  let v;
  try {
    ({ values: v } = parseArgs({ args: argv, strict: true, allowPositionals: false, options: {
      data: { type: 'string' }, budget: { type: 'string' }, seeds: { type: 'string' }, out: { type: 'string' },
      limit: { type: 'string' }, epochs: { type: 'string' }, 'test-limit': { type: 'string' }, 'curve-limit': { type: 'string' },
      configs: { type: 'string' }, teacher: { type: 'string' }, 'plan-only': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    } }));
  } catch (e) {
    throw new UsageError(e.message.split('\n')[0]);
  }
  if (v.help) return { help: true };
  if (v.data === undefined) throw new UsageError('--data is required (fashion-mnist or cifar10)');
  if (!DATA_NAMES.includes(v.data)) throw new UsageError(`--data must be one of ${DATA_NAMES.join(', ')}, got '${v.data}'`);
  if (v.budget === undefined) throw new UsageError('--budget MINUTES is required (wall time for the whole study)');
  const number = (name, { integer = true, min = 1 } = {}) => {
    if (v[name] === undefined) return undefined;
    const x = Number(v[name]);
    if (v[name].trim() === '' || !Number.isFinite(x) || (integer && !Number.isSafeInteger(x)) || x < min) {
      throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got '${v[name]}'`);
    }
    return x;
  };
  const o = {
    data: v.data, budget: number('budget', { integer: false, min: 0.1 }), seeds: number('seeds') ?? 3,
    out: v.out ?? 'docs/study', limit: number('limit', { min: BATCH_SIZE }), epochs: number('epochs'),
    testLimit: number('test-limit'), curveLimit: number('curve-limit', { min: 0 }) ?? 1000, planOnly: !!v['plan-only'],
  };
  if (v.teacher !== undefined && !TEACHER_MODELS.includes(v.teacher)) {
    throw new UsageError(`--teacher must be one of ${TEACHER_MODELS.join(', ')}, got '${v.teacher}'`);
  }
  o.teacher = v.teacher;
  const all = configurations(o.data);
  if (v.configs !== undefined) {
    const ids = v.configs.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = ids.filter((id) => !all.some((c) => c.id === id));
    if (bad.length || !ids.length) {
      throw new UsageError(`--configs: unknown configuration '${bad[0] ?? ''}' (known: ${all.map((c) => c.id).join(', ')})`);
    }
    o.configs = ids;
  }
  return o;
}

/** A path as the user would type it: relative when under the current folder. */
const show = (p) => (relative(process.cwd(), p).startsWith('..') ? p : relative(process.cwd(), p));
const quote = (s) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);
const enc = (obj) => new TextEncoder().encode(`${JSON.stringify(obj, null, 1)}\n`);
const fmtClock = (s) => {
  if (!Number.isFinite(s)) return '--:--';
  s = Math.max(0, Math.round(s));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h ? `${h}:${String(m).padStart(2, '0')}` : m}:${String(s % 60).padStart(2, '0')}`;
};

function makeModel(wt, spec, data, seed) {
  const o = { inputShape: [...data.shape], numClasses: data.numClasses, seed };
  if (spec.name === 'student') return wt.models.studentCNN(o);
  return wt.models.resnet({ ...o, depth: Number(spec.name.slice('resnet'.length)) });
}

/** Images per second of training steps (after a warm-up batch) and of inference. */
async function speed(wt, spec, options, data, test, trainImages) {
  const model = makeModel(wt, spec, data, 1);
  const trainer = new wt.Trainer(model, options);
  try {
    await trainer.fit(data.take(BATCH_SIZE), { epochs: 1, batchSize: BATCH_SIZE });
    const r = await trainer.fit(data.take(trainImages), { epochs: 1, batchSize: BATCH_SIZE });
    let evalRate;
    if (test) {
      const t0 = performance.now();
      trainer.evaluate(test);
      evalRate = test.length / ((performance.now() - t0) / 1000);
    }
    return { train: trainImages / r.history[0].seconds, eval: evalRate };
  } finally {
    trainer.dispose();
    model.dispose();
  }
}

/** The speeds the plan needs: each configuration's training step (distillation with an
    untrained teacher of the right architecture: the cost does not depend on the weights), the
    student's inference, the teacher's step and inference. Two interleaved rounds, the faster
    of the two kept: other processes on the machine only ever slow a measurement down. */
async function calibrate(wt, data, tc, configs, train, test, say) {
  const info = dataInfo(data);
  const cal = train.sample(Math.min(train.length, 3 * BATCH_SIZE), { seed: DATA_SEED + 1 });
  const calTest = test.sample(Math.min(test.length, 256), { seed: DATA_SEED + 1 });
  const rates = { train: {}, eval: 0, teacherTrain: Infinity, teacherEval: Infinity };
  let teacher = null;
  try {
    if (configs.some((c) => c.teacher)) {
      const t = await speed(wt, tc.model, tc.options, cal, calTest, 2 * BATCH_SIZE);
      Object.assign(rates, { teacherTrain: t.train, teacherEval: t.eval });
      teacher = makeModel(wt, tc.model, cal, 1);
    }
    for (let round = 0; round < 2; round++) {
      for (const c of configs) {
        const s = await speed(wt, info.model, c.teacher ? { ...c.options, teacher } : c.options, cal, calTest, 2 * BATCH_SIZE);
        rates.train[c.id] = Math.max(rates.train[c.id] ?? 0, s.train);
        rates.eval = Math.max(rates.eval, s.eval);
        if (round) say.line(`study:   ${c.name}: ${rates.train[c.id].toFixed(0)} img/s`);
      }
    }
  } finally {
    teacher?.dispose();
  }
  return rates;
}

/** A progress line: redrawn in place on a terminal, one line per epoch otherwise. */
function progressPrinter() {
  const tty = process.stdout.isTTY;
  let last = 0;
  return {
    step(head, p, studyEta) {
      if (!tty) return;
      const now = performance.now();
      if (now - last < 250 && p.step !== p.steps) return;
      last = now;
      process.stdout.write(`\r\x1b[K${head} | epoch ${p.epoch}/${p.epochs} ${String(Math.floor((100 * p.step) / p.steps)).padStart(3)}% | ` +
        `loss ${p.loss.toFixed(3)} | ${p.imagesPerSecond.toFixed(0)} img/s | run ETA ${fmtClock(p.eta)} | study ETA ${fmtClock(studyEta)}`);
    },
    epoch(head, p, studyEta) {
      const msg = `${head} | epoch ${p.epoch}/${p.epochs}${p.validation ? ` | test ${(100 * p.validation.accuracy).toFixed(2)}%` : ''} | ` +
        `${p.imagesPerSecond.toFixed(0)} img/s | study ETA ${fmtClock(studyEta)}`;
      process.stdout.write(tty ? `\r\x1b[K${msg}\n` : `${msg}\n`);
    },
    line(msg) { process.stdout.write(tty ? `\r\x1b[K${msg}\n` : `${msg}\n`); },
  };
}

/**
 * One training run with a checkpoint per epoch (and a sidecar with the curve so far) in
 * `partial`; an existing pair of the same run is resumed. curveSet (optional) is evaluated after
 * every epoch, test at the end. Returns the run's record, its trainer and model (the caller
 * disposes them) and its partial files.
 */
async function trainRun(wt, { id, spec, options, seed, epochs, train, test, curveSet, partial, signal, onStep, onEpoch }) {
  const ckpt = join(partial, `${id}-s${seed}.ckpt`);
  const side = `${ckpt}.json`;
  let state = { epoch: 0, curve: [], trainSeconds: 0, seconds: 0 };
  let resume;
  if (existsSync(ckpt) && existsSync(side)) {
    try {
      const s = JSON.parse(readFileSync(side, 'utf8'));
      const bytes = new Uint8Array(readFileSync(ckpt));
      if (decodeCheckpoint(bytes).epoch === s.epoch && s.curve.length === (curveSet ? s.epoch : 0)) {
        state = s;
        resume = bytes;
      }
    } catch { /* an unreadable pair: start the run again */ }
  }
  const model = makeModel(wt, spec, train, seed);
  let trainer;
  let pending = Promise.resolve();
  try {
    trainer = new wt.Trainer(model, { ...options, seed });
    let mark = performance.now();
    await trainer.fit(train, { epochs, batchSize: BATCH_SIZE, validation: curveSet ?? undefined, checkpoint: ckpt, resume, signal,
      onProgress: (p) => {
        if (p.type === 'step') return onStep?.(p, state);
        const now = performance.now();
        const v = p.validation;
        state = { epoch: p.epoch, curve: v ? [...state.curve, v.accuracy] : [], trainSeconds: state.trainSeconds + p.seconds,
          seconds: state.seconds + (now - mark) / 1000 };
        mark = now;
        const snap = state;
        pending = pending.then(() => writeFileAtomic(side, enc(snap)));
        onEpoch?.(p, state);
      } });
    await pending;
    const e0 = performance.now();
    const v = trainer.evaluate(test);
    state.seconds += (performance.now() - e0) / 1000;
    const out = { accuracy: v.accuracy, top5: v.top5, loss: v.loss, curve: state.curve,
      trainSeconds: state.trainSeconds, seconds: state.seconds,
      imagesPerSecond: (epochs * train.length) / state.trainSeconds, resumed: resume !== undefined };
    return { record: out, trainer, model, files: [ckpt, side] };
  } catch (e) {
    await pending.catch(() => {});
    trainer?.dispose();
    model.dispose();
    throw e;
  }
}

async function writeReport(dir, results, configs, data, tc) {
  const info = dataInfo(data);
  const summary = summarize(results, configs);
  const title = info.title;
  await writeFileAtomic(join(dir, 'curves.svg'), new TextEncoder().encode(curvesSvg(summary, { title: `${title}: test accuracy per epoch (mean of ${results.key.seeds} seed${results.key.seeds > 1 ? 's' : ''})` })));
  await writeFileAtomic(join(dir, 'deltas.svg'), new TextEncoder().encode(deltasSvg(summary, { title: `${title}: change in test accuracy vs the baseline (mean ± std over seeds)` })));
  await writeFileAtomic(join(dir, 'README.md'), new TextEncoder().encode(readme(results, summary, {
    title, configs, dataNote: { model: info.modelNote, baseline: info.baselineNote }, teacherNote: tc.note })));
  return summary;
}

async function main(argv) {
  const o = parse(argv);
  if (o.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const t0 = performance.now();
  const say = progressPrinter();
  const configs = configurations(o.data).filter((c) => !o.configs || o.configs.includes(c.id));
  const dir = resolve(o.out, o.data);
  const resultsFile = join(dir, 'results.json');
  const key = { data: o.data, budget: o.budget, seeds: o.seeds, limit: o.limit ?? null, epochs: o.epochs ?? null,
    testLimit: o.testLimit ?? null, curveLimit: o.curveLimit, configs: o.configs ?? null, teacher: o.teacher ?? null };
  let results = null;
  if (existsSync(resultsFile)) {
    results = JSON.parse(readFileSync(resultsFile, 'utf8'));
    if (JSON.stringify(results.key) !== JSON.stringify(key)) {
      throw new UsageError(`${show(resultsFile)} belongs to another study (${JSON.stringify(results.key)}); ` +
        'rerun that command to continue it, or choose another --out');
    }
  }

  const wt = await init();
  say.line(`study: loading ${dataInfo(o.data).title}...`);
  const full = await loadData(wt, o.data);
  const test = full.test.sample(Math.min(o.testLimit ?? Infinity, full.test.length), { seed: DATA_SEED });
  const curveSet = o.curveLimit ? full.test.sample(Math.min(o.curveLimit, full.test.length), { seed: DATA_SEED }) : null;
  const withTeacher = configs.some((c) => c.teacher);
  const tc = teacherConfig(o.data, o.teacher);
  const seeds = Array.from({ length: o.seeds }, (_, i) => i + 1);

  if (!results) {
    say.line(`study: measuring speeds (${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)})...`);
    const rates = await calibrate(wt, o.data, tc, configs, full.train, full.test, say);
    const spent = (performance.now() - t0) / 1000;
    const counts = { configs: configs.map((c) => ({ id: c.id, teacher: !!c.teacher })), seeds: o.seeds, test: test.length,
      curve: curveSet?.length ?? 0 };
    const plan = planStudy({ budgetSeconds: o.budget * 60 - spent, rates, counts, trainSize: full.train.length,
      limit: o.limit, epochs: o.epochs });
    Object.assign(plan, { batchSize: BATCH_SIZE, test: test.length, curve: counts.curve, testSize: full.test.length, trainSize: full.train.length,
      teacherEpochs: TEACHER_EPOCH_FACTOR * plan.epochs, rates });
    say.line(`study: ${configs.length} configurations x ${o.seeds} seeds = ${configs.length * o.seeds} runs; per run ${plan.limit} training images x ` +
      `${plan.epochs} epochs = ${plan.steps} steps of ${BATCH_SIZE}; test accuracy on ${counts.curve} images after every epoch, on ${test.length} at the end` +
      `${withTeacher ? `; teacher ${tc.model.name} ${plan.teacherEpochs} epochs` : ''}`);
    say.line(`study: measured ${rates.eval.toFixed(0)} img/s inference` +
      `${withTeacher ? `; teacher ${rates.teacherTrain.toFixed(0)} img/s training, ${rates.teacherEval.toFixed(0)} img/s inference` : ''}; ` +
      `estimate ${fmtDuration(plan.estimate.total + spent)} (students ${fmtDuration(plan.estimate.student)}, teacher ${fmtDuration(plan.estimate.teacher)}, ` +
      `loading and measuring ${fmtDuration(spent)})`);
    for (const w of plan.warnings) say.line(`study: warning: ${w}`);
    if (o.planOnly) return 0;
    const cpu = os.cpus();
    results = {
      format: 'wasmtricks-study-1', key, command: `npm run study -- ${argv.map(quote).join(' ')}`, plan,
      machine: { cores: cpu.length, cpu: cpu[0]?.model ?? '', node: process.version, kernel: wt.kernelName,
        loadAverage: os.loadavg()[0],
        note: `${cpu.length} cores (${cpu[0]?.model ?? 'unknown CPU'}), one used by the study (single-threaded), load average ${os.loadavg()[0].toFixed(1)} at the start; Node ${process.version}, kernel ${wt.kernelName}` },
      overheadSeconds: 0, teacher: null, runs: [],
    };
    mkdirSync(dir, { recursive: true });
  } else if (o.planOnly) {
    say.line(`study: ${show(resultsFile)} has the plan: ${results.plan.limit} images x ${results.plan.epochs} epochs per run, ${results.runs.length} runs done`);
    return 0;
  }
  const plan = results.plan;
  const trainSet = full.train.sample(plan.limit, { seed: DATA_SEED });
  results.overheadSeconds += (performance.now() - t0) / 1000;
  const save = () => writeFileAtomic(resultsFile, enc(results));
  await save();

  const partial = join(CACHE, 'study', createHash('sha1').update(dir).digest('hex').slice(0, 12));
  mkdirSync(partial, { recursive: true });
  const ac = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    if (++interrupts > 1) process.exit(130);
    say.line('study: stopping after the current step (Ctrl-C again to quit now); rerun the same command to continue');
    ac.abort();
  };
  process.on('SIGINT', onSigint);

  // The study ETA: the plan's estimate of what is left, scaled by how this session's runs
  // compared with their estimates.
  const r = plan.rates;
  const runEstimate = (c) => runSeconds(c, plan, r, plan);
  const teacherEstimate = TEACHER_EPOCH_FACTOR * plan.images / r.teacherTrain + plan.test / r.teacherEval;
  let actual = 0;
  let estimated = 0;
  const todo = seeds.flatMap((seed) => configs.map((c) => ({ c, seed })))
    .filter(({ c, seed }) => !results.runs.some((x) => x.config === c.id && x.seed === seed));
  const left = (from) => todo.slice(from).reduce((s, { c }) => s + runEstimate(c), 0) +
    (withTeacher && !results.teacher ? teacherEstimate : 0);
  const scale = () => (estimated > 0 ? actual / estimated : 1);

  let teacher = null;
  try {
    if (withTeacher && todo.some(({ c }) => c.teacher)) {
      const file = join(partial, 'teacher.safetensors');
      if (results.teacher && existsSync(file)) {
        teacher = wt.models.load(new Uint8Array(readFileSync(file)));
      } else {
        const head = `[teacher] ${tc.model.name}, ${plan.teacherEpochs} epochs`;
        const { record, trainer, model, files } = await trainRun(wt, { id: 'teacher', spec: tc.model, options: tc.options, seed: 1,
          epochs: plan.teacherEpochs, train: trainSet, test, partial, signal: ac.signal,
          onStep: (p) => say.step(head, p, p.eta + plan.test / r.teacherEval + scale() * (left(0) - teacherEstimate)),
          onEpoch: (p) => say.epoch(head, p, scale() * left(0) * (1 - p.epoch / plan.teacherEpochs)) });
        trainer.dispose();
        teacher = model;
        await writeFileAtomic(file, model.save());
        results.teacher = { model: tc.model.name, epochs: plan.teacherEpochs, ...record, file: relative(ROOT, file) };
        if (!record.resumed) {
          actual += record.seconds;
          estimated += teacherEstimate;
        }
        await save();
        for (const f of files) rmSync(f, { force: true });
        say.line(`${head}: test ${(100 * record.accuracy).toFixed(2)}% in ${fmtDuration(record.seconds)}`);
      }
      teacher.eval();
    }
    for (const [k, { c, seed }] of todo.entries()) {
      const n = results.runs.length + 1;
      const head = `[${n}/${configs.length * seeds.length}] ${c.name}, seed ${seed}`;
      const { record, trainer, model, files } = await trainRun(wt, { id: c.id, spec: dataInfo(o.data).model,
        options: c.teacher ? { ...c.options, teacher } : c.options, seed, epochs: plan.epochs, train: trainSet, test, curveSet, partial,
        signal: ac.signal,
        onStep: (p) => say.step(head, p, p.eta + scale() * (left(k + 1) + ((plan.epochs - p.epoch + 1) * plan.curve + plan.test) / r.eval)),
        onEpoch: (p) => say.epoch(head, p, scale() * (left(k + 1) + runEstimate(c) * (1 - p.epoch / plan.epochs))) });
      trainer.dispose();
      model.dispose();
      results.runs.push({ config: c.id, seed, ...record, finishedAt: new Date().toISOString() });
      if (!record.resumed) {
        actual += record.seconds;
        estimated += runEstimate(c);
      }
      await save();
      for (const f of files) rmSync(f, { force: true });
      await writeReport(dir, results, configs, o.data, tc);
      say.line(`${head}: test ${(100 * record.accuracy).toFixed(2)}%, ${record.imagesPerSecond.toFixed(0)} img/s, ` +
        `${fmtDuration(record.seconds)} | study ETA ${fmtClock(scale() * left(k + 1))}`);
    }
  } catch (e) {
    if (e.name === 'AbortError' || ac.signal.aborted) {
      say.line(`study: interrupted; ${results.runs.length} runs saved in ${show(resultsFile)} ` +
        '(the current run continues from its last epoch when the same command is rerun)');
      return 130;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
    teacher?.dispose();
  }
  const summary = await writeReport(dir, results, configs, o.data, tc);
  const w = Math.max(...summary.map((s) => s.name.length));
  say.line(`\n${'configuration'.padEnd(w)}  accuracy (%)    delta     train s/run`);
  for (const s of summary) {
    say.line(`${s.name.padEnd(w)}  ${(100 * s.accuracy.mean).toFixed(2).padStart(6)} ± ${(100 * s.accuracy.std).toFixed(2).padEnd(5)} ` +
      `${s === summary[0] ? '     -' : `${s.delta.mean >= 0 ? '+' : ''}${s.delta.mean.toFixed(2)}`.padStart(6)}  ${s.trainSeconds.toFixed(0).padStart(8)}`);
  }
  say.line(`study: done; ${show(join(dir, 'README.md'))}, curves.svg, deltas.svg, results.json`);
  return 0;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => {
  if (e instanceof UsageError) {
    process.stderr.write(`study: ${e.message} (see --help)\n`);
    process.exitCode = 2;
    return;
  }
  process.stderr.write(`study: ${e.code ? `${e.code}: ` : ''}${e.message}\n`);
  process.exitCode = 1;
});
