// parallel.test.mjs - data-parallel training (Trainer option threads) in headless Chromium: in
// the page and in a module Web Worker (helper threads as nested module workers), on a
// cross-origin-isolated page (COOP/COEP: SharedArrayBuffer exchange) and on a plain one
// (transferred buffers); 2 threads must end within 1e-5 of one thread. Skipped, visibly, only
// when Chromium is absent and this is not CI (as browser.test.mjs).
import test from 'node:test';
import assert from 'node:assert/strict';
import { ISOLATION, startServer } from './server.mjs';
import { chromiumSkip, launchChromium } from './chromium.mjs';

const skip = chromiumSkip('parallel browser test');

test('threads: 2 in Chromium (page and Web Worker; SharedArrayBuffer when isolated, transfer when not)', { skip, timeout: 180_000 }, async () => {
  const isolatedServer = await startServer({ headers: () => ISOLATION });
  const plainServer = await startServer();
  let browser;
  try {
    browser = await launchChromium();
    const { page, log } = browser;
    for (const [server, isolated, mode] of [[isolatedServer, true, 'shared'], [plainServer, false, 'transfer']]) {
      await page.goto(`${server.url}tests/browser/parallel.html`);
      await page.waitForFunction(() => window.results !== undefined, null, { timeout: 120_000 });
      const results = await page.evaluate(() => window.results);
      for (const where of ['main', 'worker']) {
        const r = results[where];
        assert.ok(r.ok, `${where} (${mode}): ${r.error}\n${log.join('\n')}`);
        assert.equal(r.isolated, isolated, `${where}: crossOriginIsolated`);
        assert.deepEqual(r.threads, { requested: 2, used: 2, mode, note: mode === 'transfer'
          ? 'no SharedArrayBuffer (the page is not cross-origin isolated): buffers are transferred each step' : null });
        assert.ok(r.rel <= 1e-5, `${where} (${mode}): weights ${r.rel} relative from one thread`);
        assert.ok(r.worstLoss <= 1e-5, `${where} (${mode}): losses ${JSON.stringify(r.losses)}`);
        console.log(`${where}, ${mode}: 2 threads vs 1 after 5 steps: weights ${r.rel.toExponential(2)}, losses ${r.worstLoss.toExponential(2)} relative`);
      }
    }
  } finally {
    await browser?.close();
    await isolatedServer.close();
    await plainServer.close();
  }
});
