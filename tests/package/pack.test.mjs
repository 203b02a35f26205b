// pack.test.mjs - the npm package as users get it: `npm pack`, install the tarball offline into
// a fresh temporary project, then (1) a Node script imports `wasmtricks` and
// `wasmtricks/worker` and trains (a step in the thread, a fit in a worker_thread), and (2) Vite
// (the repository's devDependency) builds a page that imports both; the build must contain the
// wasm asset, the shipped backbone and the worker chunk, and in headless Chromium (when present)
// the built page trains a step in the page, a fit in the bundled worker, and loads the shipped
// backbone (wt.models.pretrained) with a new head. Prints the tarball size.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VITE = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
const CHROMIUM = process.env.WT_CHROMIUM ?? '/usr/bin/chromium';
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });

const NODE_SCRIPT = `
import { init } from 'wasmtricks';
import { WorkerTrainer } from 'wasmtricks/worker';
const wt = await init();
const model = wt.models.studentCNN({ inputShape: [1, 8, 8], numClasses: 2, seed: 1 });
const trainer = new wt.Trainer(model, { optimizer: { name: 'sgd', lr: 0.1 } });
const x = new Float32Array(4 * 64).map((_, i) => (i % 7) / 7);
const { loss } = trainer.step(x, [0, 1, 0, 1]);
const w = await WorkerTrainer.create({ model: { name: 'student', inputShape: [1, 8, 8], numClasses: 2, seed: 1 },
  trainer: { optimizer: { name: 'sgd', lr: 0.1 } } });
const r = await w.fit({ images: new Uint8Array(4 * 64).map((_, i) => i % 251), labels: [0, 1, 0, 1], shape: [1, 8, 8], numClasses: 2 }, { batchSize: 4 });
await w.terminate();
const base = await init({ simd: 'simd128' });
const backbone = await wt.models.pretrained('resnet8-cifar10');
const tuned = backbone.withHead(3);
const pretrained = { classes: backbone.numClasses, names: backbone.classNames.length, normalized: tuned.normalization !== null,
  tunedClasses: tuned.numClasses, logits: tuned.forward(new Float32Array(3 * 32 * 32).fill(0.1)).length };
console.log(JSON.stringify({ loss, kernel: wt.kernelName, build: wt.build, baseBuild: base.build, workerSteps: r.steps, pretrained }));
`;

const PAGE_SCRIPT = `
import { init } from 'wasmtricks';
import { WorkerTrainer } from 'wasmtricks/worker';
async function main() {
  const wt = await init();
  const model = wt.models.studentCNN({ inputShape: [1, 8, 8], numClasses: 2, seed: 1 });
  const trainer = new wt.Trainer(model, { optimizer: { name: 'sgd', lr: 0.1 } });
  const x = new Float32Array(4 * 64).map((_, i) => (i % 7) / 7);
  const { loss } = trainer.step(x, [0, 1, 0, 1]);
  const w = await WorkerTrainer.create({ model: { name: 'student', inputShape: [1, 8, 8], numClasses: 2, seed: 1 },
    trainer: { optimizer: { name: 'sgd', lr: 0.1 } } });
  const r = await w.fit({ images: new Uint8Array(4 * 64).map((_, i) => i % 251), labels: [0, 1, 0, 1], shape: [1, 8, 8], numClasses: 2 }, { batchSize: 4 });
  await w.terminate();
  const backbone = await wt.models.pretrained('resnet8-cifar10');
  const tuned = backbone.withHead(3);
  const pretrained = { classes: backbone.numClasses, tunedClasses: tuned.numClasses, logits: tuned.forward(new Float32Array(3 * 32 * 32).fill(0.1)).length };
  return { ok: true, loss, kernel: wt.kernelName, build: wt.build, workerSteps: r.steps, pretrained };
}
main().then((r) => { window.results = r; }, (e) => { window.results = { ok: false, error: e.name + ': ' + e.message }; });
`;

test('npm pack, offline install, Node script and Vite build', { timeout: 400_000 }, async (t) => {
  for (const f of ['wasmtricks.wasm', 'wasmtricks-relaxed.wasm']) {
    assert.ok(existsSync(join(ROOT, 'dist', f)), `dist/${f} is missing: npm run build:wasm`);
  }
  const tmp = mkdtempSync(join(tmpdir(), 'wasmtricks-pack-'));
  try {
    const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', tmp], ROOT))[0];
    const tarball = join(tmp, packed.filename);
    const files = packed.files.map((f) => f.path);
    for (const f of ['package.json', 'dist/wasmtricks.wasm', 'dist/wasmtricks-relaxed.wasm', 'js/index.js', 'js/index.d.ts', 'js/worker.js', 'js/worker.d.ts',
      'js/worker-entry.js', 'js/rpc.js', 'js/image.js', 'js/store.js', 'js/pretrained.js', 'assets/resnet8-cifar10.safetensors', 'README.md']) {
      assert.ok(files.includes(f), `the tarball lacks ${f}`);
    }
    assert.ok(!files.some((f) => /^(tests|src|build|bench|scripts|web)\//.test(f)), `unexpected files: ${files.filter((f) => !/^(js|dist|bin|assets)\//.test(f))}`);
    const wasm = readFileSync(join(ROOT, 'dist', 'wasmtricks.wasm'));
    console.log(`tarball ${packed.filename}: ${statSync(tarball).size} bytes packed, ${packed.unpackedSize} unpacked, ` +
      `${files.length} files; wasm ${wasm.length} bytes raw, ${gzipSync(wasm, { level: 9 }).length} gzipped`);

    const app = join(tmp, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], app);
    assert.ok(existsSync(join(app, 'node_modules', 'wasmtricks', 'dist', 'wasmtricks.wasm')));
    assert.ok(existsSync(join(app, 'node_modules', 'wasmtricks', 'dist', 'wasmtricks-relaxed.wasm')));

    await t.test('a Node script imports the installed package and trains', () => {
      writeFileSync(join(app, 'train.mjs'), NODE_SCRIPT);
      const out = JSON.parse(run(process.execPath, ['train.mjs'], app).trim().split('\n').at(-1));
      assert.ok(Number.isFinite(out.loss) && out.loss > 0, JSON.stringify(out));
      assert.match(out.kernel, /wasmsimd/);
      // Node 20 validates relaxed SIMD once the package turns V8's flag on: 'auto' takes it.
      assert.equal(out.build, 'relaxed');
      assert.equal(out.baseBuild, 'simd128');
      assert.equal(out.workerSteps, 1);
      assert.deepEqual(out.pretrained, { classes: 10, names: 10, normalized: true, tunedClasses: 3, logits: 3 });
    });

    await t.test('Vite builds a page importing it: the wasm asset and the worker are in the build', async () => {
      writeFileSync(join(app, 'index.html'), '<!doctype html><meta charset="utf-8"><title>app</title><script type="module" src="./main.js"></script>\n');
      writeFileSync(join(app, 'main.js'), PAGE_SCRIPT);
      // No import of 'vite' here: the app does not install it; the repository's copy runs.
      writeFileSync(join(app, 'vite.config.js'), "export default { logLevel: 'warn', build: { target: 'es2022' }, worker: { format: 'es' } };\n");
      run(process.execPath, [VITE, 'build'], app);
      const assets = readdirSync(join(app, 'dist', 'assets'));
      // Both modules are assets (hashed names: wasmtricks-<hash>.wasm, wasmtricks-relaxed-<hash>.wasm).
      const wasmAsset = assets.find((f) => /^wasmtricks-(?!relaxed-).*\.wasm$/.test(f));
      const relaxedAsset = assets.find((f) => /^wasmtricks-relaxed-.*\.wasm$/.test(f));
      assert.ok(wasmAsset && relaxedAsset, `no wasm assets for both modules in ${assets}`);
      assert.deepEqual(readFileSync(join(app, 'dist', 'assets', wasmAsset)), wasm);
      assert.deepEqual(readFileSync(join(app, 'dist', 'assets', relaxedAsset)), readFileSync(join(ROOT, 'dist', 'wasmtricks-relaxed.wasm')));
      assert.ok(assets.some((f) => /^worker-entry-.*\.js$/.test(f)), `no bundled worker in ${assets}`);
      const backboneAsset = assets.find((f) => /^resnet8-cifar10-.*\.safetensors$/.test(f));
      assert.ok(backboneAsset, `no shipped backbone among the assets: ${assets}`);
      assert.deepEqual(readFileSync(join(app, 'dist', 'assets', backboneAsset)), readFileSync(join(ROOT, 'assets', 'resnet8-cifar10.safetensors')));
      if (!existsSync(CHROMIUM)) {
        assert.ok(process.env.CI !== 'true', `Chromium not found at ${CHROMIUM}`);
        console.log(`Chromium not found at ${CHROMIUM}: the Vite build was checked, not run`);
        return;
      }
      const { chromium } = await import('playwright-core');
      const { startServer } = await import('../browser/server.mjs');
      const server = await startServer({ root: join(app, 'dist'), allow: ['index.html', 'assets/'] });
      const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
          '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
      try {
        const page = await browser.newPage();
        const log = [];
        page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
        page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
        await page.goto(`${server.url}index.html`);
        await page.waitForFunction(() => window.results !== undefined, null, { timeout: 120_000 });
        const r = await page.evaluate(() => window.results);
        assert.ok(r.ok, `${r.error}\n${log.join('\n')}`);
        assert.ok(Number.isFinite(r.loss) && r.loss > 0);
        assert.equal(r.build, 'relaxed', 'Chromium runs relaxed SIMD by default');
        assert.equal(r.workerSteps, 1);
        assert.deepEqual(r.pretrained, { classes: 10, tunedClasses: 3, logits: 3 });
      } finally {
        await browser.close();
        await server.close();
      }
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
