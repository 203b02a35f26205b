// options.test.mjs - optionSchema and presets (js/options.js): well-formed entries; the option
// parsers that keep their own key lists (optim.js for optimizer and schedule, loader.js for
// augment) accept exactly the schema's fields; the Trainer takes the schema's keys and
// defaults and refuse bad values with the schema's range in the message; the presets are frozen
// and the names bench/study/configs.mjs uses exist.
import test from 'node:test';
import assert from 'node:assert/strict';
import { init, optionSchema, presets } from '../../js/index.js';
import { childKeys, checkOption, setOption } from '../../js/options.js';
import { parseOptimizer, parseSchedule } from '../../js/optim.js';
import { AUGMENT_KEYS } from '../../js/loader.js';

const TYPES = ['number', 'integer', 'boolean', 'string', 'object', 'array', 'model', 'dataset', 'function', 'signal', 'bytes'];
const GROUPS = ['recipe', 'optimizer', 'schedule', 'loss', 'batch', 'finetune', 'distillation', 'augment', 'fit'];

/** The `known: a, b` list of the message a parser throws for an unknown key. */
function knownKeys(fn) {
  try {
    fn();
  } catch (e) {
    const m = e.message.match(/\(known: ([^)]*)\)/);
    assert.ok(m, e.message);
    return m[1].split(', ');
  }
  assert.fail('no error for an unknown key');
}

test('every entry is well formed; names are unique; a nested name has its parent', () => {
  const names = optionSchema.map((e) => e.name);
  assert.equal(new Set(names).size, names.length);
  const flags = optionSchema.filter((e) => e.cli).map((e) => e.cli);
  assert.equal(new Set(flags).size, flags.length);
  for (const e of optionSchema) {
    assert.ok(TYPES.includes(e.type), `${e.name}: type ${e.type}`);
    assert.ok(GROUPS.includes(e.group), `${e.name}: group ${e.group}`);
    assert.equal(typeof e.help, 'string');
    assert.ok(e.help.length > 5, e.name);
    assert.equal(typeof e.web, 'boolean');
    assert.ok(e.cli === null || /^--[a-z][a-z-]*$/.test(e.cli), `${e.name}: cli ${e.cli}`);
    if (e.choices) assert.ok(e.choices.length >= 2 && (e.default === undefined || e.choices.includes(e.default)), e.name);
    if (typeof e.default === 'number' && (e.type === 'number' || e.type === 'integer')) assert.equal(checkOption(e.name, e.default, 'x'), e.default);
    const parent = e.name.split('.').slice(0, -1).join('.');
    if (parent) assert.ok(names.includes(parent), `${e.name}: no entry for ${parent}`);
    if (parent) assert.equal(optionSchema.find((p) => p.name === parent).group, e.group, e.name);
  }
  assert.ok(Object.isFrozen(optionSchema) && Object.isFrozen(optionSchema[0]));
});

test("the optimizer, schedule and augment parsers accept exactly the schema's fields", () => {
  const optimizer = new Set(['name']);
  for (const name of optionSchema.find((e) => e.name === 'optimizer.name').choices) {
    for (const k of knownKeys(() => parseOptimizer({ name, lr: 0.1, zzz: 1 }, 'Trainer'))) optimizer.add(k);
  }
  assert.deepEqual([...optimizer].sort(), childKeys('optimizer').sort());
  const schedule = new Set();
  for (const name of optionSchema.find((e) => e.name === 'schedule.name').choices) {
    for (const k of knownKeys(() => parseSchedule({ name, zzz: 1 }, 'Trainer'))) schedule.add(k);
  }
  assert.deepEqual([...schedule].sort(), childKeys('schedule').sort());
  assert.deepEqual([...AUGMENT_KEYS], childKeys('augment'));
});

test("the Trainer takes the schema's keys, defaults and ranges", async () => {
  const wt = await init();
  const model = wt.models.studentCNN({ inputShape: [1, 8, 8], numClasses: 2, seed: 1 });
  const opt = { name: 'sgd', lr: 0.1 };
  try {
    assert.deepEqual(knownKeys(() => new wt.Trainer(model, { optimizer: opt, zzz: 1 })), childKeys(''));
    for (const name of ['mixup', 'cutmix', 'ricap']) {
      assert.deepEqual(knownKeys(() => new wt.Trainer(model, { optimizer: opt, [name]: { zzz: 1 } })), childKeys(name));
    }
    const t = new wt.Trainer(model, { optimizer: opt, mixup: true, cutmix: {} });
    assert.deepEqual(t.mixup, { alpha: optionSchema.find((e) => e.name === 'mixup.alpha').default });
    assert.deepEqual(t.cutmix, { alpha: 1, prob: 1 }); // prob 1 when mixup shares the batches
    assert.equal(t.switchProb, 0.5);
    assert.equal(new wt.Trainer(model, { optimizer: opt, cutmix: true }).cutmix.prob, 0.5);
    for (const [o, re] of [[{ labelSmoothing: 2 }, /Trainer: labelSmoothing must be in \[0, 1\], got 2/],
      [{ gradClipNorm: -1 }, /Trainer: gradClipNorm must be >= 0, got -1/],
      [{ ricap: { beta: 0 } }, /Trainer: ricap\.beta must be > 0, got 0/],
      [{ cutmix: { prob: 1.5 } }, /Trainer: cutmix\.prob must be in \[0, 1\], got 1\.5/],
      [{ mixup: {}, cutmix: {}, switchProb: -0.1 }, /Trainer: switchProb must be in \[0, 1\], got -0\.1/],
      [{ mixup: { alpha: '1' } }, /Trainer: mixup\.alpha must be a finite number, got string/]]) {
      assert.throws(() => new wt.Trainer(model, { optimizer: opt, ...o }), re);
    }
  } finally {
    model.dispose();
  }
});

test('presets: frozen Trainer options; the names bench/study uses; setOption builds nested options', () => {
  assert.deepEqual(Object.keys(presets), ['baseline', 'bag-of-tricks', 'cifar-autoaugment', 'small-data']);
  assert.equal(presets.baseline.optimizer.lr, 0.01);
  assert.throws(() => { presets.baseline.optimizer.lr = 1; }, TypeError);
  for (const p of Object.values(presets)) for (const k of Object.keys(p)) assert.ok(childKeys('').includes(k), k);
  assert.deepEqual(setOption({ a: 1 }, 'augment.cutout.length', 8), { a: 1, augment: { cutout: { length: 8 } } });
});

test('choices that name engine enums are the names the module exports (wt_wasm_abi)', async () => {
  await init();
  const { enumNames } = await import('../../js/runtime.js');
  const choices = (name) => optionSchema.find((e) => e.name === name).choices;
  // The schema must check options before any init(), so it spells these out; the engine is the truth.
  assert.deepEqual(choices('optimizer.name'), enumNames('wt_optim_kind'));
  assert.deepEqual(choices('schedule.name'), enumNames('wt_schedule_kind'));
  assert.deepEqual(choices('augment.autoAugment'), enumNames('wt_aug_policy'));
});
