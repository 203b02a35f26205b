// run.mjs - `npm run bench`: the engine side by side with the wasm SIMD limit and TensorFlow.js,
// in one run on one machine, single thread (Node 20):
//   1. GEMM GFLOP/s (square 256/512/1024 and the student CNN's products) over the measured wasm
//      SIMD peak (bench_gemm.c, built here with emcc against build/wasm: multiply + add; and
//      against build/wasm-relaxed with clang 19: the FMA kernels and the relaxed_madd peak);
//   2. the student CNN (batch 64, SGD momentum) on 28x28x1 and 32x32x3, ResNet-8 and ResNet-18 on
//      32x32x3: training images/s
//      (forward + backward + update: Trainer.step) and inference images/s (Model.forward),
//      through the npm package's own JS API, both modules interleaved (dist/wasmtricks.wasm and,
//      where the host validates relaxed SIMD, dist/wasmtricks-relaxed.wasm), each training rate
//      also as a percentage of its module's peak (the model's FLOPs, bench/flops.mjs);
//   3. the same model in TensorFlow.js (devDependencies): pure-JS cpu backend training and
//      inference, wasm (XNNPACK) backend inference (it has no Conv2DBackpropFilter, so it cannot
//      train this model).
//   4. multi-core: training images/s on 1 and 2 threads, interleaved (bench/parallel.mjs;
//      --no-parallel skips it).
//   5. native PyTorch (bench/torch_bench.py with Debian's python3-torch, when importable; --no-torch
//      skips it) on the same models and batch, 1 and 2 threads, with the system's BLAS and, as a
//      comparison only, OpenBLAS swapped in by LD_LIBRARY_PATH (libopenblas0-pthread unpacked
//      into .cache/openblas by apt-get download, when the package registry answers).
//   6. the targets of issue #22 as ratios of this run, each met or missed by how much.
// Writes everything to bench/results.json (or --out FILE) so later runs can be compared.
//
// Options: --quick (fewer, shorter repetitions), --no-gemm, --no-tfjs, --no-build, --no-torch,
//   --baseline FILE.wasm|DIR (also time another build of the engine, interleaved with this one,
//   and print the ratio of the medians and the median of the per-rep ratios: the way to measure
//   a change on a loaded machine; DIR: another checkout, built, driven by its own js/),
//   --tfjs-train-batch N (default 4: the cpu backend needs ~15 s per image to train, so the
//   batch-64 step is timed on a smaller batch; its cost is linear in the batch).
// Timings are medians of interleaved repetitions; the machine is shared, so compare ratios
// measured in the same run rather than absolute numbers across runs.
// Not here: correctness (npm test).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { modelFlops } from './flops.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const option = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
};
const quick = flag('--quick');
const outFile = path.resolve(option('--out', path.join(root, 'bench', 'results.json')));
const baselineWasm = option('--baseline', null);
const tfjsTrainBatch = Number(option('--tfjs-train-batch', 4));
const BATCH = 64;
const SHAPES = [[1, 28, 28], [3, 32, 32]];
// Section 2's models: the student CNN on both shapes (keys '1x28x28', '3x32x32', compared with
// TensorFlow.js in section 3) and the CIFAR ResNet-8 the CLI's CIFAR-10 runs train.
const ENGINE_MODELS = [
  ...SHAPES.map((shape) => ({ key: shape.join('x'), shape, make: (wt) => wt.models.studentCNN({ inputShape: shape, numClasses: CLASSES, seed: 1 }) })),
  { key: 'resnet8-3x32x32', shape: [3, 32, 32], make: (wt) => wt.models.resnet({ depth: 8, inputShape: [3, 32, 32], numClasses: CLASSES, seed: 1 }) },
  // ~3.3 GFLOP per training image (~0.1-0.2 s): one warm-up step, single-step repetitions
  { key: 'resnet18-3x32x32', shape: [3, 32, 32], warmup: 1, steps: 1, reps: 5, make: (wt) => wt.models.resnet18({ inputShape: [3, 32, 32], numClasses: CLASSES, seed: 1 }) },
];
const CLASSES = 10;
// Emscripten 3.1.6 driving Debian's clang 19 (scripts/build.sh, build_relaxed).
const RELAXED_ENV = { EM_CLANG_ADD_VERSION: '19', EMCC_SKIP_SANITY_CHECK: '1' };

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const fmt = (x, d = 1) => (x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(d));
const log = (...a) => console.log(...a);

// ------------------------------------------------------------------ build

function build() {
  const env = { ...process.env, NODE_PATH: process.env.NODE_PATH || '/usr/share/nodejs' };
  if (!flag('--no-build')) {
    for (const [dir, what] of [['wasm', 'wasm'], ['wasm-relaxed', 'relaxed']]) {
      if (existsSync(path.join(root, 'build', dir, 'CMakeCache.txt'))) {
        execFileSync('cmake', ['--build', path.join(root, 'build', dir), '-j2', '--target',
          'wasmtricks', 'wasmtricks_wasm'], { cwd: root, env: what === 'relaxed' ? { ...env, ...RELAXED_ENV } : env,
          stdio: ['ignore', 'ignore', 'inherit'] });
      } else {
        execFileSync('bash', ['scripts/build.sh', what], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
      }
    }
  }
  if (flag('--no-gemm')) return [];
  // One bench_gemm per library: the baseline's, and the relaxed one's, whose peak loop
  // (bench/peak.c) clang 19 compiles with relaxed SIMD; bench_gemm.c itself stays on
  // Emscripten's clang 14 (see peak.c), and the relaxed link runs no binaryen pass.
  const gemms = [];
  const src = path.join(root, 'bench', 'bench_gemm.c');
  const peakSrc = path.join(root, 'bench', 'peak.c');
  const relaxedEnv = { ...env, ...RELAXED_ENV };
  const cc = ['-std=c11', '-DWT_HAVE_WASMSIMD=1', '-Isrc', '-c'];
  for (const g of [
    { module: 'simd128', dir: 'wasm', peakEnv: env, peakFlags: [], lflags: ['-O3'], node: [] },
    { module: 'relaxed', dir: 'wasm-relaxed', peakEnv: relaxedEnv, peakFlags: ['-mrelaxed-simd'],
      lflags: ['-O0', '-sWASM_BIGINT'], node: ['--experimental-wasm-relaxed-simd'] },
  ]) {
    const lib = path.join(root, 'build', g.dir, 'libwasmtricks.a');
    if (!existsSync(lib)) continue;
    const js = path.join(root, 'build', g.dir, 'bench_gemm.js');
    const newest = Math.max(...[src, peakSrc, lib].map((f) => statSync(f).mtimeMs));
    if (!existsSync(js) || statSync(js).mtimeMs < newest) {
      const obj = (name) => path.join(root, 'build', g.dir, name);
      const run = (args, e) => execFileSync('emcc', args, { cwd: root, env: e, stdio: ['ignore', 'ignore', 'inherit'] });
      run(['-O3', '-msimd128', ...cc, src, '-o', obj('bench_gemm.o')], env);
      run(['-O3', '-msimd128', ...g.peakFlags, ...cc, peakSrc, '-o', obj('bench_peak.o')], g.peakEnv);
      run([...g.lflags, obj('bench_gemm.o'), obj('bench_peak.o'), lib, '-sALLOW_MEMORY_GROWTH=1', '-sENVIRONMENT=node',
        '-sWASM_ASYNC_COMPILATION=0', '-o', js], g.peakEnv);
    }
    gemms.push({ module: g.module, js, node: g.node });
  }
  return gemms;
}

// ------------------------------------------------------------------ 1. GEMM

function benchGemm({ js, node }) {
  // build/wasm holds {"type":"commonjs"} (CMakeLists.txt), so the emscripten glue runs as CJS.
  const out = execFileSync(process.execPath, [...node, '--no-experimental-fetch', js, '--default-only',
    '--json', ...(quick ? ['--quick'] : [])], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 24 }).toString();
  const line = out.split('\n').find((l) => l.startsWith('JSON '));
  if (!line) throw new Error(`bench_gemm printed no JSON line:\n${out}`);
  return JSON.parse(line.slice(5));
}

// ------------------------------------------------------------------ 2. the engine

function randomBatch([C, H, W], N, seed) {
  let s = seed >>> 0;
  const x = new Float32Array(N * C * H * W);
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = (s >>> 8) / 16777216 - 0.5;
  }
  const y = Int32Array.from({ length: N }, (_, i) => i % CLASSES);
  return { x, y };
}

/** One init() per engine build: [label, where, simd]. A baseline that is a checkout (a folder
    with js/ and dist/wasmtricks.wasm) is driven by its own js/: the ABI between js/ and the wasm
    may have changed since; a bare .wasm file goes through this checkout's js/. */
async function engineSetups(builds) {
  const setups = [];
  for (const [label, where, simd] of builds) {
    const tree = where && statSync(where).isDirectory() ? path.resolve(where) : root;
    const { init } = await import(pathToFileURL(path.join(tree, 'js', 'index.js')).href);
    const wasm = where && tree === root ? pathToFileURL(path.resolve(where)) : undefined;
    const wt = await init({ ...(wasm ? { wasm } : {}), ...(simd ? { simd } : {}) });
    setups.push({ label, wt });
  }
  return setups;
}

async function benchEngine(setups) {
  const results = {};
  for (const { key, shape, make, ...m } of ENGINE_MODELS) {
    const reps = quick ? 3 : m.reps ?? 7, steps = m.steps ?? (quick ? 2 : 3), warmup = m.warmup ?? 3;
    const { x, y } = randomBatch(shape, BATCH, 1);
    const runs = setups.map(({ label, wt }) => {
      const model = make(wt);
      const trainer = new wt.Trainer(model, { optimizer: { name: 'sgd', lr: 0.01, momentum: 0.9 } });
      // warm up: plans the activations and lets V8 tier the hot functions up
      for (let i = 0; i < warmup; i++) trainer.step(x, y);
      for (let i = 0; i < Math.min(warmup, 2); i++) model.forward(x);
      return { label, model, trainer, train: [], infer: [], mem0: wt.memoryBytes(), wt };
    });
    for (let r = 0; r < reps; r++) {
      // interleaved, the order flipped every rep: load from other processes hits all alike
      for (const run of r % 2 ? [...runs].reverse() : runs) {
        let t0 = performance.now();
        for (let i = 0; i < steps; i++) run.trainer.step(x, y);
        run.train.push((BATCH * steps) / ((performance.now() - t0) / 1e3));
        t0 = performance.now();
        for (let i = 0; i < steps; i++) run.model.forward(x);
        run.infer.push((BATCH * steps) / ((performance.now() - t0) / 1e3));
      }
    }
    results[key] = {};
    for (const run of runs) {
      results[key][run.label] = {
        train_images_per_s: median(run.train),
        infer_images_per_s: median(run.infer),
        train_runs: run.train,
        infer_runs: run.infer,
        wasm_memory_growth_bytes: run.wt.memoryBytes() - run.mem0,
        // the instance's linear memory after this model's steps: models run smallest first and
        // are disposed after, and wasm memory never shrinks, so this is what the largest needed
        wasm_memory_bytes: run.wt.memoryBytes(),
      };
      run.trainer.dispose();
      run.model.dispose();
    }
  }
  return results;
}

// ------------------------------------------------------------------ 5. native PyTorch

/** Whether this Node validates relaxed SIMD (js/index.js sets the V8 flag itself). */
async function hostHasRelaxed() {
  const { init } = await import(pathToFileURL(path.join(root, 'js', 'index.js')).href);
  try {
    await init({ simd: 'relaxed' });
    return true;
  } catch {
    return false;
  }
}

/** The folder holding OpenBLAS's libblas.so.3 (Debian's libopenblas0-pthread, unpacked into
    .cache/openblas, fetched once with apt-get download), or null with the reason logged. */
function openblasDir() {
  const cache = path.join(root, '.cache', 'openblas');
  const find = () => {
    const lib = path.join(cache, 'usr', 'lib', 'x86_64-linux-gnu', 'openblas-pthread');
    return existsSync(path.join(lib, 'libblas.so.3')) ? lib : null;
  };
  if (find()) return find();
  try {
    rmSync(cache, { recursive: true, force: true });
    mkdirSync(cache, { recursive: true });
    execFileSync('apt-get', ['download', 'libopenblas0-pthread'], { cwd: cache, stdio: 'ignore', timeout: 120e3 });
    const deb = readdirSync(cache).find((f) => f.endsWith('.deb'));
    execFileSync('dpkg', ['-x', deb, cache], { cwd: cache, stdio: 'ignore' });
  } catch (e) {
    log(`  (OpenBLAS comparison skipped: apt-get download libopenblas0-pthread failed: ${e.message.split('\n')[0]})`);
    return null;
  }
  return find();
}

function torchRun(env) {
  const out = execFileSync('/usr/bin/python3', [path.join(root, 'bench', 'torch_bench.py'), ...(quick ? ['--quick'] : [])],
    { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 }).toString();
  const line = out.split('\n').find((l) => l.startsWith('JSON '));
  if (!line) throw new Error(`torch_bench.py printed no JSON line:\n${out}`);
  return JSON.parse(line.slice(5));
}

/** Section 5: PyTorch on the same models beside the engine's one-thread (section 2, the
    default module) and two-thread (section 4) rates. */
function benchTorch(results, label) {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' });
  } catch {
    log('\n== 5. native PyTorch: skipped (/usr/bin/python3 cannot import torch; scripts/setup.sh installs python3-torch)');
    return null;
  }
  log(`\n== 5. native PyTorch, same models and batch, 1 and 2 threads (wasmtricks: ${label}; 2 threads: section 4)`);
  const runs = { system: torchRun({}) };
  const ob = openblasDir();
  if (ob) runs.openblas = torchRun({ LD_LIBRARY_PATH: ob });
  const two = { '1x28x28': 'student 28x28x1', '3x32x32': 'student 32x32x3', 'resnet8-3x32x32': 'resnet8 32x32x3' };
  for (const [name, r] of Object.entries(runs)) {
    log(`  torch ${r.torch}, ${name} BLAS: ${r.blas}`);
    log('    model              torch 1 thr  engine 1 thr  ratio   torch 2 thr  engine 2 thr  ratio   (training images/s; inference 1 thr: torch / engine)');
    for (const { key } of ENGINE_MODELS) {
      const t = r.models[key];
      const e1 = results.engine[key][label];
      const e2 = results.parallel?.models[two[key]]?.many;
      log(`    ${key.padEnd(17)} ${fmt(t['1'].train).padStart(11)} ${fmt(e1.train_images_per_s).padStart(13)} ${fmt(e1.train_images_per_s / t['1'].train, 2).padStart(6)}x` +
        ` ${fmt(t['2'].train).padStart(12)} ${fmt(e2).padStart(13)} ${fmt(e2 / t['2'].train, 2).padStart(6)}x` +
        `   infer ${fmt(t['1'].infer)} / ${fmt(e1.infer_images_per_s)}`);
    }
  }
  return runs;
}

// ------------------------------------------------------------------ 6. the targets of #22

/** The issue's targets as ratios of this run, each with its measured value and whether it is
    met: "today's module" is --baseline when given (the simd128 build from before the FMA work),
    else this run's simd128 module. Printed last and stored as results.targets. */
function targets(results, peaks, flops) {
  const e = results.engine, today = e['3x32x32'].baseline ? 'baseline' : 'simd128';
  const train = (key, label) => e[key]?.[label]?.train_images_per_s;
  const pctFma = (key) => peaks.relaxed && train(key, 'relaxed') ? (100 * train(key, 'relaxed') * flops[key]) / (peaks.relaxed * 1e9) : null;
  const ratio = (a, b) => (a && b ? a / b : null);
  const torch = (blas, key, threads) => results.torch?.[blas]?.models[key]?.[threads]?.train;
  const two = (name) => results.parallel?.models[name]?.many;
  const rows = [
    ['student 3x32x32 training, 1 thread, % of the FMA limit', pctFma('3x32x32'), 85, '%'],
    [`student 3x32x32 training, 1 thread, relaxed / ${today}`, ratio(train('3x32x32', 'relaxed'), train('3x32x32', today)), 1.3, 'x'],
    [`ResNet-8 training, 1 thread, relaxed / ${today}`, ratio(train('resnet8-3x32x32', 'relaxed'), train('resnet8-3x32x32', today)), 1.5, 'x'],
    ['ResNet-18 (32x32) training, 1 thread, % of the FMA limit', pctFma('resnet18-3x32x32'), 75, '%'],
    ...['system', 'openblas'].filter((b) => results.torch?.[b]).flatMap((b) => [
      [`student 3x32x32, 2 threads / PyTorch 2 threads (${b} BLAS)`, ratio(two('student 32x32x3'), torch(b, '3x32x32', '2')), 1, 'x'],
      [`ResNet-8, 2 threads / PyTorch 1 thread (${b} BLAS)`, ratio(two('resnet8 32x32x3'), torch(b, 'resnet8-3x32x32', '1')), 1, 'x'],
    ]),
    ['inference 3x32x32, 1 thread / TensorFlow.js wasm (interleaved)', ratio(results.tfjs?.['3x32x32']?.engine_infer_images_per_s_interleaved, results.tfjs?.['3x32x32']?.wasm_infer_images_per_s), 1.5, 'x'],
    ['inference 1x28x28, 1 thread / TensorFlow.js wasm (interleaved)', ratio(results.tfjs?.['1x28x28']?.engine_infer_images_per_s_interleaved, results.tfjs?.['1x28x28']?.wasm_infer_images_per_s), 1.2, 'x'],
  ];
  log(`\n== 6. the targets of issue #22 on this machine (${results.cpu}; "${today}" is today's module)`);
  const out = rows.map(([what, value, target, unit]) => {
    const met = value === null ? null : value >= target;
    log(`  ${what.padEnd(66)} ${(value === null ? 'not measured' : fmt(value, unit === '%' ? 0 : 2) + unit).padStart(12)}` +
        `   target >= ${target}${unit}   ${met === null ? '' : met ? 'met' : `missed (${fmt(100 * value / target, 0)}% of it)`}`);
    return { what, value, target, unit, met };
  });
  const r18 = e['resnet18-3x32x32']?.relaxed ?? e['resnet18-3x32x32']?.simd128;
  if (r18) log(`  ResNet-18 wasm memory at batch ${BATCH}: ${fmt(r18.wasm_memory_bytes / 2 ** 20, 0)} MiB`);
  if (peaks.relaxed && peaks.simd128) log(`  (the FMA peak is ${fmt(peaks.relaxed / peaks.simd128, 2)}x the mul+add peak here: the bound on any relaxed / simd128 ratio of compute-bound code)`);
  return out;
}

// ------------------------------------------------------------------ main

async function main() {
  const results = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cpus: os.cpus().length,
    loadavg: os.loadavg(),
    quick,
    batch: BATCH,
  };
  const gemms = build();

  // The peak each module's kernels run against (GFLOP/s): section 1's, when it ran.
  const peaks = {};
  if (gemms.length) {
    log('== 1. GEMM (wt__gemm, default kernel), GFLOP/s over the wasm SIMD peak of the same build');
    results.gemm = {};
    for (const g of gemms) {
      log(`-- ${g.module}`);
      const r = benchGemm(g);
      results.gemm[g.module] = r;
      peaks[g.module] = r.peak_gflops;
      // bench_gemm printed its table (median/max per product, % of the peak run beside it)
      log(`peak (${r.peak_op} loop, median): ${fmt(r.peak_gflops, 2)} GFLOP/s; kernel ${r.kernel}`);
    }
    if (peaks.relaxed && peaks.simd128) {
      log(`peak ratio relaxed_madd / mul+add: ${fmt(peaks.relaxed / peaks.simd128, 2)}x`);
    }
  }

  const relaxedOk = await hostHasRelaxed();
  const builds = [['simd128', null, 'simd128'], ...(relaxedOk ? [['relaxed', null, 'relaxed']] : [])];
  if (baselineWasm) builds.push(['baseline', baselineWasm, null]);
  log(`\n== 2. student CNN, ResNet-8 and ResNet-18, batch ${BATCH}, one thread: ${builds.map((b) => b[0]).join(', ')} interleaved` +
    (relaxedOk ? '' : ' (this host does not validate relaxed SIMD)'));
  const setups = await engineSetups(builds);
  results.engine = { kernels: Object.fromEntries(setups.map((x) => [x.label, x.wt.kernelName])), ...(await benchEngine(setups)) };
  const flops = {};
  {
    const wt = setups[0].wt;
    for (const { key, make } of ENGINE_MODELS) {
      const m = make(wt);
      flops[key] = modelFlops(m).training;
      m.dispose();
    }
  }
  results.engine.training_flops_per_image = flops;
  // the % of the peak: a module's kernels against its own peak (relaxed: the FMA one)
  const pctOfPeak = (label, ips, key) => {
    const peak = peaks[label === 'baseline' ? 'simd128' : label];
    return peak ? ` (${fmt((100 * ips * flops[key]) / (peak * 1e9), 0)}% of the ${label === 'relaxed' ? 'FMA' : 'mul+add'} limit ${fmt((peak * 1e9) / flops[key], 0)})` : '';
  };
  const pair = (a, b, label) => {
    // the median of the per-rep ratios: each pair ran back to back, under the same load
    const paired = (k) => median(a[k].map((v, i) => v / b[k][i]));
    a[`train_ratio_paired_${label}`] = paired('train_runs');
    a[`infer_ratio_paired_${label}`] = paired('infer_runs');
    return `train ${fmt(a.train_images_per_s / b.train_images_per_s, 2)}x (median paired ${fmt(paired('train_runs'), 2)}x)   ` +
      `inference ${fmt(a.infer_images_per_s / b.infer_images_per_s, 2)}x (median paired ${fmt(paired('infer_runs'), 2)}x)`;
  };
  for (const { key } of ENGINE_MODELS) {
    log(`  ${key} (${fmt(flops[key] / 1e6, 1)} MFLOP per training image)`);
    for (const [label, r] of Object.entries(results.engine[key])) {
      log(`    ${label.padEnd(9)} train ${fmt(r.train_images_per_s).padStart(7)} images/s${pctOfPeak(label, r.train_images_per_s, key)}   ` +
          `inference ${fmt(r.infer_images_per_s).padStart(7)} images/s   memory ${fmt(r.wasm_memory_bytes / 2 ** 20, 0)} MiB (growth over the timed steps ${r.wasm_memory_growth_bytes} B)`);
    }
    const e = results.engine[key];
    if (e.relaxed) log(`    relaxed / simd128: ${pair(e.relaxed, e.simd128, 'simd128')}`);
    if (e.baseline) log(`    simd128 / baseline: ${pair(e.simd128, e.baseline, 'baseline')}`);
  }
  // Sections 3 to 5 run on what init() picks by default: the relaxed module where it validates.
  const best = setups.find((x) => x.label === (relaxedOk ? 'relaxed' : 'simd128'));

  if (!flag('--no-tfjs')) {
    const { tfjsTrain, tfjsInfer, tfjsInferRunner, tfjsVersion } = await import('./tfjs.mjs');
    // The tfjs Node banner about tfjs-node is noise here.
    const warn = console.warn;
    console.warn = () => {};
    results.tfjs = { version: await tfjsVersion() };
    log(`\n== 3. TensorFlow.js ${results.tfjs.version}, same model, one thread (wasmtricks: ${best.label})`);
    for (const shape of SHAPES) {
      const key = shape.join('x');
      const r = {};
      // XNNPACK inference interleaved with ours, batch by batch: the ratio sees the same load
      const tw = await tfjsInferRunner('wasm', shape, CLASSES, BATCH);
      const wt = best.wt;
      const model = wt.models.studentCNN({ inputShape: shape, numClasses: CLASSES, seed: 1 });
      const { x } = randomBatch(shape, BATCH, 1);
      model.forward(x);
      const wasmT = [], oursT = [];
      for (let i = 0; i < (quick ? 5 : 9); i++) {
        wasmT.push(await tw.run());
        const t0 = performance.now();
        model.forward(x);
        oursT.push((performance.now() - t0) / 1e3);
      }
      tw.dispose();
      model.dispose();
      r.wasm_infer_images_per_s = BATCH / median(wasmT);
      r.engine_infer_images_per_s_interleaved = BATCH / median(oursT);
      const cpuN = 8;
      const cpuT = await tfjsInfer('cpu', shape, CLASSES, cpuN, 1);
      r.cpu_infer_images_per_s = cpuN / median(cpuT);
      r.cpu_infer_batch = cpuN;
      const trT = await tfjsTrain(shape, CLASSES, tfjsTrainBatch, 1);
      r.cpu_train_images_per_s = tfjsTrainBatch / median(trT);
      r.cpu_train_batch = tfjsTrainBatch;
      results.tfjs[key] = r;
      log(`  ${key.padEnd(8)} wasm (XNNPACK) inference ${fmt(r.wasm_infer_images_per_s).padStart(7)} images/s ` +
          `(wasmtricks interleaved with it: ${fmt(r.engine_infer_images_per_s_interleaved)})   ` +
          `cpu inference ${fmt(r.cpu_infer_images_per_s, 2)} images/s (batch ${cpuN})   ` +
          `cpu training ${fmt(r.cpu_train_images_per_s, 3)} images/s (batch ${tfjsTrainBatch})`);
    }
    console.warn = warn;

    log('\n== side by side (images/s, one thread)');
    log('  input    engine train   tfjs-cpu train   ratio    engine infer   tfjs-wasm infer   ratio');
    for (const shape of SHAPES) {
      const key = shape.join('x');
      const e = results.engine[key][best.label], t = results.tfjs[key];
      log(`  ${key.padEnd(8)} ${fmt(e.train_images_per_s).padStart(12)} ${fmt(t.cpu_train_images_per_s, 3).padStart(16)} ` +
          `${fmt(e.train_images_per_s / t.cpu_train_images_per_s, 0).padStart(7)}x ${fmt(e.infer_images_per_s).padStart(14)} ` +
          `${fmt(t.wasm_infer_images_per_s).padStart(17)} ${fmt(t.engine_infer_images_per_s_interleaved / t.wasm_infer_images_per_s, 2).padStart(7)}x (interleaved)`);
    }
  }

  if (!flag('--no-parallel')) {
    log(`\n== 4. multi-core: data-parallel training (Trainer threads), batch 64, 1 vs 2 threads interleaved (${best.label})`);
    const { benchParallel } = await import('./parallel.mjs');
    results.parallel = await benchParallel({ quick, threads: 2, log });
  }

  if (!flag('--no-torch')) results.torch = benchTorch(results, best.label);

  results.targets = targets(results, peaks, flops);

  writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);
  log(`\nwrote ${path.relative(process.cwd(), outFile) || outFile}`);
}

await main();
