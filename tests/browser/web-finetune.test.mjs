// web-finetune.test.mjs - fine-tuning in the studio (issue #24), in headless Chromium as a person
// would: "My images" with two classes of PNG files (made here: reddish and bluish 32x32 noise),
// run A starts from the shipped backbone
// (assets/resnet8-cifar10.safetensors) with a new 2-class head and trains the head only, run B
// from the same backbone trains every layer; both end far above chance, A's description says
// "head only". The backbone on Fashion-MNIST (1x28x28) is refused with a message naming the
// shapes. Then A is saved and "Fine-tune in A" starts A again from the saved run with a new head.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skip, openBrowser, pageError } from './web-browser.mjs';
import { png } from '../js/helpers.mjs';

if (skip) console.log(skip);

/** n PNG files of one class into dir: reddish (0) or bluish (1) noise. */
function classFiles(dir, label, n) {
  let s = 1234 + label;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return Array.from({ length: n }, (_, i) => {
    const rgb = new Uint8Array(32 * 32 * 3);
    for (let p = 0; p < 32 * 32; p++) {
      const v = 60 + 120 * rnd();
      rgb.set(label === 0 ? [v + 70, v * 0.6, v * 0.5] : [v * 0.5, v * 0.7, v + 70], 3 * p);
    }
    const f = join(dir, `c${label}-${i}.png`);
    writeFileSync(f, png(32, 32, 3, rgb));
    return f;
  });
}

async function waitRun(page, slot, log) {
  await page.waitForFunction((s) => {
    const st = document.getElementById(`metrics-${s}`).dataset.state;
    return st === 'done' || st === 'failed' || !document.getElementById('error').hidden;
  }, slot, { timeout: 240_000 });
  assert.equal(await pageError(page), '', log.join('\n'));
}

const valAcc = async (page, slot) => Number((await page.locator(`#metrics-${slot} dd[data-key="validation accuracy"]`).textContent()).replace('%', '')) / 100;

test('studio: fine-tune the shipped backbone (head only, every layer) and a saved run on my images', { skip, timeout: 420_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmtricks-mine-'));
  const b = await openBrowser();
  const { page, log } = b;
  try {
    await page.goto(b.url('studio.html'));
    await page.waitForFunction(() => window.studio?.ready, null, { timeout: 60_000 });

    // The backbone takes 3x32x32: on Fashion-MNIST it is refused with both shapes named.
    await page.fill('#n-train', '100');
    await page.fill('#n-val', '100');
    await page.selectOption('#A-model', 'pretrained:resnet8-cifar10');
    await page.click('#train-A');
    await page.waitForFunction(() => !document.getElementById('error').hidden, null, { timeout: 60_000 });
    assert.match(await pageError(page), /ResNet-8 trained on CIFAR-10 \(pretrained, new head\) takes 3x32x32 images, these are 1x28x28/);

    await page.check('input[name="dataset"][value="mine"]');
    const inputs = page.locator('#classes input[type="file"]');
    await inputs.nth(0).setInputFiles(classFiles(dir, 0, 15));
    await page.waitForFunction(() => /15 image/.test(document.querySelector('#classes legend').textContent));
    await inputs.nth(1).setInputFiles(classFiles(dir, 1, 15));
    await page.waitForFunction(() => /15 image/.test(document.querySelectorAll('#classes legend')[1].textContent));

    // A: the head only; B: every layer; both from the backbone with a new 2-class head.
    await page.selectOption('#A-model', 'pretrained:resnet8-cifar10');
    await page.selectOption('#A-train', 'head');
    await page.fill('#A-epochs', '40');
    await page.dispatchEvent('#A-epochs', 'change');
    await page.selectOption('#B-model', 'pretrained:resnet8-cifar10');
    await page.fill('#B-lr', '0.01');
    await page.dispatchEvent('#B-lr', 'change');
    await page.fill('#B-headLr', '0.05');
    await page.dispatchEvent('#B-headLr', 'change');
    await page.fill('#B-epochs', '20');
    await page.dispatchEvent('#B-epochs', 'change');
    assert.match(await page.locator('#desc-A').textContent(), /head only/);
    assert.match(await page.locator('#desc-B').textContent(), /head lr 0\.05/);
    await page.click('#train-A');
    await waitRun(page, 'A', log);
    await page.click('#train-B');
    await waitRun(page, 'B', log);
    assert.match(await page.locator('#data-info').textContent(), /24 training and 6 validation images, 2 classes, 3x32x32/);
    for (const slot of ['A', 'B']) {
      const acc = await valAcc(page, slot);
      assert.ok(acc >= 5 / 6, `run ${slot}: validation accuracy ${acc} (chance 0.5)`);
    }

    // Save A, then "Fine-tune in A" starts A from it with a new head (the Model select says so).
    await page.fill('#save-name', 'tuned-a');
    await page.click('#save-A');
    await page.waitForSelector('#saved li[data-name="tuned-a"]');
    await page.locator('#saved li[data-name="tuned-a"]').getByRole('button', { name: 'Fine-tune in A' }).click();
    assert.equal(await page.inputValue('#A-model'), 'saved:tuned-a');
    await page.click('#train-A');
    await waitRun(page, 'A', log);
    assert.ok(await valAcc(page, 'A') >= 5 / 6);
    assert.ok(!log.some((l) => l.startsWith('pageerror')), log.join('\n'));
  } finally {
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
