// worker-trainer.test.mjs - WorkerTrainer, canvas I/O and the IndexedDB store in headless
// Chromium (Debian's /usr/bin/chromium via playwright-core, a persistent profile so IndexedDB
// survives reloads). The page trains the student CNN in a module Web Worker on generated
// stripes to well above chance while a 10 ms timer on the page never waits 100 ms, predicts
// from canvases / Blob / ImageBitmap / ImageData, saves, and checks export/import, quota and
// corruption reporting; a run is cut short by a reload and resumed from its autosave to the
// same weights as the uninterrupted run; after a reload the saved run predicts identically
// (loaded into a worker that announced itself before load() listened), and exportWeights' file
// alone (no trainer options) predicts like the run.
// Prints the time from page load to the first prediction. Skipped, visibly, only when
// Chromium is absent outside CI.
import test from 'node:test';
import assert from 'node:assert/strict';
import { cpus, loadavg } from 'node:os';
import { startServer } from './server.mjs';
import { chromiumSkip, launchChromium } from './chromium.mjs';
import { STRIPE_CLASSES } from './stripes.mjs';

const skip = chromiumSkip('WorkerTrainer browser test');

async function phase(page, server, name, log) {
  await page.goto(`${server.url}tests/browser/worker-trainer.html?phase=${name}`);
  await page.waitForFunction(() => window.results !== undefined, null, { timeout: 150_000 });
  const r = await page.evaluate(() => window.results);
  assert.ok(r.ok, `${name}: ${r.error}\n${log.join('\n')}`);
  return r;
}

const top = (preds) => preds.map((p) => p[0].label);

/** The page stayed responsive: its 10 ms timer never waited 100 ms. On an overloaded machine
    (load average above the core count) the OS may not schedule the renderer at all for a
    while; then a gap of 100 ms or more with no task of 100 ms on the page (the main thread was
    not busy) is reported loudly, and the 99th-percentile gap must still be < 100 ms. Chromium's
    long tasks (> 50 ms) count wall time, so under load a short task can show up as one. */
function assertResponsive(t, what) {
  assert.ok(t.fires > 20, `${what}: the timer fired ${t.fires} times`);
  assert.ok(t.maxLongTask < 100, `${what}: a task of ${t.maxLongTask} ms on the page's main thread`);
  if (t.maxGap < 100) return;
  const load = loadavg()[0];
  assert.ok(load > cpus().length, `${what}: the page's 10 ms timer waited ${t.maxGap.toFixed(1)} ms (load average ${load.toFixed(1)})`);
  console.log(`NOTE ${what}: one timer gap of ${t.maxGap.toFixed(1)} ms with no long task on the page, load average ` +
    `${load.toFixed(1)} on ${cpus().length} cores (OS scheduling); 99th percentile ${t.p99Gap.toFixed(1)} ms`);
  console.log(`NOTE ${what}: the longest main-thread task was ${t.maxLongTask} ms`);
  assert.ok(t.p99Gap < 100, `${what}: 99th-percentile timer gap ${t.p99Gap} ms`);
}

test('WorkerTrainer in Chromium: responsive page, canvas predictions, IndexedDB save / reload / resume', { skip, timeout: 400_000 }, async () => {
  const server = await startServer();
  let browser;
  try {
    browser = await launchChromium();
    const { page, log } = browser;

    const a = await phase(page, server, 'train', log);
    assert.equal(a.fit.stopped, false);
    assert.equal(a.fit.steps, 32);
    assertResponsive(a.fit, 'training');
    assert.ok(a.accuracy > 0.9, `held-out accuracy ${a.accuracy} (chance 0.25)`);
    for (const k of ['step', 'loss', 'accuracy', 'imagesPerSecond', 'lr', 'eta']) assert.ok(Number.isFinite(a.fit.last[k]), `progress.${k}`);
    assert.deepEqual(top(a.predictions), [0, 1, 2, 3], JSON.stringify(a.predictions));
    assert.equal(a.predictions[1][0].className, 'vertical');
    assert.ok(a.predictions.every((p) => p.length === 4 && Math.abs(p.reduce((s, x) => s + x.probability, 0) - 1) < 1e-5));
    assert.equal(a.fromBlob[0].label, 1);
    assert.equal(a.fromBitmap[0].label, 2);
    assert.equal(a.fromImageData[0].label, 3);
    assert.deepEqual(a.fromOffscreen, a.predictions[0]);
    assert.deepEqual(a.viaImagePredict, a.predictions[1]);
    assert.ok(a.badBlob.rejected && a.badBlob.ok, JSON.stringify(a.badBlob));
    assert.ok(a.drawTensorOk && a.drawImageOk, 'image.draw pixels');
    assert.ok(a.list.includes('stripes'));
    assert.equal(a.exportName, 'stripes.safetensors');
    assert.deepEqual(a.importedPredictions, a.predictions, 'imported weights predict like the saved run');
    assert.deepEqual(a.weightsAlone, { classNames: [...STRIPE_CLASSES], predictions: a.predictions }, 'exportWeights\' file alone predicts like the run');
    assert.deepEqual(a.newHead, { numClasses: 2, classNames: ['h', 'v'], names: ['h', 'v'] }, 'a saved run with a new head');
    assert.ok(a.quota.rejected && a.quota.ok, JSON.stringify(a.quota));
    assert.match(a.quota.message, /quota/);
    assert.ok(a.afterQuota > 0);
    assert.ok(a.corrupt.rejected && /corrupt.*previous version .* is kept/.test(a.corrupt.message), JSON.stringify(a.corrupt));
    assert.deepEqual(a.previous, { v: 1 });
    assert.equal(a.deleted, true);
    assert.ok(!a.listAfter.some((s) => s.startsWith('corrupt:')));

    // A run cut short by a reload after two autosaves...
    await page.goto(`${server.url}tests/browser/worker-trainer.html?phase=interrupt`);
    await page.waitForFunction(() => (window.autosaves?.length ?? 0) >= 2, null, { timeout: 120_000 });
    const saves = await page.evaluate(() => window.autosaves);
    // ...then a fresh page: the saved run predicts exactly as before, the interrupted one resumes.
    const b = await phase(page, server, 'reload', log);
    assert.deepEqual(b.predictions, a.predictions, 'identical predictions after the reload');
    assert.equal(b.weightsHash, a.weightsHash);
    assert.ok(b.interruptedMeta.steps >= 10 && b.interruptedMeta.steps < 32, JSON.stringify(b.interruptedMeta));
    assert.equal(b.resumed.steps, 32);
    assert.equal(b.resumed.weightsHash, a.weightsHash, 'the resumed run ends with the uninterrupted run\'s weights');
    assertResponsive(b.resumed, 'resumed training');
    console.log(`train: ${a.fit.steps} steps in ${a.fit.seconds.toFixed(1)} s (${a.fit.last.imagesPerSecond.toFixed(0)} img/s), ` +
      `held-out accuracy ${(a.accuracy * 100).toFixed(1)}%, largest timer gap ${a.fit.maxGap.toFixed(1)} ms over ${a.fit.fires} firings, longest main-thread task ${a.fit.maxLongTask} ms`);
    console.log(`autosaves at steps ${saves.join(', ')} before the reload; resumed from step ${b.interruptedMeta.steps} to 32 ` +
      `(largest timer gap ${b.resumed.maxGap.toFixed(1)} ms, longest main-thread task ${b.resumed.maxLongTask} ms)`);
    console.log(`time to first prediction: ${a.firstPredictionMs.toFixed(0)} ms (fresh page, new model), ` +
      `${b.firstPredictionMs.toFixed(0)} ms (reloaded page, run loaded from IndexedDB); exported weights ${a.exportBytes} bytes`);
  } finally {
    await browser?.close();
    await server.close();
  }
});
