// trainer.test.mjs - the Trainer's loss options through wasm: label smoothing and distillation
// equal the (PyTorch-golden-tested) wt.loss functions on the model's own logits, each batch
// trick trains, bad options throw naming the option, and a teacher's disposal ends its trainer.
import test from 'node:test';
import assert from 'node:assert/strict';
import { init, WasmTricksError } from '../../js/index.js';
import { quadrants } from './helpers.mjs';

const wt = await init();
const shape = [1, 8, 8];
const K = 4;

const argmax = (row) => row.indexOf(Math.max(...row));

test('label smoothing: the step loss is crossEntropy(labelSmoothing) of the logits before it', () => {
  const model = wt.models.studentCNN({ inputShape: shape, numClasses: K, seed: 3 });
  const trainer = new wt.Trainer(model, { optimizer: { name: 'sgd', lr: 0.05 }, labelSmoothing: 0.2 });
  const { x, y } = quadrants(8, 5);
  for (let s = 0; s < 3; s++) {
    const want = wt.loss.crossEntropy(model.forward(x), y, { numClasses: K, labelSmoothing: 0.2 }).loss;
    const { loss } = trainer.step(x, y);
    assert.ok(Math.abs(loss - want) <= 1e-5 * Math.abs(want), `${loss} vs ${want}`);
  }
  assert.equal(trainer.labelSmoothing, 0.2);
  model.dispose();
});

test('distillation: the step loss is CE + weight * KD of student and teacher logits', () => {
  const student = wt.models.studentCNN({ inputShape: shape, numClasses: K, seed: 3 });
  const teacher = wt.models.studentCNN({ inputShape: shape, numClasses: K, seed: 4 });
  const trainer = new wt.Trainer(student, {
    optimizer: { name: 'sgd', lr: 0.05 }, teacher, distillation: { temperature: 4, weight: 0.7 },
  });
  const { x, y } = quadrants(8, 6);
  for (let s = 0; s < 3; s++) {
    const zs = student.forward(x);
    const ce = wt.loss.crossEntropy(zs, y, { numClasses: K }).loss;
    const kd = wt.loss.distillation(zs, teacher.forward(x), { numClasses: K, temperature: 4 }).loss;
    const { loss } = trainer.step(x, y);
    assert.ok(Math.abs(loss - (ce + 0.7 * kd)) <= 1e-5 * Math.abs(loss), `${loss} vs ${ce} + 0.7 * ${kd}`);
  }
  assert.equal(trainer.teacher, teacher);
  assert.deepEqual({ ...trainer.distillation }, { temperature: 4, weight: 0.7 });
  teacher.dispose();
  assert.equal(trainer.disposed, true, 'disposing the teacher disposes the trainer that reads it');
  assert.throws(() => trainer.step(x, y), /disposed/);
  student.dispose();
});

const TRICKS = {
  mixup: { mixup: { alpha: 1 } },
  cutmix: { cutmix: { alpha: 1, prob: 1 } },
  ricap: { ricap: { beta: 0.3 } },
  'mixup+cutmix': { mixup: { alpha: 1 }, cutmix: { alpha: 1 }, switchProb: 0.5 },
};
for (const [trick, tricks] of Object.entries(TRICKS)) {
  test(`batch trick ${trick}: trains to > 90% held-out accuracy`, () => {
    const model = wt.models.studentCNN({ inputShape: shape, numClasses: K, seed: 7 });
    const trainer = new wt.Trainer(model, {
      optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9 }, ...tricks, labelSmoothing: 0.1, seed: 9,
    });
    for (const name of ['mixup', 'cutmix', 'ricap']) assert.equal(trainer[name] !== null, name in tricks, name);
    if (trick === 'mixup+cutmix') assert.deepEqual({ ...trainer.cutmix }, { alpha: 1, prob: 1 });
    for (let s = 0; s < 80; s++) {
      const { x, y } = quadrants(16, 100 + s);
      const { loss, accuracy } = trainer.step(x, y);
      assert.ok(Number.isFinite(loss) && accuracy >= 0 && accuracy <= 1);
    }
    const { x, y } = quadrants(200, 7777);
    const probs = model.predict(x);
    let correct = 0;
    for (let i = 0; i < 200; i++) correct += argmax(Array.from(probs.subarray(i * K, i * K + K))) === y[i];
    assert.ok(correct >= 180, `${trick}: ${correct}/200`);
    model.dispose();
  });
}

test('bad trainer options throw, naming the option', () => {
  const model = wt.models.studentCNN({ inputShape: shape, numClasses: K });
  const other = wt.models.studentCNN({ inputShape: shape, numClasses: K + 1 });
  const sgd = { name: 'sgd', lr: 0.1 };
  const cases = [
    [{ optimizer: sgd, labelSmoothing: 1.5 }, /labelSmoothing/],
    [{ optimizer: sgd, labelSmooting: 0.1 }, /unknown option 'labelSmooting'/],
    [{ optimizer: sgd, mixupp: { alpha: 1 } }, /unknown option 'mixupp'/],
    [{ optimizer: sgd, mixup: { beta: 1 } }, /unknown option 'beta'/],
    [{ optimizer: sgd, mixup: 0.2 }, /mixup must be an object/],
    [{ optimizer: sgd, cutmix: { prob: 2 } }, /prob/],
    [{ optimizer: sgd, mixup: { alpha: 0 } }, /alpha must be > 0/],
    [{ optimizer: sgd, ricap: {}, mixup: {} }, /ricap excludes/],
    [{ optimizer: sgd, mixup: {}, switchProb: 0.3 }, /needs both/],
    [{ optimizer: sgd, teacher: model }, /another model/],
    [{ optimizer: sgd, teacher: other }, /teacher/],
    [{ optimizer: sgd, teacher: other, distillation: { temperature: -1 } }, /temperature/],
    [{ optimizer: sgd, teacher: {} }, /teacher must be a Model/],
    [{ optimizer: sgd, distillation: { temperature: 2 } }, /need a teacher/],
  ];
  for (const [options, pattern] of cases) {
    assert.throws(() => new wt.Trainer(model, options), (e) => e instanceof WasmTricksError && pattern.test(e.message),
      JSON.stringify(Object.keys(options)));
  }
  const ok = new wt.Trainer(model, { optimizer: sgd, ricap: {} });
  const { x, y } = quadrants(4, 1);
  assert.ok(Number.isFinite(ok.step(x, y).loss), 'the module stays usable after the errors');
  model.dispose();
  other.dispose();
});
