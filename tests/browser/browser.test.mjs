// browser.test.mjs - the package in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core; no browser download): the page and a module Web Worker each init() the
// module over HTTP and train a few steps; the loss must go down in both, and the weights after
// the steps (a hash of their bits) must be identical in Node, the page and the worker: same
// seed, same module, same numbers. Skipped, visibly, only when Chromium is absent and this is
// not CI.
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './server.mjs';
import { trainSteps } from './train-steps.mjs';

const CHROMIUM = process.env.WT_CHROMIUM ?? '/usr/bin/chromium';
const inCI = process.env.CI === 'true';
const skip = !existsSync(CHROMIUM) && !inCI
  ? `Chromium not found at ${CHROMIUM}: browser test SKIPPED (apt-get install chromium, or run scripts/setup.sh)`
  : false;
if (skip) console.log(skip);

test('init() and training steps in the main thread and in a module Web Worker', { skip, timeout: 120_000 }, async () => {
  const { chromium } = await import('playwright-core');
  const server = await startServer();
  const profile = mkdtempSync(join(tmpdir(), 'wasmtricks-chromium-'));
  let context;
  const log = [];
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = context.pages()[0] ?? await context.newPage();
    page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
    await page.goto(`${server.url}tests/browser/index.html`);
    await page.waitForFunction(() => window.results !== undefined, null, { timeout: 90_000 });
    const results = await page.evaluate(() => window.results);
    for (const where of ['main', 'worker']) {
      const r = results[where];
      assert.ok(r.ok, `${where}: ${r.error}\n${log.join('\n')}`);
      assert.equal(r.losses.length, 12);
      assert.ok(r.losses.every(Number.isFinite), `${where}: losses ${r.losses}`);
      assert.ok(r.losses.at(-1) < r.losses[0] * 0.8, `${where}: loss did not decrease: ${r.losses}`);
      assert.match(r.kernel, /__wasmsimd$/, `${where}: kernel ${r.kernel}`);
    }
    // Same seed, same numbers, to the bit: Node and Chromium run the same module.
    const node = await trainSteps();
    for (const where of ['main', 'worker']) {
      assert.deepEqual(results[where].losses, node.losses, `${where}: losses differ from Node's`);
      assert.equal(results[where].hash, node.hash, `${where}: student weights differ from Node's`);
      assert.equal(results[where].rngHash, node.rngHash, `${where}: ResNet-8 (mixup/CutMix) weights differ from Node's`);
    }
    assert.notEqual(node.hash, node.rngHash);
    console.log(`main thread losses: ${results.main.losses.map((v) => v.toFixed(3)).join(' ')}`);
    console.log(`web worker losses:  ${results.worker.losses.map((v) => v.toFixed(3)).join(' ')}`);
    console.log(`weight hashes (Node = page = worker): student ${node.hash}, resnet8 + mixup/cutmix ${node.rngHash}`);
  } finally {
    await context?.close();
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
