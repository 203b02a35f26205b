// web-distill.test.mjs - the distillation demo in headless Chromium, driven as a person would,
// on a small Fashion-MNIST subset (1000 training, 300 validation images): a teacher (the tiny
// CNN, 3 epochs) trains in a worker; the two students (the same tiny CNN, seed 2, 2 epochs) train
// side by side, one alone and one with KD (T 4, w 1); both get validation curves, and the KD
// student's objective includes the distillation term (its loss is higher than the lone
// student's). The teacher's softened distribution: T = 1 is its softmax, a higher T flattens it
// (higher entropy, the same ranking), and moving the slider redraws the chart. Missing a teacher
// gives a clear error. Screenshot: tests/browser/screenshots/distill.png.
import test from 'node:test';
import assert from 'node:assert/strict';
import { skip, openBrowser, pageError, screenshot } from './web-browser.mjs';

if (skip) console.log(skip);

/** The bar heights of a bar chart, from the titles lib/chart.js gives each bar. */
const bars = (page, sel) => page.$$eval(`${sel} .wt-bar-group title`, (ts) => ts.map((t) => Number(t.textContent.split(': ').at(-1))));
const entropy = (p) => -p.reduce((a, v) => a + (v > 0 ? v * Math.log(v) : 0), 0);

test('distillation demo: teacher, two students with and without KD, softened distribution', { skip, timeout: 300_000 }, async () => {
  const b = await openBrowser();
  const { page, log } = b;
  const until = async (fn, timeout = 180_000) => {
    try {
      await page.waitForFunction(fn, null, { timeout });
    } catch (e) {
      throw new Error(`${e.message}\npage error: ${await pageError(page)}\n${log.join('\n')}`);
    }
  };
  try {
    await page.goto(b.url('distill.html'));
    await until(() => window.distill?.ready, 60_000);
    assert.equal(await page.locator('#train-students').isDisabled(), true, 'students can start without a teacher');
    await page.getByRole('button', { name: 'Use it as the teacher' }).click();
    assert.match(await pageError(page), /no saved run/);

    await page.fill('#n-train', '1000');
    await page.fill('#n-val', '300');
    await page.selectOption('#t-model', 'tiny');
    await page.fill('#t-epochs', '3');
    await page.getByRole('button', { name: 'Train the teacher' }).click();
    await until(() => document.getElementById('t-info').dataset.accuracy !== undefined || !document.getElementById('error').hidden);
    assert.equal(await pageError(page), '');
    const teacherAcc = Number(await page.locator('#t-info').getAttribute('data-accuracy'));
    assert.ok(teacherAcc > 0.5, `teacher validation accuracy ${teacherAcc} (chance 0.1)`);

    // The softened distribution of the first validation image.
    await until(() => document.querySelectorAll('#soft-T .wt-bar').length === 10, 30_000);
    const p1 = await bars(page, '#soft-1');
    const pT = await bars(page, '#soft-T');
    assert.ok(Math.abs(p1.reduce((a, v) => a + v, 0) - 1) < 0.01 && Math.abs(pT.reduce((a, v) => a + v, 0) - 1) < 0.01);
    assert.ok(entropy(pT) > entropy(p1), `T = 4 is not flatter: ${entropy(pT)} vs ${entropy(p1)}`);
    assert.equal(pT.indexOf(Math.max(...pT)), p1.indexOf(Math.max(...p1)), 'softening changed the top class');
    await page.locator('#soft-t').fill('10');
    await until(() => document.getElementById('soft-T').dataset.temperature === '10', 10_000);
    const p10 = await bars(page, '#soft-T');
    assert.ok(entropy(p10) > entropy(pT), 'T = 10 is not flatter than T = 4');
    await page.locator('#soft-t').fill('1');
    await until(() => document.getElementById('soft-T').dataset.temperature === '1', 10_000);
    assert.deepEqual(await bars(page, '#soft-T'), p1, 'T = 1 must be the teacher softmax itself');
    // Another image, another distribution.
    await page.locator('#soft-pick button').nth(3).click();
    await until(() => document.querySelector('#soft-pick button:nth-child(4)').getAttribute('aria-pressed') === 'true', 10_000);
    await page.waitForTimeout(300);

    // 2 epochs (32 steps), the page's default: after 1 epoch one seed's lone student sat at
    // 0.22-0.41 depending on the data order alone, too close to the bar to say anything.
    await page.fill('#s-epochs', '2');
    const t0 = Date.now();
    await page.getByRole('button', { name: 'Train both students' }).click();
    await until(() => (document.getElementById('m-alone').dataset.state === 'done' && document.getElementById('m-kd').dataset.state === 'done') ||
      !document.getElementById('error').hidden);
    assert.equal(await pageError(page), '', log.join('\n'));
    const alone = Number(await page.locator('#m-alone').getAttribute('data-accuracy'));
    const kd = Number(await page.locator('#m-kd').getAttribute('data-accuracy'));
    assert.ok(alone > 0.3 && kd > 0.3, `students' validation accuracy: alone ${alone}, KD ${kd} (chance 0.1)`);
    const loss = async (id) => Number((await page.locator(`#${id} dd[data-key="loss"]`).textContent()));
    assert.ok(await loss('m-kd') > await loss('m-alone'), 'the KD student\'s objective should include the distillation term');
    assert.equal(await page.locator('#chart-acc .wt-series').count(), 4);
    assert.match(await page.locator('#status').textContent(), /student alone [\d.]+%, with distillation [\d.]+%/);
    await screenshot(page, 'distill');
    assert.ok(!log.some((l) => l.startsWith('pageerror')), log.join('\n'));
    console.log(`distill: teacher ${(teacherAcc * 100).toFixed(1)}%, students alone ${(alone * 100).toFixed(1)}% / KD ${(kd * 100).toFixed(1)}% ` +
      `(1 epoch x 1000 images, ${((Date.now() - t0) / 1000).toFixed(1)} s for both)`);
  } finally {
    await b.close();
  }
});
