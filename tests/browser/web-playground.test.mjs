// web-playground.test.mjs - the web app's home page and augmentation playground in headless
// Chromium, driven as a person would: the page loads the engine and eight Fashion-MNIST samples
// from scripts/serve.mjs (checked: COOP/COEP headers, MIME types, nothing outside web/ js/
// dist/ data/); dragging the Cutout length, mixup alpha and RICAP beta sliders changes the
// images (pixel checksums differ), Resample redraws, the soft targets of a mixed image sum to
// 1, AutoAugment names the sub-policy and ops the engine reports (RandAugment and TrivialAugment
// their ops), a drawing made with the mouse joins the batch, and an
// empty pad gives a clear error. Screenshots: tests/browser/screenshots/{index,playground}.png.
import test from 'node:test';
import assert from 'node:assert/strict';
import { skip, openBrowser, pageError, drawWithMouse, SHAPES, screenshot } from './web-browser.mjs';

if (skip) console.log(skip);

/** Sets a range input to `value` the way a drag does (input events), then waits for the card
    to render again; returns its new checksum. */
async function slide(page, card, input, value) {
  const before = await page.locator(`#card-${card}`).getAttribute('data-renders');
  await page.locator(`#${input}`).fill(String(value));
  await page.waitForFunction(([c, b]) => document.getElementById(`card-${c}`).dataset.renders !== b, [card, before]);
  return page.locator(`#card-${card}`).getAttribute('data-checksum');
}

test('server: COOP/COEP headers, MIME types, only the app folders', { timeout: 30_000 }, async () => {
  const { startServer } = await import('../../scripts/serve.mjs');
  const server = await startServer();
  try {
    const get = (p) => fetch(new URL(p, server.origin), { redirect: 'manual' });
    const page = await get('web/playground.html');
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(page.headers.get('cross-origin-embedder-policy'), 'require-corp');
    assert.match(page.headers.get('content-type'), /^text\/html/);
    assert.equal((await get('dist/wasmtricks.wasm')).headers.get('content-type'), 'application/wasm');
    assert.match((await get('js/index.js')).headers.get('content-type'), /^text\/javascript/);
    assert.match((await get('web/style.css')).headers.get('content-type'), /^text\/css/);
    const data = await get('data/fashion-mnist/t10k-labels-idx1-ubyte.gz');
    assert.equal(data.status, 200);
    assert.deepEqual([...new Uint8Array(await data.arrayBuffer()).subarray(0, 2)], [0x1f, 0x8b]);
    assert.equal((await get('')).status, 302);
    assert.match((await get('examples/pytorch/wt_models.py')).headers.get('content-type'), /^text\/x-python/);
    for (const p of ['package.json', 'examples/pytorch/interchange.py/../../../package.json', 'src/wasmtricks.h', 'web/../package.json', 'js/%2e%2e/package.json', 'data/fashion-mnist/../../../etc/passwd']) {
      assert.equal((await get(p)).status, 404, p);
    }
  } finally {
    await server.close();
  }
});

test('augmentation playground: sliders change the images, mixed targets, AutoAugment named, drawing', { skip, timeout: 120_000 }, async () => {
  const b = await openBrowser();
  const { page, log } = b;
  const diag = () => log.join('\n');
  try {
    await page.goto(b.url('index.html'));
    await page.waitForFunction(() => /Engine ready/.test(document.getElementById('status').textContent), null, { timeout: 30_000 });
    await screenshot(page, 'index');

    await page.goto(b.url('playground.html'));
    await page.waitForFunction(() => window.playground?.ready, null, { timeout: 60_000 });
    assert.equal(await pageError(page), '', diag());
    assert.equal(await page.locator('#pool button').count(), 8, 'eight Fashion-MNIST samples');
    assert.equal(await page.locator('#pool button[aria-pressed="true"]').count(), 4);

    // Cutout: a longer hole changes the pixels; the same length again gives the same pixels.
    const c16 = await page.locator('#card-cutout').getAttribute('data-checksum');
    const c28 = await slide(page, 'cutout', 'cutout-length', 28);
    assert.notEqual(c28, c16, 'Cutout length 16 -> 28 did not change the image');
    assert.equal(await slide(page, 'cutout', 'cutout-length', 16), c16, 'Cutout is not reproducible for a fixed seed');
    // mixup alpha and RICAP beta change the mixed images.
    const m1 = await page.locator('#card-mixup').getAttribute('data-checksum');
    assert.notEqual(await slide(page, 'mixup', 'mixup-alpha', 0.2), m1, 'mixup alpha did not change the image');
    const r1 = await page.locator('#card-ricap').getAttribute('data-checksum');
    assert.notEqual(await slide(page, 'ricap', 'ricap-beta', 1.5), r1, 'RICAP beta did not change the image');
    assert.match(await page.locator('#card-ricap p.info').textContent(), /patch area weights [\d.]+, [\d.]+, [\d.]+, [\d.]+/);
    assert.equal(await page.locator('#card-ricap .outputs figure').count(), 4);
    // Every mixed image's soft-target bars sum to 1.
    const sums = await page.$$eval('#card-mixup .targets svg', (svgs) => svgs.map((s) =>
      [...s.querySelectorAll('.wt-bar-group title')].reduce((a, t) => a + Number(t.textContent.split(': ')[1]), 0)));
    assert.equal(sums.length, 4);
    for (const s of sums) assert.ok(Math.abs(s - 1) < 0.003, `targets sum to ${s}`);
    // The random policies name what the engine reports having drawn.
    assert.match(await page.locator('#card-autoaugment p.info').textContent(),
      /^sub-policy \d+\/25 \(\w+ p [\d.]+( bin \d)?, \w+ p [\d.]+( bin \d)?\); (applied: \w+( -?[\d.]+)?( then \w+( -?[\d.]+)?)?|it applied no op)/);
    assert.match(await page.locator('#card-randaugment p.info').textContent(), /magnitude bin 9 of 31: \w+( -?[\d.]+)? then \w+( -?[\d.]+)?\.$/);
    assert.match(await page.locator('#card-trivialaugment p.info').textContent(), /the wide ranges\): \w+/);

    // Resample: new draws everywhere.
    const before = await page.locator('#card-erasing').getAttribute('data-checksum');
    await page.getByRole('button', { name: 'Resample' }).click();
    await page.waitForFunction(() => /seed 2/.test(document.getElementById('seed').textContent));
    assert.notEqual(await page.locator('#card-erasing').getAttribute('data-checksum'), before);
    assert.equal(await page.locator('#grid canvas').count(), 16);

    // An empty pad is refused with a message; a drawing joins the pool and the batch.
    await page.getByRole('button', { name: 'Add the drawing' }).click();
    assert.match(await pageError(page), /pad is empty/);
    await drawWithMouse(page, '#pad', SHAPES.trouser);
    await page.getByRole('button', { name: 'Add the drawing' }).click();
    await page.waitForFunction(() => document.querySelectorAll('#pool button').length === 9);
    assert.equal(await pageError(page), '', diag());
    assert.match(await page.locator('#card-cutout figcaption').first().textContent(), /drawing 1/);
    await screenshot(page, 'playground');
    assert.ok(!log.some((l) => l.startsWith('pageerror')), diag());
  } finally {
    await b.close();
  }
});
