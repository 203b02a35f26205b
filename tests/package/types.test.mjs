// types.test.mjs - the hand-written declarations (js/index.d.ts, js/worker.d.ts) compile against
// examples/typed.ts, which calls every public function through the package's exports map
// (`tsc --noEmit -p tsconfig.json`, the repository's TypeScript); and misuse is caught: a
// program with wrong calls must fail to compile with the expected errors.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const tsc = (args, cwd) => spawnSync(process.execPath, [TSC, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });

test('examples/typed.ts type-checks against the declarations', { timeout: 120_000 }, () => {
  const r = tsc(['--noEmit', '-p', 'tsconfig.json'], ROOT);
  assert.equal(r.status, 0, `tsc failed:\n${r.stdout}${r.stderr}`);
});

/** A scratch project that imports the package by name (node_modules/wasmtricks -> the repo). */
function scratch(source) {
  const dir = mkdtempSync(join(tmpdir(), 'wasmtricks-types-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'wasmtricks'), 'dir');
  const cfg = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8'));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: cfg.compilerOptions, files: ['t.ts'] }));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
  writeFileSync(join(dir, 't.ts'), source);
  return dir;
}

// Has<T, ['a', 'b']>: T (or a member of its union, its object form) has key a whose type has
// key b. true when declared, false when not (then `= true` does not compile).
const HAS = `import type { TrainerOptions, FitOptions } from 'wasmtricks';
type Obj<T> = Extract<NonNullable<T>, object>;
type Keys<T> = T extends unknown ? keyof T : never;
type Sub<T, K> = T extends unknown ? (K extends keyof T ? T[K] : never) : never;
type Has<T, P extends readonly string[]> = P extends readonly [infer H, ...infer R extends string[]]
  ? (H extends Keys<Obj<T>> ? Has<Sub<Obj<T>, H>, R> : false) : true;
`;
const hasLines = (entries) => entries.map((e, i) =>
  `export const o${i}: Has<${e.group === 'fit' ? 'FitOptions' : 'TrainerOptions'}, ${JSON.stringify(e.name.split('.'))}> = true; // ${e.name}`);

test('index.d.ts declares every optionSchema option (TrainerOptions, FitOptions)', { timeout: 120_000 }, async () => {
  const { optionSchema, presets } = await import('../../js/index.js');
  const dir = scratch([HAS, ...hasLines(optionSchema),
    "import { optionSchema, presets, presetAbout } from 'wasmtricks';",
    'export const names: string[] = optionSchema.map((e) => e.name);',
    // Record<PresetName, 1>: a name presets has and PresetName lacks is an excess property, and
    // a name PresetName has and presets lacks is a missing one: both fail to compile.
    "import type { PresetName } from 'wasmtricks';",
    `export const p: Record<PresetName, 1> = ${JSON.stringify(Object.fromEntries(Object.keys(presets).map((k) => [k, 1])))};`,
    'export const a: string = presetAbout.baseline;'].join('\n'));
  try {
    const r = tsc(['--noEmit', '-p', 'tsconfig.json'], dir);
    assert.equal(r.status, 0, `tsc:\n${r.stdout}${r.stderr}\n(the lines: ${join(dir, 't.ts')})`);
    // The check can fail: an option index.d.ts lacks does not compile.
    writeFileSync(join(dir, 't.ts'), [HAS, ...hasLines([{ name: 'mixup.beta', group: 'batch' }, { name: 'epochz', group: 'fit' }])].join('\n'));
    const bad = tsc(['--noEmit', '-p', 'tsconfig.json'], dir);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stdout, /t\.ts\(8,/);
    assert.match(bad.stdout, /t\.ts\(9,/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('wrong calls do not type-check', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmtricks-types-'));
  try {
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules', 'wasmtricks'), 'dir');
    const cfg = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8'));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: cfg.compilerOptions, files: ['bad.ts'] }));
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
    writeFileSync(join(dir, 'bad.ts'), [
      "import { WorkerTrainer, image, openStore } from 'wasmtricks/worker';",
      "import { init } from 'wasmtricks';",
      'export async function bad(c: HTMLCanvasElement) {',
      '  await WorkerTrainer.create({ trainer: {} });',                        // model missing
      '  await image.toInput(c, { fit: "cover" });',                          // shape missing
      '  const s = await openStore();',
      '  await s.save("x", { checkpoint: "bytes" });',                        // not a Uint8Array
      '  const wt = await init();',
      '  wt.image.draw(c, [1, 2, 3]);',                                       // not an image or a Float32Array
      '}',
    ].join('\n'));
    const r = tsc(['--noEmit', '-p', 'tsconfig.json'], dir);
    const out = r.stdout + r.stderr;
    assert.notEqual(r.status, 0, 'the wrong program compiled');
    for (const line of [4, 5, 7, 9]) assert.match(out, new RegExp(`bad\\.ts\\(${line},`), `no error on line ${line}:\n${out}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
