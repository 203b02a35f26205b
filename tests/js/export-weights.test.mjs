// export-weights.test.mjs - examples/pytorch/export_weights.py against PyTorch (Debian's
// python3-torch + torchvision, /usr/bin/python3, which scripts/setup.sh installs: required, not
// skipped): a torchvision ResNet with random weights and BatchNorm statistics, saved as a .pth
// in a temp folder, goes through the script and loads with wt.models.load; the engine's eval
// logits equal torchvision's on the same input (1e-5 of the logits' scale, from torch's float32
// and from its float64 logits), for resnet18 with torchvision's
// stem (a layer-list spec), resnet18 with the 3x3 stem (the engine's named resnet18) and resnet50
// (Bottleneck blocks); the loaded model takes a new head; bad files are one-line errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { init } from '../../js/index.js';
import { safetensorsHeader } from '../../js/checkpoint.js';

const PY = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../../examples/pytorch/export_weights.py', import.meta.url));
const wt = await init();
const tmp = mkdtempSync(join(tmpdir(), 'wt-export-weights-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const py = (args) => spawnSync(PY, args, { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });

// A torchvision model with random weights and BatchNorm statistics (so eval mode is not the
// identity), saved as a .pth (wrapped as DDP checkpoints are, when asked), and its eval logits
// on a seeded input written beside it as raw float32.
const MAKE_PY = String.raw`
import sys, torch, torch.nn as nn, torchvision
arch, small, C, H, W, K, wrap, out = sys.argv[1], sys.argv[2] == '1', *map(int, sys.argv[3:7]), sys.argv[7] == '1', sys.argv[8]
torch.manual_seed(0)
m = getattr(torchvision.models, arch)(num_classes=K)
if small:
    m.conv1 = nn.Conv2d(C, 64, 3, 1, 1, bias=False)
    m.maxpool = nn.Identity()
for mod in m.modules():
    if isinstance(mod, nn.BatchNorm2d):
        mod.weight.data.uniform_(0.5, 1.5); mod.bias.data.uniform_(-0.2, 0.2)
        mod.running_mean.uniform_(-0.3, 0.3); mod.running_var.uniform_(0.5, 2.0)
        mod.num_batches_tracked.fill_(7)
sd = m.state_dict()
torch.save({'state_dict': {'module.' + k: v for k, v in sd.items()}} if wrap else sd, out + '.pth')
m.eval()
x = torch.randn(2, C, H, W, generator=torch.Generator().manual_seed(1))
with torch.no_grad():
    y = m(x)
open(out + '.x', 'wb').write(x.numpy().astype('<f4').tobytes())
open(out + '.y', 'wb').write(y.numpy().astype('<f4').tobytes())
with torch.no_grad():
    y64 = m.double()(x.double())
open(out + '.y64', 'wb').write(y64.numpy().astype('<f8').tobytes())
`;

const f32 = (path) => {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

/** max |got - want| / max |want|. */
function scaleRel(got, want) {
  let d = 0;
  let w = 0;
  for (let i = 0; i < want.length; i++) {
    d = Math.max(d, Math.abs(got[i] - want[i]));
    w = Math.max(w, Math.abs(want[i]));
  }
  return d / w;
}

test('torch, torchvision and the script are there (scripts/setup.sh installs python3-torch)', () => {
  const r = py(['-c', 'import torch, torchvision']);
  assert.equal(r.status, 0, `${PY} cannot import torch and torchvision: ${r.stderr}`);
});

// [arch, 3x3 stem, input C,H,W, classes, wrapped .pth, the spec the file should carry]
const CASES = [
  ['resnet18', false, [3, 64, 64], 6, false, 'layers'],
  ['resnet18', true, [3, 16, 16], 5, true, 'resnet18'],
  ['resnet50', false, [3, 32, 32], 4, false, 'layers'],
];

for (const [arch, small, [C, H, W], K, wrap, kind] of CASES) {
  test(`export_weights.py --arch ${arch}${small ? ' (3x3 stem)' : ''}: the engine's logits are torchvision's`, () => {
    const base = join(tmp, `${arch}-${small ? 'small' : 'stock'}`);
    let r = py(['-c', MAKE_PY, arch, small ? '1' : '0', C, H, W, K, wrap ? '1' : '0', base].map(String));
    assert.equal(r.status, 0, r.stderr);
    writeFileSync(`${base}.names`, Array.from({ length: K }, (_, i) => `class ${i}`).join('\n'));
    r = py([SCRIPT, '--arch', arch, '--weights', `${base}.pth`, '--input', `${C},${H},${W}`,
      '--class-names', `${base}.names`, '--normalization', 'imagenet', '--out', `${base}.safetensors`]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`wrote .*${arch}, ${K} classes, input ${C}x${H}x${W}`));

    const bytes = new Uint8Array(readFileSync(`${base}.safetensors`));
    const meta = safetensorsHeader(bytes, 'test')[0].__metadata__;
    assert.deepEqual(JSON.parse(meta.classNames), Array.from({ length: K }, (_, i) => `class ${i}`));
    assert.deepEqual(JSON.parse(meta.normalization), { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
    const m = wt.models.load(bytes);
    assert.equal(m.numClasses, K);
    assert.deepEqual([...m.inputShape], [C, H, W]);
    assert.equal(kind === 'layers' ? 'layers' in m.spec : m.spec.model, kind === 'layers' ? true : kind);
    const tensors = m.tensors().map((t) => t.name);
    assert.ok(tensors.includes('layer4.1.bn2.running_var') && tensors.includes('fc.weight'));
    m.eval();
    const want = f32(`${base}.y`);
    const got = m.forward(f32(`${base}.x`));
    const e64 = readFileSync(`${base}.y64`);
    const exact = new Float64Array(e64.buffer.slice(e64.byteOffset, e64.byteOffset + e64.byteLength));
    // Relative to the logits' scale: a single logit near 0 has no relative precision in float32
    // (torch's own float32 logits are 1.3e-5 per logit from its float64 ones for resnet50).
    const rel = scaleRel(got, want);
    assert.ok(rel < 1e-5, `logits: max |engine - torch| / max |torch| = ${rel}`);
    const rel64 = scaleRel(got, exact);
    assert.ok(rel64 < 1e-5, `logits: max |engine - torch float64| / max |torch float64| = ${rel64} (torch float32: ${scaleRel(want, exact)})`);

    // A torchvision starting point takes a new head like any model.
    const h = m.withHead(3);
    assert.equal(h.numClasses, 3);
    const fromBytes = (mm) => new Map(mm.tensors().map((t) => [t.name, t]));
    const pm = m.getParams();
    const ph = h.getParams();
    const th = fromBytes(h);
    for (const t of m.tensors().filter((e) => e.block === 'params' && !e.name.startsWith('fc.'))) {
      const u = th.get(t.name);
      assert.deepEqual(ph.subarray(u.offset, u.offset + u.size), pm.subarray(t.offset, t.offset + t.size), t.name);
    }
    h.dispose();
    m.dispose();
  });
}

test('export_weights.py: bad input is a one-line error', () => {
  writeFileSync(join(tmp, 'junk.pth'), 'not a pickle');
  let r = py([SCRIPT, '--arch', 'resnet18', '--weights', join(tmp, 'junk.pth'), '--out', join(tmp, 'x.safetensors')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^[^\n]*junk\.pth: cannot read it with torch\.load \(\w+/);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  r = py(['-c', `import torch; torch.save({'a': torch.zeros(2)}, '${join(tmp, 'other.pth')}')`]);
  assert.equal(r.status, 0, r.stderr);
  r = py([SCRIPT, '--arch', 'resnet18', '--weights', join(tmp, 'other.pth'), '--out', join(tmp, 'x.safetensors')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /other\.pth: no conv1\.weight \/ fc\.weight: not a torchvision ResNet state_dict/);
  r = py([SCRIPT, '--arch', 'vgg16', '--out', join(tmp, 'x.safetensors')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /invalid choice: 'vgg16'/);
  r = py([SCRIPT, '--arch', 'resnet18', '--num-classes', '3', '--input', '1,32,32', '--out', join(tmp, 'x.safetensors')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /--input must be C,H,W with C = 3, got 1,32,32/);
  r = py([SCRIPT, '--arch', 'resnet18', '--num-classes', '3', '--input', '3,32,32', '--normalization', '0.5,0.5/1,1', '--out', join(tmp, 'x.safetensors')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /--normalization must be 'imagenet' or MEAN\/STD with 3 values each \(std > 0\), got 0\.5,0\.5\/1,1/);
});
