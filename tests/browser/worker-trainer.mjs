// worker-trainer.mjs - the page side of worker-trainer.test.mjs: one phase per page load
// (?phase=train | interrupt | reload), results in window.results. train: a WorkerTrainer trains
// the student CNN on generated stripes while a timer measures the main thread's largest gap,
// predicts from canvases, a Blob, an ImageBitmap and ImageData, saves to IndexedDB and checks
// the store (export/import, a saved run with a new head, quota, corruption). interrupt: the same
// run with autosave, which the test cuts short by reloading. reload: loads the saved runs (into
// workers started before load() listened), predicts again, resumes the interrupted run to its end.
import { WorkerTrainer, image, openStore } from '../../js/worker.js';
import { stripes, stripeRGBA, STRIPE_CLASSES } from './stripes.mjs';

const phase = new URLSearchParams(location.search).get('phase');
const MODEL = { name: 'student', inputShape: [1, 16, 16], numClasses: 4, classNames: STRIPE_CLASSES, seed: 1 };
const TRAINER = { optimizer: { name: 'sgd', lr: 0.02, momentum: 0.9 }, normalize: { mean: 0.5, std: 0.25 } };
const FIT = { epochs: 2, batchSize: 32 };
const train = stripes(512, { seed: 1 });
const held = stripes(128, { seed: 2 });

/** A module worker running worker-entry.js that has announced itself before WorkerTrainer
    listens, as an app's early-started worker has (load() used to hang on one). */
async function announcedWorker() {
  const w = new Worker(new URL('../../js/worker-entry.js', import.meta.url), { type: 'module' });
  await new Promise((resolve) => {
    const on = (ev) => {
      if (!ev.data?.ready) return;
      w.removeEventListener('message', on);
      resolve();
    };
    w.addEventListener('message', on);
  });
  return w;
}

/** Four canvases, one stripe class each, at 48x48 (toInput shrinks them to 16x16). */
function canvases() {
  return [0, 1, 2, 3].map((c) => {
    const cv = document.createElement('canvas');
    cv.width = 48;
    cv.height = 48;
    const small = new ImageData(stripeRGBA(c, 16), 16, 16);
    const tmp = new OffscreenCanvas(16, 16);
    tmp.getContext('2d').putImageData(small, 0, 0);
    const cx = cv.getContext('2d');
    cx.imageSmoothingEnabled = false;
    cx.drawImage(tmp, 0, 0, 48, 48);
    return cv;
  });
}

/** While fn runs: the gaps between the firings of a 10 ms interval timer (largest, 99th
    percentile) and the main thread's long tasks (> 50 ms of work, as Chromium reports them). */
async function timed(fn) {
  let last = performance.now();
  const gaps = [];
  const timer = setInterval(() => {
    const now = performance.now();
    gaps.push(now - last);
    last = now;
  }, 10);
  const longTasks = [];
  const obs = new PerformanceObserver((list) => longTasks.push(...list.getEntries().map((e) => e.duration)));
  obs.observe({ type: 'longtask' });
  try {
    const value = await fn();
    const sorted = [...gaps].sort((x, y) => x - y);
    return { value, maxGap: sorted.at(-1) ?? Infinity, p99Gap: sorted[Math.floor(sorted.length * 0.99)] ?? Infinity,
      fires: gaps.length, longTasks: longTasks.length, maxLongTask: Math.max(0, ...longTasks) };
  } finally {
    clearInterval(timer);
    obs.disconnect();
  }
}

const hex = async (bytes) => Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)), (b) => b.toString(16).padStart(2, '0')).join('');

async function trainPhase() {
  const out = {};
  const wt = await WorkerTrainer.create({ model: MODEL, trainer: TRAINER });
  const cvs = canvases();
  out.untrained = await wt.predict(cvs[0], { topK: 4 });
  out.firstPredictionMs = performance.now();
  const progress = [];
  const { value: fitResult, ...timing } = await timed(() =>
    wt.fit(train, { ...FIT, validation: held, onProgress: (p) => progress.push(p) }));
  out.fit = { stopped: fitResult.stopped, steps: fitResult.steps, ...timing, seconds: fitResult.seconds,
    last: progress.filter((p) => p.type === 'step').at(-1) };
  out.accuracy = (await wt.evaluate(held)).accuracy;
  // Every source kind: canvas, Blob, ImageBitmap, ImageData, OffscreenCanvas.
  out.predictions = await Promise.all(cvs.map((cv) => wt.predict(cv, { topK: 4 })));
  const blob = await new Promise((resolve) => cvs[1].toBlob(resolve, 'image/png'));
  out.fromBlob = await wt.predict(blob, { topK: 4 });
  const bmp = await createImageBitmap(cvs[2]);
  out.fromBitmap = await wt.predict(bmp, { topK: 4 });
  out.fromImageData = await wt.predict(cvs[3].getContext('2d').getImageData(0, 0, 48, 48), { topK: 4 });
  const off = new OffscreenCanvas(48, 48);
  off.getContext('2d').drawImage(cvs[0], 0, 0);
  out.fromOffscreen = await wt.predict(off, { topK: 4 });
  out.viaImagePredict = await image.predict(wt, cvs[1], { topK: 4 });
  await assertRejects(wt.predict(await new Blob(['not an image'], { type: 'image/png' })), 'WT_ERR_FORMAT', out, 'badBlob');

  // draw(): a tensor and an image come back with their pixels.
  const t = new Float32Array(16 * 16).map((_, i) => (i % 16) / 15);
  const dc = document.createElement('canvas');
  image.draw(dc, t, { shape: [1, 16, 16] });
  const px = dc.getContext('2d').getImageData(0, 0, 16, 16).data;
  out.drawTensorOk = dc.width === 16 && px[4 * 5] === Math.round(5 / 15 * 255) && px[4 * 5 + 3] === 255;
  const big = document.createElement('canvas');
  big.width = 32;
  big.height = 32;
  image.draw(big, { data: stripeRGBA(1, 16), width: 16, height: 16 }, { resize: false });
  const bp = big.getContext('2d').getImageData(0, 0, 32, 32).data;
  out.drawImageOk = big.width === 32 && bp[0] === stripeRGBA(1, 16)[0] && bp[4 * 2] === stripeRGBA(1, 16)[4];

  const weights = await wt.exportWeights();
  out.weightsHash = await hex(weights);
  out.saved = await wt.save('stripes');
  await wt.terminate();

  const store = await openStore();
  out.list = (await store.list()).map((r) => r.name);
  const file = await store.exportFile('stripes');
  out.exportBytes = file.size;
  out.exportName = file.name;
  await store.importFile(file, { name: 'stripes-imported' });
  const imported = await WorkerTrainer.load('stripes-imported', { trainer: TRAINER, classNames: STRIPE_CLASSES });
  out.importedPredictions = await Promise.all(cvs.map((cv) => imported.predict(cv, { topK: 4 })));
  await imported.terminate();
  // exportWeights' file alone (its __metadata__ names the normalisation and classes), loaded
  // with no options into a worker that announced itself before load() listened.
  await store.save('stripes-weights', { weights });
  const alone = await WorkerTrainer.load('stripes-weights', { worker: await announcedWorker() });
  out.weightsAlone = { classNames: alone.classNames, predictions: await Promise.all(cvs.map((cv) => alone.predict(cv, { topK: 4 }))) };
  await alone.terminate();
  await store.delete('stripes-weights');
  // The saved run as a starting point with a new classifier (model.head): two classes, its
  // normalisation, predictions from pixels.
  const twoWay = await WorkerTrainer.load('stripes', { head: { numClasses: 2, classNames: ['h', 'v'] } });
  const twoTop = await twoWay.predict(cvs[0], { topK: 2 });
  out.newHead = { numClasses: twoWay.numClasses, classNames: twoWay.classNames, names: twoTop.map((p) => p.className).sort() };
  await twoWay.terminate();

  // Quota: IndexedDB refusing a write is reported, and the store keeps working.
  const add = IDBObjectStore.prototype.add;
  IDBObjectStore.prototype.add = function () { throw new DOMException('the quota has been exceeded', 'QuotaExceededError'); };
  try {
    await assertRejects(store.save('stripes', { checkpoint: (await store.load('stripes')).checkpoint }), 'WT_ERR_QUOTA', out, 'quota');
  } finally {
    IDBObjectStore.prototype.add = add;
  }
  out.afterQuota = (await store.load('stripes')).checkpoint.length;

  // Corruption: a damaged current version is reported; the previous one still loads.
  const ck = (await store.load('stripes')).checkpoint;
  await store.save('corrupt', { checkpoint: ck, meta: { v: 1 } });
  await store.save('corrupt', { checkpoint: ck, meta: { v: 2 } });
  await corruptCurrent('corrupt');
  await assertRejects(store.load('corrupt'), null, out, 'corrupt');
  out.previous = (await store.load('corrupt', { version: 'previous' })).meta;
  out.deleted = await store.delete('corrupt');
  out.listAfter = (await store.list()).map((r) => `${r.name}:${r.hasPrevious}`);
  store.close();
  return out;
}

/** Truncates the current version's bytes of a run, behind the store's back. */
async function corruptCurrent(name) {
  const db = await new Promise((resolve, reject) => {
    const r = indexedDB.open('wasmtricks');
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  await new Promise((resolve, reject) => {
    const tx = db.transaction(['runs', 'versions'], 'readwrite');
    tx.objectStore('runs').get(name).onsuccess = (ev) => {
      const key = ev.target.result.current;
      const vs = tx.objectStore('versions');
      vs.get(key).onsuccess = (e2) => {
        const rec = e2.target.result;
        rec.bytes = rec.bytes.slice(0, rec.bytes.length - 1000);
        vs.put(rec, key);
      };
    };
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
  db.close();
}

async function assertRejects(p, code, out, key) {
  try {
    await p;
    out[key] = { rejected: false };
  } catch (e) {
    out[key] = { rejected: true, name: e.name, code: e.code, message: e.message, ok: code === null || e.code === code };
  }
}

async function interruptPhase() {
  const wt = await WorkerTrainer.create({ model: MODEL, trainer: TRAINER });
  window.autosaves = [];
  // Not awaited: the test reloads the page while this runs.
  wt.fit(train, { ...FIT, validation: held, autosave: { name: 'interrupted', everySteps: 5 },
    onProgress: (p) => { if (p.type === 'autosave') window.autosaves.push(p.steps); } });
  return { started: true };
}

async function reloadPhase() {
  const out = {};
  const wt = await WorkerTrainer.load('stripes', { worker: await announcedWorker() });
  const cvs = canvases();
  out.first = await wt.predict(cvs[0], { topK: 4 });
  out.firstPredictionMs = performance.now();
  out.predictions = await Promise.all(cvs.map((cv) => wt.predict(cv, { topK: 4 })));
  out.weightsHash = await hex(await wt.exportWeights());
  await wt.terminate();
  // The interrupted run continues from its last autosave and ends where an uninterrupted one does.
  const store = await openStore();
  out.interruptedMeta = (await store.load('interrupted')).meta;
  store.close();
  const resumed = await WorkerTrainer.load('interrupted');
  const { value: r, ...timing } = await timed(() => resumed.fit(train, { validation: held, resume: true }));
  out.resumed = { stopped: r.stopped, steps: r.steps, ...timing, weightsHash: await hex(await resumed.exportWeights()) };
  await resumed.terminate();
  return out;
}

const phases = { train: trainPhase, interrupt: interruptPhase, reload: reloadPhase };
phases[phase]().then(
  (r) => { window.results = { ok: true, ...r }; },
  (e) => { window.results = { ok: false, error: `${e.name}: ${e.code ?? ''} ${e.message}\n${e.stack}` }; },
);
