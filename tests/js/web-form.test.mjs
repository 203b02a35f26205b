// web-form.test.mjs - the training studio's run form (web/runs.js FIELDS, TRICKS) against the
// package's optionSchema and presets: every control names a schema option the studio shows
// (web: true) and every such option has a control; ranges and choices lie inside the option's;
// each preset of the page is the package's (the same Trainer, compared by describe()); the
// distillation demo's option inputs name schema options too.
import test from 'node:test';
import assert from 'node:assert/strict';
import { init, optionSchema, presets } from '../../js/index.js';
import { FIELDS, TRICKS, PRESETS, DEFAULTS, trainerOptions } from '../../web/runs.js';
import { inRange } from '../../js/options.js';
import { readFileSync } from 'node:fs';

const controls = [...FIELDS, ...TRICKS];

test('every studio control names an optionSchema option with web: true, and each has one', () => {
  const byName = new Map(optionSchema.map((e) => [e.name, e]));
  const named = controls.filter((c) => c.option).map((c) => c.option);
  assert.equal(new Set(named).size, named.length, 'two controls set one option');
  for (const name of named) {
    assert.ok(byName.has(name), `control for '${name}': no such option in optionSchema`);
    assert.equal(byName.get(name).web, true, `'${name}' has a studio control but web: false`);
  }
  const shown = optionSchema.filter((e) => e.web).map((e) => e.name);
  assert.deepEqual([...named].sort(), [...shown].sort());
  assert.ok(named.includes('gradClipNorm'));
  // Only the model picker is a page setting of its own.
  assert.deepEqual(controls.filter((c) => !c.option).map((c) => c.key), ['model']);
});

test("the controls' ranges and choices lie inside their options'", () => {
  for (const c of controls.filter((f) => f.option)) {
    const e = optionSchema.find((o) => o.name === c.option);
    if (c.number) {
      assert.ok(inRange(c.number[0], e) && inRange(c.number[1], e), `${c.key}: [${c.number[0]}, ${c.number[1]}] outside ${e.name}`);
      if (c.on !== undefined) assert.ok(inRange(c.on, e), `${c.key}: on ${c.on}`);
    }
    if (c.options && e.choices) {
      for (const [v] of c.options) assert.ok(v === 'custom' || e.choices.includes(v), `${c.key}: '${v}' is not a choice of ${e.name}`);
    }
    if (c.options && e.type === 'integer') for (const [v] of c.options) assert.ok(Number.isInteger(v) && inRange(v, e), `${c.key}: ${v}`);
  }
  assert.deepEqual(FIELDS.find((f) => f.key === 'preset').options.map(([v]) => v), ['custom', ...Object.keys(presets)]);
});

test("the page's presets are the package's: the same Trainer settings", async () => {
  assert.deepEqual(Object.keys(PRESETS), Object.keys(presets));
  const wt = await init();
  const model = wt.models.studentCNN({ inputShape: [1, 8, 8], numClasses: 2, seed: 1 });
  try {
    for (const name of Object.keys(presets)) {
      const fromPage = new wt.Trainer(model, trainerOptions({ ...DEFAULTS, ...PRESETS[name] })).describe();
      const fromPackage = new wt.Trainer(model, { preset: name }).describe();
      assert.equal(fromPackage.preset, name);
      delete fromPackage.preset;
      delete fromPage.preset;
      assert.deepEqual(fromPage, fromPackage, name);
    }
    // And the check can fail: the page's old baseline (lr 0.05) is not the package's.
    const old = new wt.Trainer(model, trainerOptions({ ...DEFAULTS, ...PRESETS.baseline, lr: 0.05 })).describe();
    assert.notEqual(old.optimizer.lr, presets.baseline.optimizer.lr);
  } finally {
    model.dispose();
  }
});

test("the distillation demo's option inputs (data-option) name schema options and stay in their ranges", () => {
  const html = readFileSync(new URL('../../web/distill.html', import.meta.url), 'utf8');
  const inputs = [...html.matchAll(/<input [^>]*data-option="([^"]+)"[^>]*>/g)];
  assert.deepEqual(inputs.map((m) => m[1]), ['epochs', 'epochs', 'optimizer.lr', 'distillation.temperature', 'distillation.weight']);
  for (const [tag, name] of inputs) {
    const e = optionSchema.find((o) => o.name === name);
    assert.ok(e, name);
    for (const attr of ['min', 'max', 'value']) {
      const v = Number(tag.match(new RegExp(`${attr}="([^"]+)"`))[1]);
      assert.ok(inRange(v, e), `${name}: ${attr} ${v}`);
    }
  }
});
