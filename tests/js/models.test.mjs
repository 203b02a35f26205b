// models.test.mjs - wt.models beyond the student: ResNets, specs, train/eval, summary, and
// safetensors save/load, against the PyTorch fixtures of scripts/gen_model_parity.py
// (tests/data/resnet8_torch.safetensors, written by PyTorch, and tests/data/model_parity.h).
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { init } from '../../js/index.js';
import { throwsWt } from './helpers.mjs';

const wt = await init();
const torchFile = new Uint8Array(readFileSync(new URL('../data/resnet8_torch.safetensors', import.meta.url)));
const header = readFileSync(new URL('../data/model_parity.h', import.meta.url), 'utf8');

function fixture(name) {
  const m = header.match(new RegExp(`${name}\\[\\d+\\] = \\{([^}]*)\\}`));
  return m[1].split(',').map(Number);
}
const resnet8Loss = Number(header.match(/\{"resnet8", mp_resnet8_spec, \d+, \d+, \d+, \d+, ([^,]+),/)[1]);

function input(n) {
  return Float32Array.from({ length: n }, (_, i) => Math.cos(1.3 * i) + 0.25 * Math.sin(0.11 * i));
}

function maxRel(got, want) {
  const rms = Math.sqrt(want.reduce((s, v) => s + v * v, 0) / want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / (Math.abs(want[i]) + 0.1 * rms));
  return worst;
}

test('a PyTorch ResNet-8 file loads alone, reproduces PyTorch, and re-saves byte for byte', () => {
  const base = wt.liveBytes();
  const m = wt.models.load(torchFile);
  assert.deepEqual(m.spec, { model: 'resnet', depth: 8, input: [3, 8, 8], classes: 10, zero_init_residual: false });
  assert.deepEqual([...m.inputShape], [3, 8, 8]);
  assert.equal(m.numClasses, 10);
  const p = m.getParams();
  for (let i = 0; i < p.length; i += 997) assert.equal(p[i], Math.fround(0.1 * Math.sin(0.7 * i + 0.3)));
  const x = input(2 * 3 * 8 * 8);
  assert.ok(m.training);
  m.eval();
  assert.ok(!m.training);
  assert.ok(maxRel(m.forward(x), fixture('mp_resnet8_logits_eval')) < 1e-4, 'eval logits');
  const saved = m.save();
  assert.equal(saved.length, torchFile.length);
  assert.ok(Buffer.from(saved).equals(Buffer.from(torchFile)), 'lossless and byte-identical');
  m.train();
  assert.ok(maxRel(m.forward(x), fixture('mp_resnet8_logits')) < 1e-4, 'train logits');
  // the training-mode forward moved the running statistics: the file no longer matches
  assert.ok(!Buffer.from(m.save()).equals(Buffer.from(torchFile)));
  m.loadWeights(torchFile);
  assert.ok(Buffer.from(m.save()).equals(Buffer.from(torchFile)));
  // a step with lr 0 reports PyTorch's loss
  const t = new wt.Trainer(m, { optimizer: { name: 'sgd', lr: 0 } });
  const { loss } = t.step(x, Int32Array.from([0, 1]));
  assert.ok(Math.abs(loss - resnet8Loss) <= 1e-5 * Math.abs(resnet8Loss), `${loss} vs ${resnet8Loss}`);
  m.dispose();
  assert.equal(wt.liveBytes(), base);
});

test('resnet, resnet18, fromSpec, summary', () => {
  const r = wt.models.resnet({ depth: 8, numClasses: 4, inputShape: [1, 8, 8], zeroInitResidual: true });
  const s = r.summary();
  assert.match(s, /layer3\.0\.downsample\.0/);
  assert.match(s, /global_avgpool/);
  assert.match(s, new RegExp(`Total params: ${r.paramCount}`));
  const again = wt.models.fromSpec(r.spec);
  assert.equal(again.paramCount, r.paramCount);
  again.loadWeights(r.save());
  assert.deepEqual(again.getParams(), r.getParams());
  const explicit = wt.models.fromSpec({
    input: [1, 4, 4], classes: 2,
    layers: [
      { type: 'conv2d', name: 'c', out_channels: 2, kernel: 3, padding: 1, bias: false },
      { type: 'batchnorm2d', name: 'bn' },
      { type: 'relu', id: 'r' },
      { type: 'add', inputs: ['r', 'r'] },
      { type: 'dropout', p: 0.1 },
      { type: 'global_avgpool' },
      { type: 'flatten' },
      { type: 'linear', name: 'fc', out_features: 2 },
    ],
  });
  assert.equal(explicit.paramCount, 18 + 4 + 6);
  assert.equal(explicit.predict(new Float32Array(2 * 16).fill(0.5)).length, 4);
  const r18 = wt.models.resnet18({ numClasses: 10, inputShape: [3, 16, 16] });
  assert.equal(r18.paramCount, 11173962);
  for (const m of [r, again, explicit, r18]) m.dispose();
});

test('silu: the engine takes it from a spec, as torch.nn.SiLU', () => {
  const m = wt.models.fromSpec({ input: [1, 1, 4], classes: 4, layers: [{ type: 'flatten' }, { type: 'silu' }] });
  assert.match(m.summary(), /silu/);
  const x = Float32Array.from([-3, -0.5, 0, 2]);
  const y = m.forward(x);
  x.forEach((v, i) => assert.ok(Math.abs(y[i] - v / (1 + Math.exp(-v))) <= 1e-6, `${y[i]} at ${v}`));
  m.dispose();
});

test('bad specs and bad files throw clear errors', () => {
  throwsWt(() => wt.models.fromSpec({ input: [1, 4, 4], classes: 2, layers: [{ type: 'conv9' }] }),
    'WT_ERR_ARG', /unknown type "conv9"/);
  throwsWt(() => wt.models.fromSpec('{"input":'), 'WT_ERR_FORMAT', /spec/);
  throwsWt(() => wt.models.resnet({ depth: 9, numClasses: 10 }), 'WT_ERR_ARG', /depth/);
  throwsWt(() => wt.models.load(torchFile.subarray(0, 100)), 'WT_ERR_FORMAT', /truncated/);
  const lying = torchFile.slice();
  lying[0] = 0xff;
  lying[1] = 0xff;
  lying[2] = 0xff;
  throwsWt(() => wt.models.load(lying), 'WT_ERR_FORMAT', /header/);
  const m = wt.models.resnet({ depth: 8, numClasses: 10, inputShape: [1, 8, 8] });
  throwsWt(() => m.loadWeights(torchFile), 'WT_ERR_SHAPE', /conv1\.weight.*shape/);
  m.dispose();
  assert.throws(() => m.save(), /disposed/);
});

test('distillation from a ResNet teacher: the teacher runs in eval mode', () => {
  const teacher = wt.models.resnet({ depth: 8, numClasses: 3, inputShape: [1, 8, 8], seed: 1 });
  const student = wt.models.studentCNN({ inputShape: [1, 8, 8], numClasses: 3 });
  const before = teacher.save();
  const t = new wt.Trainer(student, { optimizer: { name: 'sgd', lr: 0.01 }, teacher, distillation: { temperature: 4, weight: 1 } });
  const x = input(4 * 64);
  const { loss } = t.step(x, Int32Array.from([0, 1, 2, 0]));
  assert.ok(Number.isFinite(loss));
  assert.ok(Buffer.from(teacher.save()).equals(Buffer.from(before)), 'teacher untouched (no running-stat update)');
  student.dispose();
  teacher.dispose();
});

test('tensors() lists the state_dict PyTorch wrote: names, shapes, order; offsets index the blocks', () => {
  const m = wt.models.load(torchFile);
  // The fixture's header, written by PyTorch's state_dict (safetensors: u64 length, JSON).
  const hlen = Number(new DataView(torchFile.buffer, torchFile.byteOffset).getBigUint64(0, true));
  const entries = Object.entries(JSON.parse(new TextDecoder().decode(torchFile.subarray(8, 8 + hlen))))
    .filter(([k]) => k !== '__metadata__').sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
  const list = m.tensors();
  assert.deepEqual(list.map((t) => [t.name, t.shape]), entries.map(([k, v]) => [k, v.shape]));
  // Each parameter tensor's slice of getParams() holds the bytes PyTorch wrote for it.
  const p = m.getParams();
  let next = 0;
  for (const t of list.filter((e) => e.block === 'params')) {
    assert.equal(t.offset, next, t.name);
    const [b, e] = entries.find(([k]) => k === t.name)[1].data_offsets;
    const want = new Float32Array(torchFile.slice(8 + hlen + b, 8 + hlen + e).buffer);
    assert.deepEqual(p.subarray(t.offset, t.offset + t.size), want, t.name);
    next += t.size;
  }
  assert.equal(next, m.paramCount);
  assert.deepEqual(new Set(list.map((t) => t.block)), new Set(['params', 'buffers', 'counter']));
  m.dispose();
  throwsWt(() => m.tensors(), 'WT_ERR_STATE', /Model.tensors: the Model was disposed/);
});
