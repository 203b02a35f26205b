// rpc.test.mjs - the worker RPC module (js/rpc.js) on its own, with a small worker_thread that
// serves test handlers: results and moved results, error replies rebuilt as WasmTricksError with
// the moved buffers sent back, progress records, replies given later, unknown requests, a worker
// that dies (pending and later calls reject naming it), close(), and the ready handshake.
import test from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { Rpc } from '../../js/rpc.js';
import { rejectsWt } from './helpers.mjs';

const RPC_URL = new URL('../../js/rpc.js', import.meta.url).href;

// The worker: CommonJS eval code that imports rpc.js and serves these handlers.
const SOURCE = `
import(${JSON.stringify(RPC_URL)}).then(async ({ serve, withTransfer, LATER }) => {
  let parked = null;
  const server = await serve({
    echo: (args) => args,
    move: ({ buf }) => withTransfer({ buf, sum: new Uint8Array(buf).reduce((a, b) => a + b, 0) }, [buf]),
    fail: () => { throw Object.assign(new Error('no such thing'), { name: 'WasmTricksError', code: 'WT_ERR_ARG' }); },
    typeError: () => null.x,
    slow: async ({ n }, id) => {
      for (let i = 1; i <= n; i++) server.progress(id, { i });
      return { done: n };
    },
    park: (_, id) => { parked = id; return LATER; },
    unpark: () => { server.reply(parked, { unparked: true }); return {}; },
    exit: ({ code }) => process.exit(code),
  }, { name: 'test worker', announce: ${'${ANNOUNCE}'} });
});
`;

const start = ({ announce = false, ...options } = {}) => {
  const w = new Worker(SOURCE.replace('${ANNOUNCE}', String(announce)), { eval: true });
  return new Rpc(w, { name: 'the test worker', ...options });
};

test('rpc: results, moved results, progress, later replies', async () => {
  const rpc = start({ idleUnref: true });
  try {
    assert.deepEqual(await rpc.call('echo', { a: 1, b: [2, 3] }), { a: 1, b: [2, 3] });
    const buf = Uint8Array.from([1, 2, 3, 4]).buffer;
    const r = await rpc.call('move', { buf }, { transfer: [buf] });
    assert.equal(buf.byteLength, 0, 'moved to the worker');
    assert.equal(r.sum, 10);
    assert.deepEqual([...new Uint8Array(r.buf)], [1, 2, 3, 4], 'and moved back');
    const seen = [];
    assert.deepEqual(await rpc.call('slow', { n: 3 }, { onProgress: (p) => seen.push(p.i) }), { done: 3 });
    assert.deepEqual(seen, [1, 2, 3]);
    const parked = rpc.call('park');
    assert.deepEqual(await rpc.call('unpark'), {});
    assert.deepEqual(await parked, { unparked: true });
    assert.equal(rpc.calls.size, 0);
  } finally {
    await rpc.close();
  }
});

test('rpc: error replies are WasmTricksErrors and bring the moved buffers back', async () => {
  const rpc = start({ errorPrefix: 'worker says: ' });
  try {
    const buf = new ArrayBuffer(16);
    let err = null;
    await rejectsWt(rpc.call('fail', { buf }, { transfer: [buf] }).catch((e) => {
      err = e;
      throw e;
    }), 'WT_ERR_ARG', /^worker says: no such thing$/);
    assert.equal(buf.byteLength, 0);
    assert.equal(err.returned.length, 1);
    assert.equal(err.returned[0].byteLength, 16, 'the moved buffer came back with the error');
    await assert.rejects(rpc.call('typeError'), (e) => e.name === 'TypeError' && e.code === 'WT_ERR_STATE');
    await rejectsWt(rpc.call('nope'), 'WT_ERR_ARG', /test worker: unknown request 'nope'/);
    assert.deepEqual(await rpc.call('echo', { still: 'usable' }), { still: 'usable' });
  } finally {
    await rpc.close();
  }
});

test('rpc: a worker that dies rejects pending and later calls naming it; close() rejects too', async () => {
  let dead = null;
  const rpc = start({ onDead: (e) => { dead = e; } });
  const parked = rejectsWt(rpc.call('park'), 'WT_ERR_STATE', /the test worker stopped: it exited \(code 7\)/);
  await rejectsWt(rpc.call('exit', { code: 7 }), 'WT_ERR_STATE', /^the test worker stopped: it exited \(code 7\)$/);
  await parked;
  await rejectsWt(rpc.call('echo', {}), 'WT_ERR_STATE', /the test worker stopped: it exited \(code 7\)/);
  assert.equal(dead, rpc.dead);

  let called = false;
  const other = start({ onDead: () => { called = true; } });
  const pending = rejectsWt(other.call('park'), 'WT_ERR_STATE', /^closed by the test$/);
  await other.close('closed by the test');
  await pending;
  await rejectsWt(other.call('echo', {}), 'WT_ERR_STATE', /^closed by the test$/);
  assert.equal(called, false, 'onDead is for deaths the caller did not ask for');
});

test('rpc: the handshake completes whether the announcement was heard or not', async () => {
  const heard = start({ announce: true, handshake: true });
  await heard.ready;
  assert.equal(heard.calls.size, 0);
  await heard.close();
  // A worker that announced itself before anyone listened answers the hello instead.
  const w = new Worker(SOURCE.replace('${ANNOUNCE}', 'true'), { eval: true });
  await new Promise((resolve) => w.once('message', (m) => m?.ready && resolve()));
  const late = new Rpc(w, { name: 'the late worker', handshake: true });
  await late.ready;
  assert.deepEqual(await late.call('echo', { x: 1 }), { x: 1 });
  await late.close();
});
