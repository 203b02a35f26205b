// abi.test.mjs - the ABI description the module exports (wt_wasm_abi, src/wasm/records.h): the
// record layouts JS writes by field name, the enums it reads instead of copies, and the rule
// that every export's error path writes its own message (a stale one from an earlier call would
// be shown otherwise). Not here: the public API's errors (badinput.test.mjs).
import test from 'node:test';
import assert from 'node:assert/strict';
import { Runtime, enums, enumNames } from '../../js/runtime.js';

const rt = await Runtime.load();

test('layouts: every field inside its record, none overlapping; enums the engine names', () => {
  for (const [name, { size, fields }] of Object.entries(rt.layouts)) {
    const used = new Uint8Array(size);
    for (const [field, f] of Object.entries(fields)) {
      const slots = f.count + (f.optional ? 1 : 0);
      assert.ok(f.offset >= 0 && f.offset + slots <= size, `${name}.${field} inside the record`);
      for (let i = 0; i < slots; i++) {
        assert.equal(used[f.offset + i], 0, `${name}.${field} overlaps another field`);
        used[f.offset + i] = 1;
      }
    }
    assert.ok(used.every((u) => u === 1), `${name}: every slot belongs to a field`);
  }
  assert.deepEqual(enumNames('wt_optim_kind'), ['sgd', 'adam', 'adamw', 'adabound']);
  assert.equal(enums.wt_aug_step_kind.randomResizedCrop, 3);
  assert.equal(enums.wt_status.WT_ERR_ARG, 1);
  assert.equal(enumNames('wt_aug_op').length, 15);
});

test('record(): fields by name, enum names, optional fields, unknown names refused', () => {
  const r = rt.record('step', { kind: 'erasing', p: 0.5, scale: [0.02, 0.33], value: [1, 2, 3, 4] });
  const { fields } = rt.layouts.step;
  assert.equal(r.length, rt.layouts.step.size);
  assert.equal(r[fields.kind.offset], enums.wt_aug_step_kind.erasing);
  assert.equal(r[fields.p.offset], 0.5);
  assert.deepEqual([...r.subarray(fields.scale.offset, fields.scale.offset + 2)], [0.02, 0.33]);
  assert.deepEqual([...r.subarray(fields.value.offset, fields.value.offset + 5)], [1, 1, 2, 3, 4]);
  assert.equal(r[fields.fill.offset], 0, 'an absent optional field is flagged absent');
  const back = rt.readRecord('batch', rt.record('batch', { trick: 'ricap', offset: [1, 2, 3, 4, 5, 6, 7, 8], N: 5 }));
  assert.equal(back.trick, enums.wt_batch_trick.ricap);
  assert.deepEqual(back.offset, [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(back.N, 5);
  assert.throws(() => rt.record('optim', { learningRate: 1 }), /no field 'learningRate'/);
  assert.throws(() => rt.record('optim', { kind: 'lion' }), /unknown wt_optim_kind 'lion'/);
});

test('exports write their own message on error: data_batch and its shape with a bad step count, aug_policy with a bad kind', () => {
  const e = rt.exports;
  const ctx = rt.createContext(1);
  const stale = () => { // a known earlier failure, so a call that writes no message shows it
    rt.withStack((salloc) => {
      const p = salloc(8 * rt.layouts.schedule.size);
      new Float64Array(rt.memory.buffer, p, rt.layouts.schedule.size).set(rt.record('schedule', { kind: 'step' }));
      assert.ok(Number.isNaN(e.wt_wasm_schedule_lr(ctx, p, 0.1, 0)));
    });
    assert.match(rt.cstring(e.wt_wasm_ctx_last_error(ctx) >>> 0), /step_size/);
  };
  const message = () => rt.cstring(e.wt_wasm_ctx_last_error(ctx) >>> 0);
  try {
    const rec = rt.alloc(8 * rt.layouts.step.size * 17, 'steps');
    const buf = rt.alloc(64, 'buffers');
    for (const n of [0, 17]) {
      stale();
      assert.equal(e.wt_wasm_data_batch(ctx, rec, n, buf, 1, 2, 2, 3, buf), enums.wt_status.WT_ERR_ARG);
      assert.match(message(), new RegExp(`wt_data_batch: n_steps must be in 1\\.\\.16, got ${n}`));
      stale();
      assert.equal(e.wt_wasm_data_batch_shape(ctx, rec, n, 2, 2, 3, buf), enums.wt_status.WT_ERR_ARG);
      assert.match(message(), new RegExp(`wt_aug_pipeline_shape: n_steps must be in 1\\.\\.16, got ${n}`));
    }
    stale();
    assert.equal(e.wt_wasm_aug_policy(ctx, enums.wt_aug_step_kind.hflip, 0, 0, 0, 0, 0, buf, 2, 2, 3, buf, 0),
      enums.wt_status.WT_ERR_ARG);
    assert.match(message(), /is not a policy step/);
    rt.free(buf);
    rt.free(rec);
  } finally {
    rt.destroyContext(ctx);
  }
});
