// browser.test.mjs - the package in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core; no browser download): the page and a module Web Worker each init() the
// module over HTTP and train a few steps; the loss must go down in both, and the weights after
// the steps (a hash of their bits) must be identical in Node, the page and the worker: same
// seed, same module, same numbers. Skipped, visibly, only when Chromium is absent and this is
// not CI.
import test from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './server.mjs';
import { chromiumSkip, launchChromium } from './chromium.mjs';
import { trainSteps } from './train-steps.mjs';

const skip = chromiumSkip('browser test');

test('init() and training steps in the main thread and in a module Web Worker', { skip, timeout: 120_000 }, async () => {
  const server = await startServer();
  let browser;
  try {
    browser = await launchChromium();
    const { page, log } = browser;
    await page.goto(`${server.url}tests/browser/index.html`);
    await page.waitForFunction(() => window.results !== undefined, null, { timeout: 90_000 });
    const results = await page.evaluate(() => window.results);
    for (const where of ['main', 'worker']) {
      const r = results[where];
      assert.ok(r.ok, `${where}: ${r.error}\n${log.join('\n')}`);
      assert.equal(r.losses.length, 12);
      assert.ok(r.losses.every(Number.isFinite), `${where}: losses ${r.losses}`);
      assert.ok(r.losses.at(-1) < r.losses[0] * 0.8, `${where}: loss did not decrease: ${r.losses}`);
      // Chromium runs relaxed SIMD by default: init's 'auto' takes the FMA module there.
      assert.match(r.kernel, /__wasmsimd_relaxed_madd$/, `${where}: kernel ${r.kernel}`);
    }
    // Same seed, same numbers, to the bit: Node and Chromium run the same module (the relaxed
    // one: V8 lowers relaxed_madd the same way in both on this machine).
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
    await browser?.close();
    await server.close();
  }
});
