// prefetch.test.mjs - fit's prefetch in headless Chromium: in the page (a module Web Worker as
// the loader worker) and in a module Web Worker (the loader worker nested), on a cross-origin-
// isolated page (SharedArrayBuffer slots) and on a plain one (transferred slots): prefetch on
// must train the weights of prefetch off, and of Node, bit for bit. Skipped, visibly, only when
// Chromium is absent and this is not CI (as browser.test.mjs).
import test from 'node:test';
import assert from 'node:assert/strict';
import { ISOLATION, startServer } from './server.mjs';
import { chromiumSkip, launchChromium } from './chromium.mjs';
import { prefetchRuns } from './prefetch-steps.mjs';

const skip = chromiumSkip('prefetch browser test');

test('prefetch in Chromium (page and nested in a Web Worker; shared and transferred slots): the weights of prefetch off and of Node', { skip, timeout: 240_000 }, async () => {
  const node = await prefetchRuns();
  assert.equal(node.on.hash, node.off.hash);
  const isolatedServer = await startServer({ headers: () => ISOLATION });
  const plainServer = await startServer();
  let browser;
  try {
    browser = await launchChromium();
    const { page, log } = browser;
    for (const [server, isolated, mode] of [[isolatedServer, true, 'shared'], [plainServer, false, 'transfer']]) {
      await page.goto(`${server.url}tests/browser/prefetch.html`);
      await page.waitForFunction(() => window.results !== undefined, null, { timeout: 180_000 });
      const results = await page.evaluate(() => window.results);
      for (const where of ['main', 'worker']) {
        const r = results[where];
        assert.ok(r.ok, `${where} (${mode}): ${r.error}\n${log.join('\n')}`);
        assert.equal(r.isolated, isolated, `${where}: crossOriginIsolated`);
        assert.deepEqual(r.off.prefetch, { requested: false, used: false, mode: 'off', note: null });
        assert.equal(r.on.prefetch.used, true, `${where} (${mode}): ${JSON.stringify(r.on.prefetch)}`);
        assert.equal(r.on.prefetch.mode, mode);
        assert.equal(r.on.hash, r.off.hash, `${where} (${mode}): prefetch on vs off`);
        assert.equal(r.on.hash, node.on.hash, `${where} (${mode}): vs Node`);
        console.log(`${where}, ${mode}: prefetch on = off = Node: ${r.on.hash}`);
      }
    }
  } finally {
    await browser?.close();
    await isolatedServer.close();
    await plainServer.close();
  }
});
