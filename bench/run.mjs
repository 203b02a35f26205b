// run.mjs - `npm run bench`: the engine side by side with the wasm SIMD limit and TensorFlow.js,
// in one run on one machine, single thread (Node 20):
//   1. GEMM GFLOP/s (square 256/512/1024 and the student CNN's products) over the measured wasm
//      SIMD multiply+add peak (bench_gemm.c, built here with emcc against build/wasm);
//   2. the student CNN (batch 64, SGD momentum) on 28x28x1 and 32x32x3, and ResNet-8 on 32x32x3: training images/s
//      (forward + backward + update: Trainer.step) and inference images/s (Model.forward),
//      through the npm package's own JS API and dist/wasmtricks.wasm;
//   3. the same model in TensorFlow.js (devDependencies): pure-JS cpu backend training and
//      inference, wasm (XNNPACK) backend inference (it has no Conv2DBackpropFilter, so it cannot
//      train this model).
//   4. multi-core: training images/s on 1 and 2 threads, interleaved (bench/parallel.mjs;
//      --no-parallel skips it).
// Writes everything to bench/results.json (or --out FILE) so later runs can be compared.
//
// Options: --quick (fewer, shorter repetitions), --no-gemm, --no-tfjs, --no-build,
//   --baseline FILE.wasm|DIR (also time another build of the engine, interleaved with this one,
//   and print the ratio of the medians and the median of the per-rep ratios: the way to measure
//   a change on a loaded machine; DIR: another checkout, built, driven by its own js/),
//   --tfjs-train-batch N (default 4: the cpu backend needs ~15 s per image to train, so the
//   batch-64 step is timed on a smaller batch; its cost is linear in the batch).
// Timings are medians of interleaved repetitions; the machine is shared, so compare ratios
// measured in the same run rather than absolute numbers across runs.
// Not here: correctness (npm test).

import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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
];
const CLASSES = 10;

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const fmt = (x, d = 1) => (x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(d));
const log = (...a) => console.log(...a);

// ------------------------------------------------------------------ build

function build() {
  const env = { ...process.env, NODE_PATH: process.env.NODE_PATH || '/usr/share/nodejs' };
  const lib = path.join(root, 'build', 'wasm', 'libwasmtricks.a');
  if (!flag('--no-build')) {
    if (existsSync(path.join(root, 'build', 'wasm', 'CMakeCache.txt'))) {
      execFileSync('cmake', ['--build', path.join(root, 'build', 'wasm'), '-j2', '--target',
        'wasmtricks', 'wasmtricks_wasm'], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
    } else {
      execFileSync('bash', ['scripts/build.sh', 'wasm'], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
    }
  }
  const gemmJs = path.join(root, 'build', 'wasm', 'bench_gemm.js');
  const src = path.join(root, 'bench', 'bench_gemm.c');
  if (!flag('--no-gemm') && (!existsSync(gemmJs) || statSync(gemmJs).mtimeMs < Math.max(
    statSync(src).mtimeMs, statSync(lib).mtimeMs))) {
    execFileSync('emcc', ['-O3', '-msimd128', '-std=c11', '-DWT_HAVE_WASMSIMD=1', '-Isrc', src, lib,
      '-sALLOW_MEMORY_GROWTH=1', '-sENVIRONMENT=node', '-sWASM_ASYNC_COMPILATION=0', '-o', gemmJs],
    { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return gemmJs;
}

// ------------------------------------------------------------------ 1. GEMM

function benchGemm(gemmJs) {
  // build/wasm holds {"type":"commonjs"} (CMakeLists.txt), so the emscripten glue runs as CJS.
  const out = execFileSync(process.execPath, ['--no-experimental-fetch', gemmJs, '--default-only',
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

/** One init() per engine build. A baseline that is a checkout (a folder with js/ and
    dist/wasmtricks.wasm) is driven by its own js/: the ABI between js/ and the wasm may have
    changed since; a bare .wasm file goes through this checkout's js/. */
async function engineSetups(wasmPaths) {
  const setups = [];
  for (const [label, where] of wasmPaths) {
    const tree = where && statSync(where).isDirectory() ? path.resolve(where) : root;
    const { init } = await import(pathToFileURL(path.join(tree, 'js', 'index.js')).href);
    const wasm = where && tree === root ? pathToFileURL(path.resolve(where)) : undefined;
    const wt = await init(wasm ? { wasm } : {});
    setups.push({ label, wt });
  }
  return setups;
}

async function benchEngine(setups) {
  const reps = quick ? 3 : 7, steps = quick ? 2 : 3;
  const results = {};
  for (const { key, shape, make } of ENGINE_MODELS) {
    const { x, y } = randomBatch(shape, BATCH, 1);
    const runs = setups.map(({ label, wt }) => {
      const model = make(wt);
      const trainer = new wt.Trainer(model, { optimizer: { name: 'sgd', lr: 0.01, momentum: 0.9 } });
      // warm up: plans the activations and lets V8 tier the hot functions up
      for (let i = 0; i < 3; i++) trainer.step(x, y);
      for (let i = 0; i < 2; i++) model.forward(x);
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
      };
      run.trainer.dispose();
      run.model.dispose();
    }
  }
  return results;
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
  const gemmJs = build();

  if (!flag('--no-gemm')) {
    log('== 1. GEMM (wt__gemm, default kernel), GFLOP/s over the wasm SIMD mul+add peak');
    const g = benchGemm(gemmJs);
    results.gemm = g;
    // bench_gemm printed its table (median/max per product, % of the peak run beside it)
    log(`peak (f32x4 mul+add loop, median): ${fmt(g.peak_gflops, 2)} GFLOP/s; kernel ${g.kernel}`);
  }

  log('\n== 2. student CNN and ResNet-8, batch 64, one thread: wasmtricks (dist/wasmtricks.wasm)');
  const wasmPaths = [['wasmtricks', null]];
  if (baselineWasm) wasmPaths.push(['baseline', baselineWasm]);
  const setups = await engineSetups(wasmPaths);
  results.engine = { kernel: setups[0].wt.kernelName, ...(await benchEngine(setups)) };
  for (const { key } of ENGINE_MODELS) {
    for (const [label, r] of Object.entries(results.engine[key])) {
      log(`  ${key.padEnd(8)} ${label.padEnd(10)} train ${fmt(r.train_images_per_s).padStart(7)} images/s   ` +
          `inference ${fmt(r.infer_images_per_s).padStart(7)} images/s   memory growth ${r.wasm_memory_growth_bytes} B`);
    }
    if (baselineWasm) {
      const a = results.engine[key].wasmtricks, b = results.engine[key].baseline;
      // the median of the per-rep ratios: each pair ran back to back, under the same load
      const paired = (k) => median(a[k].map((v, i) => v / b[k][i]));
      a.train_ratio_paired = paired('train_runs');
      a.infer_ratio_paired = paired('infer_runs');
      log(`  ${key.padEnd(8)} ratio      train ${fmt(a.train_images_per_s / b.train_images_per_s, 2)}x (median paired ${fmt(a.train_ratio_paired, 2)}x)   ` +
          `inference ${fmt(a.infer_images_per_s / b.infer_images_per_s, 2)}x (median paired ${fmt(a.infer_ratio_paired, 2)}x)`);
    }
  }

  if (!flag('--no-tfjs')) {
    const { tfjsTrain, tfjsInfer, tfjsInferRunner, tfjsVersion } = await import('./tfjs.mjs');
    // The tfjs Node banner about tfjs-node is noise here.
    const warn = console.warn;
    console.warn = () => {};
    results.tfjs = { version: await tfjsVersion() };
    log(`\n== 3. TensorFlow.js ${results.tfjs.version}, same model, one thread`);
    for (const shape of SHAPES) {
      const key = shape.join('x');
      const r = {};
      // XNNPACK inference interleaved with ours, batch by batch: the ratio sees the same load
      const tw = await tfjsInferRunner('wasm', shape, CLASSES, BATCH);
      const wt = setups[0].wt;
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
      const e = results.engine[key].wasmtricks, t = results.tfjs[key];
      log(`  ${key.padEnd(8)} ${fmt(e.train_images_per_s).padStart(12)} ${fmt(t.cpu_train_images_per_s, 3).padStart(16)} ` +
          `${fmt(e.train_images_per_s / t.cpu_train_images_per_s, 0).padStart(7)}x ${fmt(e.infer_images_per_s).padStart(14)} ` +
          `${fmt(t.wasm_infer_images_per_s).padStart(17)} ${fmt(t.engine_infer_images_per_s_interleaved / t.wasm_infer_images_per_s, 2).padStart(7)}x (interleaved)`);
    }
  }

  if (!flag('--no-parallel')) {
    log('\n== 4. multi-core: data-parallel training (Trainer threads), batch 64, 1 vs 2 threads interleaved');
    const { benchParallel } = await import('./parallel.mjs');
    results.parallel = await benchParallel({ quick, threads: 2, log });
  }

  writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);
  log(`\nwrote ${path.relative(process.cwd(), outFile) || outFile}`);
}

await main();
