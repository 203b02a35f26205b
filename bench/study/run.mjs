#!/usr/bin/env node
// run.mjs - the bag-of-tricks study (`npm run study`): every configuration of every cell
// (configs.mjs: data set, model, training-set size, epochs) for several seeds, each run on one
// core, `--jobs` runs side by side in child processes (the study is embarrassingly parallel).
// Each finished run is appended to docs/study/<data>/results.json (atomically) and the data set's
// README, tables and charts are rewritten (report.mjs); each run checkpoints every epoch under
// .cache/study/, so rerunning the same command continues where it stopped (a stopped run resumes
// from its last epoch). Not part of the package; not in the test run (tests/js/study.test.mjs
// tests the pure parts, and one tiny run end to end).

import { parseArgs } from 'node:util';
import { fork } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { BATCH_SIZE, CELLS, CURVE_IMAGES, DATA_NAMES, DATA_SEED, SEEDS, cellId, configurations } from './configs.mjs';
import { studyJobs, nextJob, jobSeconds, wallSeconds } from './plan.mjs';
import { writeReport, fmtDuration } from './report.mjs';
import { CACHE, ROOT } from './data.mjs';

const FORMAT = 'wasmtricks-study-2';
/** --smoke: two sizes (so the delta-vs-size chart has a line), three configurations. */
const SMOKE_CELLS = [100, 200].map((size) => ({ data: 'fashion-mnist', model: 'student', size, epochs: 2,
  configs: ['baseline', 'mixup', 'distillation'], seeds: [1, 2], testImages: 1000 }));
const SELF = fileURLToPath(import.meta.url);
/** The modules a study can run on; the first is docs/study's. */
const STUDY_SIMD = ['simd128', 'relaxed'];

const USAGE = `usage: npm run study -- [options]

Trains the bag-of-tricks study: per data set and training-set size (balanced seeded subsets),
every configuration (baseline, + label smoothing, + mixup, + CutMix, + RICAP, + Cutout,
+ AutoAugment, + RandomResizedCrop/flip, + pad-crop/flip, AdamW, AdaBound, + distillation, the
bag-of-tricks preset, the strong combinations) for ${SEEDS.length} seeds, each run long enough
for the baseline to fit its subset, tested on the whole test split. Writes
<out>/<data>/README.md, charts and results.json after every run. Rerun the same command to
continue; Ctrl-C stops after saving the current epochs (kill -STOP / -CONT pauses the workers).

  --data NAME        only this data set: ${DATA_NAMES.join(', ')}
  --cells A,B,...    only these cells (${[...new Set(CELLS.map(cellId))].join(', ')})
  --configs A,B,...  only these configurations (ids as in the tables' notes)
  --seeds A,B,...    only these seeds                                   [default: ${SEEDS.join(',')}]
  --jobs N           runs side by side, one core each                   [default: cores (${os.cpus().length})]
  --max-runs N       stop after N finished runs (a batch)
  --out DIR          output folder (a <data>/ folder inside)            [default: docs/study]
  --simd BUILD       the engine module: simd128 or relaxed (FMA); docs/study is simd128 throughout,
                     so use relaxed only with --out (e.g. the same cells and seeds on the FMA
                     module, to compare accuracy seed by seed)                [default: simd128]
  --dry-run          print the runs left and the time estimate, train nothing
  --report           rewrite the READMEs and charts from results.json, train nothing
  --smoke            a tiny study instead (${SMOKE_CELLS.map(cellId).join(', ')} of
                     Fashion-MNIST, baseline, mixup and distillation, seeds 1-2): checks
                     the whole pipeline in about a minute; needs --out
  -h, --help         this text
`;

class UsageError extends Error {}

function parse(argv) {
  let v;
  try {
    ({ values: v } = parseArgs({ args: argv, strict: true, allowPositionals: false, options: {
      data: { type: 'string' }, cells: { type: 'string' }, configs: { type: 'string' }, seeds: { type: 'string' },
      jobs: { type: 'string' }, 'max-runs': { type: 'string' }, out: { type: 'string' }, simd: { type: 'string' }, 'dry-run': { type: 'boolean' }, report: { type: 'boolean' },
      child: { type: 'boolean' }, smoke: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    } }));
  } catch (e) {
    throw new UsageError(e.message.split('\n')[0]);
  }
  if (v.help) return { help: true };
  const list = (name, known) => {
    if (v[name] === undefined) return undefined;
    const ids = v[name].split(',').map((s) => s.trim()).filter(Boolean);
    const bad = ids.find((id) => !known.includes(id));
    if (bad !== undefined || !ids.length) throw new UsageError(`--${name}: unknown '${bad ?? ''}' (known: ${known.join(', ')})`);
    return ids;
  };
  const int = (name, min) => {
    if (v[name] === undefined) return undefined;
    const x = Number(v[name]);
    if (!Number.isSafeInteger(x) || x < min) throw new UsageError(`--${name} must be an integer >= ${min}, got '${v[name]}'`);
    return x;
  };
  if (v.smoke && v.out === undefined) throw new UsageError('--smoke needs --out DIR (it must not overwrite docs/study)');
  if (v.simd !== undefined && !STUDY_SIMD.includes(v.simd)) throw new UsageError(`--simd must be one of ${STUDY_SIMD.join(', ')}, got '${v.simd}'`);
  if (v.simd !== undefined && v.simd !== STUDY_SIMD[0] && v.out === undefined) throw new UsageError(`--simd ${v.simd} needs --out DIR (docs/study is ${STUDY_SIMD[0]} throughout)`);
  if (v.data !== undefined && !DATA_NAMES.includes(v.data)) throw new UsageError(`--data must be one of ${DATA_NAMES.join(', ')}, got '${v.data}'`);
  const allConfigs = [...new Set(DATA_NAMES.flatMap((d) => configurations(d).map((c) => c.id)))];
  const cells = v.smoke ? SMOKE_CELLS : CELLS;
  return {
    all: cells,
    data: v.data, cells: list('cells', [...new Set(cells.map(cellId))]), configs: list('configs', allConfigs),
    seeds: list('seeds', SEEDS.map(String))?.map(Number), jobs: int('jobs', 1) ?? os.cpus().length,
    maxRuns: int('max-runs', 1), out: resolve(v.out ?? join(ROOT, 'docs/study')), simd: v.simd ?? STUDY_SIMD[0], dryRun: !!v['dry-run'], report: !!v.report,
  };
}

const show = (p) => (relative(process.cwd(), p).startsWith('..') ? p : relative(process.cwd(), p));
const quote = (s) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);
const fmtClock = (s) => {
  if (!Number.isFinite(s)) return '--:--';
  s = Math.max(0, Math.round(s));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h ? `${h}:${String(m).padStart(2, '0')}` : m}:${String(s % 60).padStart(2, '0')}`;
};
const teacherFile = (out, key) => join(out, key.split('/')[0], 'teachers', `${key.split('/').slice(1).join('-')}.safetensors`);

/** The results of one data set: read (a file of the older budget study is set aside as
    results-v1.json) or new. */
function readResults(out, data) {
  const file = join(out, data, 'results.json');
  if (existsSync(file)) {
    const r = JSON.parse(readFileSync(file, 'utf8'));
    if (r.format === FORMAT) return r;
    renameSync(file, join(out, data, 'results-v1.json'));
  }
  return { format: FORMAT, data, runs: [] };
}

// ---------------------------------------------------------------------------------------------
// The parent: schedules jobs over the workers, records results, redraws the progress.

async function main(argv) {
  const o = parse(argv);
  if (o.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const jobs = studyJobs({ data: o.data, cells: o.cells, configs: o.configs, seeds: o.seeds }, o.all);
  const datas = [...new Set(jobs.map((j) => j.data))];
  const results = Object.fromEntries(datas.map((d) => [d, readResults(o.out, d)]));
  const done = new Set(datas.flatMap((d) => results[d].runs.map((r) => r.key)));
  const todo = jobs.filter((j) => !done.has(j.key));
  // Speed for the ETA: the median ResNet-8-equivalent rate of the 8 latest runs (the machine's
  // load changes between sessions, and a run's seconds include pauses), else a guess.
  const rates = datas.flatMap((d) => results[d].runs).filter((r) => r.costRate)
    .sort((a, b) => String(a.finishedAt).localeCompare(String(b.finishedAt))).slice(-8)
    .map((r) => r.costRate).sort((a, b) => a - b);
  let rate = rates.length ? rates[rates.length >> 1] : 300;
  const counts = { curveImages: CURVE_IMAGES, testImages: 10000 };
  const eta = (list) => wallSeconds(list.map((j) => jobSeconds(j, rate, counts)), o.jobs);
  const say = (msg) => process.stdout.write(`${msg}\n`);
  say(`study: ${jobs.length} runs chosen, ${jobs.length - todo.length} done, ${todo.length} to go on ${o.jobs} ` +
    `worker${o.jobs > 1 ? 's' : ''} (${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}); ` +
    `estimate ${fmtDuration(eta(todo))} at ${rate.toFixed(0)} ResNet-8 img/s per core`);
  if (o.dryRun) {
    for (const cell of new Set(todo.map((j) => j.key.split('/').slice(0, 2).join('/')))) {
      const js = todo.filter((j) => j.key.startsWith(`${cell}/`));
      say(`  ${cell}: ${js.length} runs, ${fmtDuration(js.reduce((s, j) => s + jobSeconds(j, rate, counts), 0))} on one core`);
    }
    return 0;
  }
  if (!todo.length || o.report) {
    for (const d of datas) await writeReport(join(o.out, d), results[d], o.all);
    say(`study: ${todo.length ? '' : 'nothing left to run; '}reports rewritten in ${datas.map((d) => show(join(o.out, d))).join(', ')}`);
    return 0;
  }
  for (const d of datas) mkdirSync(join(o.out, d), { recursive: true });

  const running = new Map(); // key -> { job, worker, progress, started }
  const failed = new Set();
  let finished = 0;
  let stopping = false;
  const tty = process.stdout.isTTY;
  let drawn = 0;
  const status = () => {
    const left = todo.filter((j) => !done.has(j.key) && !failed.has(j.key));
    const lines = [...running.values()].map(({ job, progress: p }) => `  ${job.key}${p ? ` | epoch ${p.epoch}/${p.epochs} ` +
      `${String(Math.floor((100 * p.step) / p.steps)).padStart(3)}% | loss ${p.loss.toFixed(3)} | ${p.imagesPerSecond.toFixed(0)} img/s` : ' | loading'}`);
    lines.push(`  ${done.size - (jobs.length - todo.length)} of ${todo.length} finished this session` +
      `${failed.size ? `, ${failed.size} failed` : ''} | study ETA ${fmtClock(eta(left))}`);
    return lines;
  };
  let lastDraw = 0;
  const redraw = (force = false) => {
    if (!tty || (!force && performance.now() - lastDraw < 300)) return;
    lastDraw = performance.now();
    const lines = status();
    process.stdout.write(`${drawn ? `\x1b[${drawn}A` : ''}${lines.map((l) => `\r\x1b[K${l.slice(0, process.stdout.columns - 1)}`).join('\n')}\n`);
    drawn = lines.length;
  };
  const log = (msg) => {
    if (tty && drawn) process.stdout.write(`\x1b[${drawn}A\r\x1b[J`);
    drawn = 0;
    say(msg);
    redraw(true);
  };

  let save = Promise.resolve();
  const record = (job, rec) => {
    const r = results[job.data];
    r.runs.push(rec);
    done.add(job.key);
    finished++;
    const snap = JSON.stringify(r, null, 1);
    save = save.then(async () => {
      const { writeFileAtomic } = await import('../../js/checkpoint.js');
      await writeFileAtomic(join(o.out, job.data, 'results.json'), new TextEncoder().encode(`${snap}\n`));
      // The run is saved; a report that fails to draw must not stop the study.
      await writeReport(join(o.out, job.data), r, o.all).catch((e) => log(`study: the report failed (${e.message}); results.json is saved`));
    });
  };

  const workers = [];
  await new Promise((resolveAll) => {
    const idle = (w) => {
      if (stopping || (o.maxRuns && finished + running.size >= o.maxRuns)) {
        w.child.send({ type: 'exit' });
        return;
      }
      const job = nextJob(todo, { done, running, failed, teacherReady: (k) => existsSync(teacherFile(o.out, k)) });
      if (!job) {
        // Nothing can start: either all is done, or a teacher is still training.
        if (!running.size) w.child.send({ type: 'exit' });
        else w.waiting = true;
        return;
      }
      w.job = job;
      running.set(job.key, { job, worker: w, progress: null, started: performance.now() });
      w.child.send({ type: 'run', job: { ...job, teacherFile: job.teacher && teacherFile(o.out, job.teacher),
        weightsFile: job.saveWeights ? teacherFile(o.out, job.key) : undefined,
        partial: join(CACHE, 'study', createHash('sha1').update(`${o.out}|${job.key}`).digest('hex').slice(0, 16)) } });
      redraw(true);
    };
    const wake = () => workers.filter((w) => w.waiting && !w.job).forEach((w) => { w.waiting = false; idle(w); });
    for (let i = 0; i < Math.min(o.jobs, todo.length); i++) {
      const child = fork(SELF, ['--child', o.simd], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const w = { child, job: null, waiting: false };
      workers.push(w);
      child.on('message', (m) => {
        if (m.type === 'ready') idle(w);
        else if (m.type === 'progress') {
          const r = running.get(m.key);
          if (r) r.progress = m.p;
          redraw();
        } else if (m.type === 'epoch') {
          if (!tty && (m.p.epoch % Math.max(1, Math.round(m.p.epochs / 5)) === 0)) {
            log(`  ${m.key} | epoch ${m.p.epoch}/${m.p.epochs} | loss ${m.p.loss.toFixed(3)} | curve ${(100 * m.p.curve).toFixed(1)}% | ${m.p.imagesPerSecond.toFixed(0)} img/s`);
          }
        } else if (m.type === 'done' || m.type === 'failed') {
          const { job, started } = running.get(m.key);
          running.delete(m.key);
          w.job = null;
          if (m.type === 'done') {
            const rec = { key: job.key, data: job.data, model: job.model, trainSize: job.size, epochs: job.epochs,
              config: job.config, seed: job.seed, teacher: job.teacher, ...m.record, finishedAt: new Date().toISOString() };
            // ResNet-8 training images per second of this run, for the ETA of the rest
            rec.costRate = jobSeconds(job, 1, counts) / rec.seconds;
            record(job, rec);
            rate = rec.costRate * 0.3 + rate * 0.7;
            log(`${job.key}: test ${(100 * rec.accuracy).toFixed(2)}%, train ${(100 * rec.trainAccuracy).toFixed(1)}%` +
              `${rec.error ? ` (${rec.error})` : ''}, ${fmtDuration((performance.now() - started) / 1000)}`);
          } else {
            failed.add(job.key);
            log(`${job.key}: FAILED: ${m.message}`);
          }
          wake();
          idle(w);
        }
      });
      child.on('exit', (code, signal) => {
        if (w.job) {
          running.delete(w.job.key);
          if (!stopping) {
            failed.add(w.job.key);
            log(`${w.job.key}: worker died (${signal ?? `exit ${code}`}); the run resumes from its last epoch next time`);
          }
          w.job = null;
        }
        w.exited = true;
        if (!stopping) wake();
        if (workers.every((x) => x.exited)) resolveAll();
      });
    }
    let interrupts = 0;
    process.on('SIGINT', () => {
      if (++interrupts > 1) process.exit(130);
      stopping = true;
      log('study: stopping; each worker saves its run at the end of the current epoch (Ctrl-C again to quit now). Rerun the same command to continue.');
      for (const w of workers) if (!w.exited) w.child.send({ type: 'stop' });
    });
  });
  await save;
  log(`study: ${finished} runs finished this session${failed.size ? `, ${failed.size} failed` : ''}; ` +
    `${todo.length - finished - failed.size} left; results in ${datas.map((d) => show(join(o.out, d))).join(', ')}`);
  return stopping ? 130 : failed.size ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// A worker: one engine instance on one core; loads each data set once, trains the runs it is sent.

async function child() {
  const { init } = await import('../../js/index.js');
  const { writeFileAtomic, decodeCheckpoint } = await import('../../js/checkpoint.js');
  const { loadData } = await import('./data.mjs');
  // One module for the whole study: its first runs used the multiply + add module, and a run
  // on the FMA module rounds differently (the statistics would not care; the pairing by seed does).
  const wt = await init({ simd: process.argv[process.argv.indexOf('--child') + 1] });
  const sets = new Map();
  let ac = null;
  const send = (m) => process.send(m);
  const data = async (name, size, testImages) => {
    if (!sets.has(name)) {
      const full = await loadData(wt, name);
      sets.set(name, { full, subsets: new Map(), curve: full.test.sample(CURVE_IMAGES, { seed: DATA_SEED }) });
    }
    const s = sets.get(name);
    if (!s.subsets.has(size)) s.subsets.set(size, s.full.train.sample(size, { seed: DATA_SEED, balanced: true }));
    const test = testImages ? s.full.test.sample(testImages, { seed: DATA_SEED, balanced: true }) : s.full.test;
    return { train: s.subsets.get(size), test, curve: s.curve };
  };
  const makeModel = (model, shape, numClasses, seed) => {
    const o = { inputShape: [...shape], numClasses, seed };
    return model === 'student' ? wt.models.studentCNN(o) : wt.models.resnet({ ...o, depth: Number(model.slice('resnet'.length)) });
  };

  const run = async (job) => {
    const { train, test, curve } = await data(job.data, job.size, job.testImages);
    const config = configurations(job.data).find((c) => c.id === job.config);
    mkdirSync(job.partial, { recursive: true });
    const ckpt = join(job.partial, 'run.ckpt');
    const side = `${ckpt}.json`;
    // seconds: wall time (with pauses and waits for a core); cpuSeconds: this process's CPU time,
    // which neither a pause nor a neighbour's load inflates (the tables' time per run).
    let state = { epoch: 0, curve: [], trainSeconds: 0, seconds: 0, trainCpuSeconds: 0, cpuSeconds: 0 };
    let resume;
    let cpuComplete = true; // false: resumed from a checkpoint written before CPU time was recorded
    if (existsSync(ckpt) && existsSync(side)) {
      try {
        const s = JSON.parse(readFileSync(side, 'utf8'));
        const bytes = new Uint8Array(readFileSync(ckpt));
        if (s.key === job.key && decodeCheckpoint(bytes).epoch === s.epoch && s.curve.length === s.epoch) {
          state = s;
          resume = bytes;
          cpuComplete = s.cpuSeconds !== undefined;
        }
      } catch { /* an unreadable pair: start the run again */ }
    }
    const teacher = config.teacher ? wt.models.load(new Uint8Array(readFileSync(job.teacherFile))) : null;
    teacher?.eval();
    const model = makeModel(job.model, train.shape, train.numClasses, job.seed);
    let trainer;
    let pending = Promise.resolve();
    let lastSent = 0;
    try {
      trainer = new wt.Trainer(model, { ...config.options, seed: job.seed, ...(teacher ? { teacher } : {}) });
      let mark = performance.now();
      let cpuMark = process.cpuUsage();
      const cpuSince = (m) => { const u = process.cpuUsage(m); return (u.user + u.system) / 1e6; };
      let error;
      try {
        await trainer.fit(train, { epochs: job.epochs, batchSize: BATCH_SIZE, validation: curve, checkpoint: ckpt, resume,
          prefetch: false, signal: ac.signal,
          onProgress: (p) => {
            if (p.type === 'step') {
              if (performance.now() - lastSent > 500) {
                lastSent = performance.now();
                send({ type: 'progress', key: job.key, p: { epoch: p.epoch, epochs: p.epochs, step: p.step, steps: p.steps, loss: p.loss, imagesPerSecond: p.imagesPerSecond } });
              }
              return;
            }
            const now = performance.now();
            const cpu = cpuSince(cpuMark);
            state = { key: job.key, epoch: p.epoch, curve: [...state.curve, p.validation.accuracy],
              trainSeconds: state.trainSeconds + p.seconds, seconds: state.seconds + (now - mark) / 1000,
              trainCpuSeconds: (state.trainCpuSeconds ?? 0) + cpu, cpuSeconds: (state.cpuSeconds ?? 0) + cpu };
            mark = now;
            cpuMark = process.cpuUsage();
            const snap = state;
            pending = pending.then(() => writeFileAtomic(side, new TextEncoder().encode(JSON.stringify(snap))));
            send({ type: 'epoch', key: job.key, p: { epoch: p.epoch, epochs: p.epochs, loss: p.loss, curve: p.validation.accuracy, imagesPerSecond: p.imagesPerSecond } });
          } });
      } catch (e) {
        // A run that diverges is a result (the optimizer's, at this size); anything else is not.
        if (e.code !== 'WT_ERR_NONFINITE') throw e;
        error = e.message;
      }
      await pending;
      const e0 = performance.now();
      const c0 = process.cpuUsage();
      const v = trainer.evaluate(test);
      const fit = trainer.evaluate(train);
      state.seconds += (performance.now() - e0) / 1000;
      state.cpuSeconds = (state.cpuSeconds ?? 0) + cpuSince(c0);
      if (job.weightsFile) {
        mkdirSync(resolve(job.weightsFile, '..'), { recursive: true });
        await writeFileAtomic(job.weightsFile, model.save());
      }
      rmSync(job.partial, { recursive: true, force: true });
      return {
        accuracy: v.accuracy, top5: v.top5, loss: v.loss, testImages: test.length, trainAccuracy: fit.accuracy,
        trainImages: train.length, curve: state.curve, curveImages: curve.length, trainSeconds: state.trainSeconds,
        seconds: state.seconds, imagesPerSecond: (job.epochs * train.length) / state.trainSeconds,
        ...(cpuComplete ? { trainCpuSeconds: state.trainCpuSeconds, cpuSeconds: state.cpuSeconds } : {}),
        resumed: resume !== undefined, ...(error ? { error } : {}),
        cpu: os.cpus()[0]?.model ?? '', node: process.version, kernel: wt.kernelName,
      };
    } finally {
      await pending.catch(() => {});
      trainer?.dispose();
      model.dispose();
      teacher?.dispose();
    }
  };

  process.on('SIGINT', () => {}); // the parent decides; a stop message ends the current run
  process.on('disconnect', () => process.exit(0)); // the parent is gone: the last epoch is saved
  process.on('message', async (m) => {
    if (m.type === 'exit') process.disconnect();
    else if (m.type === 'stop') ac?.abort();
    else if (m.type === 'run') {
      ac = new AbortController();
      try {
        send({ type: 'done', key: m.job.key, record: await run(m.job) });
      } catch (e) {
        if (ac.signal.aborted) process.disconnect();
        else send({ type: 'failed', key: m.job.key, message: `${e.code ? `${e.code}: ` : ''}${e.message}` });
      }
    }
  });
  send({ type: 'ready' });
}

if (process.argv.includes('--child')) {
  child().catch((e) => {
    process.stderr.write(`study worker: ${e.stack ?? e.message}\n`);
    process.exit(1);
  });
} else {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => {
    if (e instanceof UsageError) {
      process.stderr.write(`study: ${e.message} (see --help)\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`study: ${e.code ? `${e.code}: ` : ''}${e.stack ?? e.message}\n`);
    process.exitCode = 1;
  });
}
