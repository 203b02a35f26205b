// simd.test.mjs - init's choice of module (issue #22): each `simd` choice forced, 'auto' on this
// host and on one without relaxed SIMD (WebAssembly.validate stubbed: Safari's answer), the
// errors of an unavailable or contradictory choice, and the relaxed build's numbers against the
// baseline's (fused multiply-add: close, not the same bits).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { init, defaultWasmURL, relaxedWasmURL } from '../../js/index.js';
import { rejectsWt, quadrants } from './helpers.mjs';

/** Runs fn with WebAssembly.validate answering false for every module (a host without relaxed
    SIMD would still validate the baseline, but init only asks about the relaxed probe). */
async function withoutRelaxed(fn) {
  const validate = WebAssembly.validate;
  WebAssembly.validate = () => false;
  try {
    return await fn();
  } finally {
    WebAssembly.validate = validate;
  }
}

test("each simd choice loads and names its build", async () => {
  const relaxed = await init({ simd: 'relaxed' });
  assert.equal(relaxed.build, 'relaxed');
  assert.match(relaxed.kernelName, /__wasmsimd_relaxed_madd$/);
  const simd128 = await init({ simd: 'simd128' });
  assert.equal(simd128.build, 'simd128');
  assert.match(simd128.kernelName, /__wasmsimd$/);
  const scalar = await init({ simd: 'scalar' });
  assert.equal(scalar.build, 'scalar');
  assert.match(scalar.kernelName, /__scalar$/);
  assert.equal((await init({ forceScalar: true })).build, 'scalar');
});

test("'auto' takes the relaxed module where the host validates relaxed SIMD (Node 20: V8's flag, set by the package)", async () => {
  assert.equal((await init()).build, 'relaxed');
  assert.equal((await init({ simd: 'auto' })).build, 'relaxed');
});

test("without relaxed SIMD 'auto' falls back to simd128 and a forced 'relaxed' is a clear error", async () => {
  await withoutRelaxed(async () => {
    assert.equal((await init()).build, 'simd128');
    await rejectsWt(init({ simd: 'relaxed' }), 'WT_ERR_UNSUPPORTED', /relaxed SIMD.*simd: 'auto'/);
    assert.equal((await init({ simd: 'scalar' })).build, 'scalar');
  });
});

test('bad or contradictory choices are WT_ERR_ARG', async () => {
  await rejectsWt(init({ simd: 'avx512' }), 'WT_ERR_ARG', /simd must be one of 'auto', 'relaxed', 'simd128', 'scalar'/);
  await rejectsWt(init({ simd: 'relaxed', forceScalar: true }), 'WT_ERR_ARG', /forceScalar contradicts/);
  await rejectsWt(init({ wasm: defaultWasmURL, simd: 'relaxed' }), 'WT_ERR_ARG', /'simd128' build/);
  await rejectsWt(init({ wasm: relaxedWasmURL, simd: 'simd128' }), 'WT_ERR_ARG', /'relaxed' build/);
});

test('a given module is named by what it is', async () => {
  assert.equal((await init({ wasm: relaxedWasmURL })).build, 'relaxed');
  assert.equal((await init({ wasm: defaultWasmURL })).build, 'simd128');
  assert.equal((await init({ wasm: relaxedWasmURL, simd: 'scalar' })).build, 'scalar');
});

test('the relaxed build trains to the baseline numbers within rounding, the baseline repeats its bits', async () => {
  const { x, y } = quadrants(16, 7);
  const run = async (simd) => {
    const wt = await init({ simd });
    const model = wt.models.studentCNN({ inputShape: [1, 8, 8], numClasses: 4, seed: 3 });
    const trainer = new wt.Trainer(model, { optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9 } });
    const losses = [];
    for (let i = 0; i < 3; i++) losses.push(trainer.step(x, y).loss);
    const logits = model.forward(x);
    model.dispose();
    return { losses, logits };
  };
  const [relaxed, simd128, again] = [await run('relaxed'), await run('simd128'), await run('simd128')];
  assert.deepEqual(again, simd128);
  for (let i = 0; i < 3; i++) {
    assert.ok(Math.abs(relaxed.losses[i] - simd128.losses[i]) <= 1e-4 * Math.abs(simd128.losses[i]),
      `step ${i}: loss ${relaxed.losses[i]} (relaxed) vs ${simd128.losses[i]} (simd128)`);
  }
  let worst = 0, scale = 0;
  for (let i = 0; i < simd128.logits.length; i++) {
    worst = Math.max(worst, Math.abs(relaxed.logits[i] - simd128.logits[i]));
    scale = Math.max(scale, Math.abs(simd128.logits[i]));
  }
  assert.ok(worst <= 1e-4 * scale, `logits differ by ${worst} (scale ${scale})`);
});
