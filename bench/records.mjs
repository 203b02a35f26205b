// records.mjs - what writing an option record costs per call, for the design decision in
// docs/design.md ("Option records"): a step record and a batch record written by field name
// (rt.record, as js/loader.js and js/batch.js do), the same records written by index into a
// Float64Array (what the code did before), and the JS half of the JSON alternative
// (JSON.stringify + UTF-8 encode; the engine's JSON reader would add its parse on top).
// Not a test; a few seconds. Usage: node bench/records.mjs
import { Runtime } from '../js/runtime.js';

const rt = await Runtime.load();
const step = { kind: 'erasing', p: 0.5, scale: [0.02, 0.33], ratio: [0.3, 3.3], value: [0, 0, 0, 0] };
const batch = { trick: 'cutmix', n_parts: 2, weight: [0.7, 0.3], lambda: 0.7, lambda_drawn: 0.68,
  center: [3, 4], box: [1, 2, 5, 6], N: 128, H: 32, W: 32 };
const enc = new TextEncoder();

function time(label, fn, n = 200_000) {
  for (let i = 0; i < 10_000; i++) fn(); // warm up
  let sink = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sink += fn().length;
  const ns = Number(process.hrtime.bigint() - t0) / n;
  console.log(`${label.padEnd(44)} ${ns.toFixed(0).padStart(6)} ns/call${sink < 0 ? '!' : ''}`);
}

time('step record by name (rt.record)', () => rt.record('step', step));
time('step record by index (before)', () => {
  const r = new Float64Array(40);
  r[0] = 12; r[1] = 0.5; r[5] = 0.02; r[6] = 0.33; r[7] = 0.3; r[8] = 3.3; r[34] = 1;
  for (let i = 0; i < 4; i++) r[35 + i] = 0;
  return r;
});
time('step options as JSON (stringify + encode)', () => enc.encode(JSON.stringify(step)));
time('batch record by name (rt.record)', () => rt.record('batch', batch));
time('batch record by index (before)', () => {
  const r = new Float64Array(27);
  r[0] = 2; r[1] = 2; r[2] = 0.7; r[3] = 0.3; r[6] = 0.7; r[7] = 0.68; r[8] = 3; r[9] = 4;
  r[10] = 1; r[11] = 2; r[12] = 5; r[13] = 6; r[24] = 128; r[25] = 32; r[26] = 32;
  return r;
});
time('batch options as JSON (stringify + encode)', () => enc.encode(JSON.stringify(batch)));
