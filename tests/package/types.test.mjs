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
