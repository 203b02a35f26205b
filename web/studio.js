// studio.js - the training studio: a data set (a Fashion-MNIST subset served by scripts/serve.mjs,
// or "my images": classes filled from uploads, the webcam and the drawing pad), two runs A and B
// side by side (model, optimizer, schedule and every trick as a toggle with its parameter, or a
// preset of the package), each trained in its own WorkerTrainer with live overlaid curves; evaluation
// (confusion matrix, per-class accuracy, misclassified validation images); live top-5
// predictions of the drawing pad, a file or the webcam; runs saved, loaded, exported and
// imported (IndexedDB / safetensors). Sets window.studio for the browser tests.

import { getWt, loadFashion, $, el, say, showError, clearError, guard, debounce, pageReady } from './app.js';
import { FIELDS, TRICKS, DEFAULTS, PRESETS, SAVED, Run, modelSource, trainerOptions, describeSettings, runCharts, topChart,
  saveCurves, loadCurves, dropCurves, openStore, loadRun } from './runs.js';
import { barChart } from './lib/chart.js';
import { drawImage, fitSquare, fileSquare, startWebcam, checksum } from './lib/images.js';
import { makeDrawPad } from './lib/drawpad.js';

const MINE_SIDE = 32;
/**
 * The default comparison per data source, from the study (docs/study; see #why-defaults): run A
 * is the baseline, run B the baseline + `trick`, trained for `epochs`. Fashion-MNIST: the
 * study's cell (1,000 images, student CNN, 60 epochs), where CutMix helps by more than its
 * spread. My images (photos, tens per class): pad-4 crop + flip, the largest gain on CIFAR-10's
 * photos at 1,000 and 4,000 images, for many passes over few images.
 */
const COMPARISONS = Object.freeze({
  fashion: { epochs: 60, trick: { cutmix: 1 } },
  mine: { epochs: 100, trick: { randomCrop: 4, hflip: true } },
});
/** The trick settings B has off when it is not a comparison's (DEFAULTS' values). */
const trickOff = (trick) => Object.fromEntries(Object.keys(trick).map((k) => [k, DEFAULTS[k]]));
const SLOTS = ['A', 'B'];
const state = {
  wt: null,
  data: null,
  dataKey: null,
  runs: { A: new Run('A'), B: new Run('B') },
  settings: { A: { ...DEFAULTS, ...PRESETS.baseline, preset: 'baseline', model: 'student', epochs: COMPARISONS.fashion.epochs },
    B: { ...DEFAULTS, ...PRESETS.baseline, preset: 'custom', model: 'student', epochs: COMPARISONS.fashion.epochs, ...COMPARISONS.fashion.trick } },
  mine: [{ name: 'class 1', images: [] }, { name: 'class 2', images: [] }],
  store: null,
  saved: [], // names of the saved runs (starting points in the Model select)
  lastTop5: null,
};

const pct = (v) => (Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : '-');
const num = (v, d = 4) => (Number.isFinite(v) ? Number(v).toPrecision(d) : '-');
const secs = (s) => (Number.isFinite(s) ? `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, '0')}` : '-');

// ---------------------------------------------------------------- data

const source = () => document.querySelector('input[name="dataset"]:checked').value;

/** The data the runs train on: { train, validation, classNames, inputShape, key }. */
async function getData() {
  const wt = state.wt;
  if (source() === 'fashion') {
    const nTrain = Number($('#n-train').value);
    const nVal = Number($('#n-val').value);
    if (!(Number.isInteger(nTrain) && nTrain >= 100 && nTrain <= 60000)) throw new Error(`Training images must be a whole number from 100 to 60000, got ${$('#n-train').value}`);
    if (!(Number.isInteger(nVal) && nVal >= 100 && nVal <= 10000)) throw new Error(`Validation images must be a whole number from 100 to 10000, got ${$('#n-val').value}`);
    const key = `fashion:${nTrain}:${nVal}`;
    if (state.dataKey === key) return state.data;
    say('Loading Fashion-MNIST...');
    const [train, test] = await Promise.all([loadFashion('train'), loadFashion('test')]);
    state.data = { train: train.sample(nTrain, { seed: 1 }), validation: test.sample(nVal, { seed: 2 }), classNames: [...train.classNames],
      inputShape: [1, 28, 28], key };
  } else {
    const classes = state.mine.filter((c) => c.images.length > 0);
    if (classes.length < 2) throw new Error('My images: at least two classes need images (add files, webcam pictures or drawings)');
    const key = `mine:${state.mine.map((c) => `${c.name}=${c.images.length}`).join('|')}`;
    if (state.dataKey === key) return state.data;
    const items = classes.flatMap((c, label) => c.images.map((image) => ({ image, label })));
    const all = wt.data.fromImages(items, { classNames: classes.map((c) => c.name), channels: 3 });
    const enough = classes.every((c) => c.images.length >= 5);
    const { train, validation } = enough ? all.split(0.2, { seed: 1 }) : { train: all, validation: all };
    state.data = { train, validation, classNames: classes.map((c) => c.name), inputShape: [3, MINE_SIDE, MINE_SIDE], key,
      note: enough ? '' : ' (fewer than 5 images in a class: validating on the training images)' };
  }
  state.dataKey = state.data.key;
  const d = state.data;
  $('#data-info').textContent = `${d.train.length} training and ${d.validation.length} validation images, ${d.classNames.length} classes, ` +
    `${d.inputShape.join('x')}${d.note ?? ''}.`;
  return d;
}

function renderClasses() {
  const box = $('#classes');
  box.replaceChildren(...state.mine.map((c, k) => {
    const nameId = `class-name-${k}`;
    const name = el('input', { id: nameId, type: 'text', value: c.name, autocomplete: 'off' });
    name.addEventListener('change', () => { c.name = name.value.trim() || `class ${k + 1}`; renderClasses(); });
    const files = el('input', { type: 'file', accept: 'image/*', multiple: true });
    files.addEventListener('change', guard('my images', async () => {
      for (const f of files.files) c.images.push(await fileSquare(f, MINE_SIDE));
      renderClasses();
    }));
    const thumbs = c.images.slice(-12).map((img) => { const cv = el('canvas', { class: 'px', 'aria-hidden': 'true' }); drawImage(cv, img); return cv; });
    const snap = el('button', { text: 'Webcam picture', onclick: guard('webcam', () => {
      const v = $('#mine-video');
      if (v.hidden) throw new Error('turn the webcam on first ("Use the webcam")');
      c.images.push(fitSquare(v, MINE_SIDE));
      renderClasses();
    }) });
    const drawn = el('button', { text: 'Add the pad drawing', onclick: guard('drawing', () => {
      if (state.pad.isEmpty()) throw new Error('the drawing pad (under Predict) is empty');
      c.images.push(fitSquare($('#pad'), MINE_SIDE));
      renderClasses();
    }) });
    const remove = el('button', { text: 'Remove class', 'aria-label': `Remove ${c.name}`, onclick: () => { state.mine.splice(k, 1); renderClasses(); } });
    return el('fieldset', { class: 'class' },
      el('legend', { text: `${c.name}: ${c.images.length} image(s)` }),
      el('div', { class: 'row' }, el('label', { for: nameId, text: 'Name' }), name,
        el('label', { class: 'file button' }, 'Add files', files), snap, drawn, remove),
      el('div', { class: 'gallery', 'aria-label': `${c.name} images` }, ...thumbs));
  }));
}

// ---------------------------------------------------------------- run forms
// The controls (FIELDS, TRICKS) are listed in runs.js, each with the optionSchema option it sets:
// the page marks it data-option="<name>" (a trick's on/off box: data-toggles="<name>").

function fieldControl(slot, f, value, onChange) {
  const id = `${slot}-${f.key}`;
  const option = f.option;
  let input;
  if (f.options) {
    input = el('select', { id, 'data-option': option }, ...f.options.map(([v, t, title]) => el('option', { value: v, text: t, title, selected: String(v) === String(value) })));
  } else if (f.bool) {
    input = el('input', { id, type: 'checkbox', checked: !!value, 'data-option': option });
  } else {
    input = el('input', { id, type: 'number', min: f.number[0], max: f.number[1], step: f.number[2], value, 'data-option': option });
  }
  input.addEventListener('change', () => onChange(input));
  return { id, input };
}

function readValue(f, input) {
  if (f.bool) return input.checked;
  if (f.options) return f.key === 'batchSize' ? Number(input.value) : input.value;
  const v = Number(input.value);
  if (!Number.isFinite(v) || input.value === '') throw new Error(`${f.label} must be a number, got '${input.value}'`);
  return v;
}

function buildRunPanel(slot) {
  const s = state.settings[slot];
  const rerender = () => { const old = $(`#run-${slot}`); old.replaceWith(buildRunPanel(slot)); };
  const change = (f) => guard(`run ${slot}`, (input) => {
    s[f.key] = readValue(f, input);
    if (f.key === 'preset') {
      if (s.preset !== 'custom') Object.assign(s, PRESETS[s.preset]);
      rerender();
      return;
    }
    if (!['model', 'train', 'headLr', 'epochs', 'batchSize'].includes(f.key)) s.preset = 'custom';
    $(`#${slot}-preset`).value = s.preset;
    $(`#desc-${slot}`).textContent = describeSettings(s);
  });
  // The Model select also offers each saved run as a starting point (a new head on its weights).
  const withSaved = (f) => (f.key !== 'model' ? f
    : { ...f, options: [...f.options, ...state.saved.map((n) => [`${SAVED}${n}`, `saved run '${n}' (new head)`])] });
  const rows = FIELDS.map(withSaved).map((f) => {
    const { id, input } = fieldControl(slot, f, s[f.key], change(f));
    return f.bool
      ? el('div', { class: 'trick' }, input, el('label', { for: id, text: f.label }))
      : el('div', { class: 'trick' }, el('label', { for: id, text: f.label }), input);
  });
  const tricks = TRICKS.map((t) => {
    const id = `${slot}-${t.key}-on`;
    const toggle = el('input', { id, type: 'checkbox', checked: !!s[t.key], ...(t.bool ? { 'data-option': t.option } : { 'data-toggles': t.option }) });
    const parts = [toggle, el('label', { for: id, text: t.label })];
    let param = null;
    if (!t.bool) {
      const f = { ...t, label: `${t.label} ${t.param}` };
      const value = s[t.key] || t.on;
      param = fieldControl(slot, f, value, guard(`run ${slot}`, (input) => {
        if (toggle.checked) s[t.key] = readValue(f, input);
        s.preset = 'custom';
        $(`#${slot}-preset`).value = 'custom';
        $(`#desc-${slot}`).textContent = describeSettings(s);
      }));
      param.input.setAttribute('aria-label', `${t.label} ${t.param}`);
      param.input.disabled = !toggle.checked;
      parts.push(el('span', { class: 'info', text: t.param }), param.input);
    }
    toggle.addEventListener('change', guard(`run ${slot}`, () => {
      if (t.bool) s[t.key] = toggle.checked;
      else {
        param.input.disabled = !toggle.checked;
        s[t.key] = toggle.checked ? readValue(t, param.input) : (t.options ? '' : 0);
      }
      s.preset = 'custom';
      $(`#${slot}-preset`).value = 'custom';
      $(`#desc-${slot}`).textContent = describeSettings(s);
    }));
    return el('div', { class: 'trick' }, ...parts);
  });
  const run = state.runs[slot];
  const train = el('button', { id: `train-${slot}`, class: 'primary', text: `Train ${slot}`, onclick: () => trainSlot(slot) });
  const pause = el('button', { id: `pause-${slot}`, text: 'Pause', disabled: run.state !== 'training', onclick: guard('pause', () => togglePause(slot)) });
  const stop = el('button', { id: `stop-${slot}`, text: 'Stop', disabled: run.state !== 'training', onclick: guard('stop', () => run.trainer?.stop()) });
  const toPyTorch = el('button', { id: `export-pt-${slot}`, text: 'Export for PyTorch', onclick: guard('export for PyTorch', () => exportForPyTorch(slot)) });
  return el('section', { class: 'card', id: `run-${slot}`, 'aria-labelledby': `run-h-${slot}` },
    el('h3', { id: `run-h-${slot}`, text: `Run ${slot}` }),
    el('p', { class: 'info', id: `desc-${slot}`, text: describeSettings(s) }),
    el('fieldset', {}, el('legend', { text: 'Model and optimizer' }), ...rows),
    el('fieldset', {}, el('legend', { text: 'Tricks' }), ...tricks),
    el('div', { class: 'row' }, train, pause, stop, toPyTorch),
    el('progress', { id: `progress-${slot}`, max: 1, value: 0, 'aria-label': `Run ${slot} progress` }),
    el('dl', { class: 'metrics', id: `metrics-${slot}`, 'aria-live': 'off' }));
}

// ---------------------------------------------------------------- training

const renderSoon = (() => {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    setTimeout(() => { queued = false; renderProgress(); }, 250);
  };
})();

function renderProgress() {
  for (const slot of SLOTS) {
    const run = state.runs[slot];
    const p = run.last;
    const dl = $(`#metrics-${slot}`);
    const lastVal = run.curves.valAcc.at(-1);
    const rows = [['state', run.state]];
    if (p) {
      rows.push(['epoch', `${p.epoch}/${p.epochs}`], ['step', p.type === 'step' ? `${p.step}/${p.steps}` : 'end of epoch'],
        ['loss', num(p.loss)], ['accuracy (train)', pct(p.accuracy)], ['lr', num(p.lr, 3)],
        ['images/s', num(p.imagesPerSecond, 3)], ['ETA', secs(p.eta)]);
      const done = p.type === 'step' ? (p.epoch - 1 + p.step / p.steps) / p.epochs : p.epoch / p.epochs;
      $(`#progress-${slot}`).value = done;
    }
    if (lastVal) rows.push(['validation accuracy', pct(lastVal[1])]);
    dl.replaceChildren(...rows.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v, 'data-key': k })]));
    dl.dataset.state = run.state;
    $(`#pause-${slot}`).disabled = run.state !== 'training';
    $(`#stop-${slot}`).disabled = run.state !== 'training';
    $(`#train-${slot}`).disabled = run.state === 'training' || run.state === 'starting';
  }
  const charts = runCharts(SLOTS.map((s) => state.runs[s]));
  for (const [k, svg] of Object.entries(charts)) $(`#chart-${k}`).innerHTML = svg;
}

async function trainSlot(slot) {
  const run = state.runs[slot];
  const s = state.settings[slot];
  clearError();
  try {
    run.state = 'starting';
    renderProgress();
    const data = await getData();
    say(`Run ${slot}: starting a worker...`);
    const model = await modelSource(s.model, data.inputShape, data.classNames, { store: state.store });
    await run.create(model, trainerOptions(s));
    if (run.trainer.inputShape.join('x') !== data.inputShape.join('x')) {
      throw new Error(`run ${slot} starts from a model of ${run.trainer.inputShape.join('x')} images, the data are ${data.inputShape.join('x')}: ` +
        'choose a starting point made for these images');
    }
    run.settings = { ...s };
    run.dataKey = data.key;
    run.state = 'training';
    renderProgress();
    say(`Run ${slot}: training (${describeSettings(s)}).`);
    const r = await run.fit(data.train, { epochs: s.epochs, batchSize: s.batchSize, validation: data.validation, onProgress: renderSoon });
    renderProgress();
    say(`Run ${slot}: ${r.stopped ? 'stopped' : 'done'}${run.curves.valAcc.length ? `, validation accuracy ${pct(run.curves.valAcc.at(-1)[1])}` : ''}.`);
    $('#eval-run').value = slot;
    await evaluateSlot(slot);
    await predictPad();
  } catch (e) {
    if (run.state !== 'failed') run.state = run.trainer ? 'failed' : 'idle';
    renderProgress();
    showError(e, `run ${slot}`);
  }
}

async function togglePause(slot) {
  const run = state.runs[slot];
  const b = $(`#pause-${slot}`);
  if (b.textContent === 'Pause') {
    await run.trainer.pause();
    run.state = 'training';
    b.textContent = 'Resume';
    say(`Run ${slot} paused: predictions and evaluation still work.`);
  } else {
    await run.trainer.resume();
    b.textContent = 'Pause';
    say(`Run ${slot} resumed.`);
  }
}

// ---------------------------------------------------------------- evaluation

function confusionTable(confusion, names) {
  const short = (n) => (n.length > 8 ? `${n.slice(0, 7)}.` : n);
  const head = el('tr', {}, el('th', { scope: 'col', text: 'true \\ predicted' }), ...names.map((n) => el('th', { scope: 'col', title: n, text: short(n) })));
  const max = Math.max(1, ...confusion.flat());
  const rows = confusion.map((row, i) => el('tr', {}, el('th', { scope: 'row', title: names[i], text: short(names[i]) }),
    ...row.map((v, j) => {
      const a = v / max;
      const td = el('td', { text: String(v), title: `${names[i]} predicted as ${names[j]}: ${v}` });
      // Blue for the diagonal, orange off it; dark text stays >= 4.5:1 on the light end, white on the dark end.
      const rgb = i === j ? [0, 90, 140] : [200, 80, 0];
      td.style.background = `rgba(${rgb.join(',')}, ${(0.08 + 0.92 * a).toFixed(2)})`;
      td.style.color = a > 0.45 ? '#fff' : '#111';
      return td;
    })));
  return el('table', { class: 'confusion' }, el('caption', { class: 'info', text: 'rows: true class; columns: predicted class' }),
    el('thead', {}, head), el('tbody', {}, ...rows));
}

async function evaluateSlot(slot) {
  const run = state.runs[slot];
  if (!run.trainer) throw new Error(`run ${slot} has no model yet: train or load it first`);
  const data = await getData();
  if (run.trainer.numClasses !== data.classNames.length) {
    throw new Error(`run ${slot} has ${run.trainer.numClasses} classes but the data set ${data.classNames.length}: choose the matching data set`);
  }
  say(`Evaluating run ${slot}...`);
  delete $('#eval-summary').dataset.accuracy;
  const ev = await run.trainer.evaluate(data.validation);
  const names = data.classNames;
  const summary = $('#eval-summary');
  summary.replaceChildren(...[['run', `${slot} (${run.settings ? describeSettings(run.settings) : 'loaded'})`], ['accuracy', pct(ev.accuracy)],
    ['top-5', pct(ev.top5)], ['loss', num(ev.loss)], ['images', String(ev.count)]]
    .flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v, 'data-key': k })]));
  $('#confusion').replaceChildren(confusionTable(ev.confusion, names));
  $('#per-class').innerHTML = barChart({ bars: ev.perClass.map((v, k) => ({ name: names[k], value: Number.isFinite(v) ? Math.round(v * 1000) / 1000 : 0 })),
    title: 'Per-class accuracy', yLabel: 'accuracy', width: 520, height: 280 });
  const preds = await run.trainer.predict(data.validation, { topK: 1 });
  const wrong = [];
  for (let i = 0; i < preds.length && wrong.length < 24; i++) if (preds[i][0].label !== data.validation.labels[i]) wrong.push(i);
  $('#gallery').replaceChildren(...wrong.map((i) => {
    const { image, label } = data.validation.get(i);
    const p = preds[i][0];
    const c = el('canvas', { class: 'px', role: 'img', 'aria-label': `validation image ${i}: a ${names[label]} predicted as ${p.className}` });
    drawImage(c, image);
    return el('figure', { role: 'listitem' }, c, el('figcaption', { text: `${names[label]} → ${p.className} (${pct(p.probability)})` }));
  }));
  summary.dataset.run = slot;
  summary.dataset.accuracy = String(ev.accuracy); // last: the tests wait for it
  say(`Run ${slot}: validation accuracy ${pct(ev.accuracy)}, ${wrong.length}${wrong.length === 24 ? '+' : ''} misclassified shown.`);
}

// ---------------------------------------------------------------- prediction

async function predictFrom(sourceImage, what) {
  const slot = $('#predict-run').value;
  const run = state.runs[slot];
  if (!run.trainer) throw new Error(`run ${slot} has no model yet: train or load it first`);
  const pixels = sourceImage instanceof HTMLCanvasElement ? String(checksum(sourceImage)) : '';
  let top = await run.trainer.predict(sourceImage, { topK: 5 });
  // Imported weights carry no class names: name the labels after the current data set's.
  const names = state.data?.classNames;
  if (!run.trainer.classNames && names?.length === run.trainer.numClasses) top = top.map((t) => ({ ...t, className: names[t.label] }));
  state.lastTop5 = top;
  const box = $('#top5');
  box.innerHTML = topChart(top, `Run ${slot}: ${what}`);
  box.dataset.top = top.map((t) => `${t.className}:${t.probability.toFixed(6)}`).join('|');
  box.dataset.pixels = pixels; // checksum of the canvas predicted (the tests compare inputs)
  box.dataset.count = String(Number(box.dataset.count ?? 0) + 1);
  return top;
}

const predictPad = async () => {
  if (state.pad.isEmpty() || state.pad.isDrawing() || !state.runs[$('#predict-run').value].trainer) return null;
  return predictFrom($('#pad'), 'the drawing');
};

// ---------------------------------------------------------------- saved runs

/** Trainer options for an imported weights file (safetensors holds no training settings): an
    optimizer to build the trainer with, and the current data set's normalisation (a checkpoint
    carries its own; Fashion-MNIST's when no data set is chosen). */
async function weightsOptions() {
  const d = await getData().catch(() => null);
  const normalize = d ? { mean: [...d.train.mean], std: [...d.train.std] } : { mean: [0.2860], std: [0.3530] };
  return { optimizer: { name: 'sgd', lr: 0.01 }, normalize };
}

async function refreshSaved() {
  const list = await state.store.list();
  const names = list.map((r) => r.name);
  if (names.join('\n') !== state.saved.join('\n')) {
    state.saved = names;
    for (const slot of SLOTS) {
      if (state.settings[slot].model.startsWith(SAVED) && !names.includes(state.settings[slot].model.slice(SAVED.length))) state.settings[slot].model = DEFAULTS.model;
      $(`#run-${slot}`)?.replaceWith(buildRunPanel(slot));
    }
  }
  $('#saved').replaceChildren(...list.map((r) => {
    const extra = loadCurves(r.name);
    const desc = extra?.settings ? describeSettings(extra.settings) : (r.kind === 'weights' ? 'imported weights' : 'checkpoint');
    const load = (slot) => guard('load', async () => {
      say(`Loading '${r.name}' into run ${slot}...`);
      const t = await loadRun(state.store, r.name, r.kind === 'weights' ? await weightsOptions() : undefined);
      await state.runs[slot].adopt(t, extra?.curves);
      state.runs[slot].state = 'loaded';
      state.runs[slot].settings = extra?.settings ?? null;
      if (extra?.settings) {
        state.settings[slot] = { ...DEFAULTS, ...extra.settings };
        $(`#run-${slot}`).replaceWith(buildRunPanel(slot));
      }
      renderProgress();
      $('#predict-run').value = slot;
      await predictPad();
      say(`Loaded '${r.name}' into run ${slot} (${t.paramCount} parameters, ${t.numClasses} classes).`);
    });
    const exportIt = guard('export', async () => {
      const file = await state.store.exportFile(r.name);
      download(file.name ?? `${r.name}.safetensors`, file);
    });
    const del = guard('delete', async () => {
      await state.store.delete(r.name);
      dropCurves(r.name);
      await refreshSaved();
    });
    return el('li', { 'data-name': r.name },
      el('strong', { text: r.name }), el('span', { class: 'info', text: `${desc}; ${(r.bytes / 1e6).toFixed(2)} MB, ${new Date(r.savedAt).toLocaleString()}` }),
      el('button', { text: 'Load into A', onclick: load('A') }), el('button', { text: 'Load into B', onclick: load('B') }),
      el('button', { text: 'Fine-tune in A', title: 'Run A starts from these weights with a new head for the current data', onclick: startFrom('A', r.name) }),
      el('button', { text: 'Export', onclick: exportIt }), el('button', { text: 'Delete', 'aria-label': `Delete ${r.name}`, onclick: del }));
  }));
  if (!list.length) $('#saved').append(el('li', { class: 'info', text: 'No saved runs yet.' }));
}

/** Sets run `slot` to start from saved run `name` (a new head on its weights; train it with
    Train). */
const startFrom = (slot, name) => guard('fine-tune', () => {
  state.settings[slot].model = `${SAVED}${name}`;
  $(`#run-${slot}`).replaceWith(buildRunPanel(slot));
  say(`Run ${slot} starts from '${name}' with a new head: choose what to train (every layer or the head only) and press Train ${slot}.`);
});

/** Offers a Blob, bytes or text as a download. */
function download(name, body) {
  const a = el('a', { href: URL.createObjectURL(body instanceof Blob ? body : new Blob([body])), download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/** The run's checkpoint as a standalone PyTorch script (js/export.js, loaded on first use):
    train.py and init.safetensors as downloads. Fashion-MNIST runs read Debian's folder; runs on
    my images read an ImageFolder (one sub-folder per class) given with --data. */
async function exportForPyTorch(slot) {
  const run = state.runs[slot];
  if (!run.trainer) throw new Error(`run ${slot} has nothing to export: train or load it first`);
  const { exportPyTorch } = await import('../js/export.js');
  const fashion = source() === 'fashion';
  const { files } = await exportPyTorch(await run.trainer.checkpoint(), { data: fashion ? 'fashion-mnist' : 'my-images' });
  for (const [name, body] of Object.entries(files)) download(name, body);
  say(`Exported run ${slot} for PyTorch: ${Object.keys(files).join(', ')}. Run: python3 train.py` +
    `${fashion ? '' : ' --data DIR (an ImageFolder: one sub-folder of images per class)'}, or torchrun --nproc_per_node N train.py.`);
}

async function saveSlot(slot) {
  const run = state.runs[slot];
  if (!run.trainer) throw new Error(`run ${slot} has nothing to save: train or load it first`);
  const name = $('#save-name').value.trim();
  if (!name) throw new Error('give the run a name');
  const r = await run.trainer.save(name, { store: state.store });
  saveCurves(name, run, run.settings ?? state.settings[slot]);
  await refreshSaved();
  say(`Saved run ${slot} as '${name}' (${(r.bytes / 1e6).toFixed(2)} MB).`);
}

// ---------------------------------------------------------------- start

async function main() {
  state.wt = await getWt();
  for (const slot of SLOTS) $('#runs').append(buildRunPanel(slot));
  renderProgress();
  state.store = await openStore();
  await refreshSaved();

  for (const r of document.querySelectorAll('input[name="dataset"]')) {
    r.addEventListener('change', () => {
      const mine = source() === 'mine';
      $('#fashion-opts').hidden = mine;
      $('#mine-opts').hidden = !mine;
      $('#add-to-class').hidden = !mine;
      if (mine) renderClasses();
      const [from, to] = mine ? [COMPARISONS.fashion, COMPARISONS.mine] : [COMPARISONS.mine, COMPARISONS.fashion];
      for (const slot of SLOTS) state.settings[slot].epochs = to.epochs;
      // B takes the new source's trick if it still has the old one's exactly (a B the user
      // changed keeps its tricks).
      const B = state.settings.B;
      if (Object.entries(from.trick).every(([k, v]) => B[k] === v) &&
          Object.keys(to.trick).every((k) => k in from.trick || B[k] === DEFAULTS[k])) {
        Object.assign(B, trickOff(from.trick), to.trick);
      }
      for (const slot of SLOTS) $(`#run-${slot}`).replaceWith(buildRunPanel(slot));
    });
  }
  $('#add-class').addEventListener('click', () => { state.mine.push({ name: `class ${state.mine.length + 1}`, images: [] }); renderClasses(); });
  let stopMineCam = null;
  $('#mine-cam').addEventListener('click', guard('webcam', async () => {
    if (stopMineCam) { stopMineCam(); stopMineCam = null; $('#mine-cam').textContent = 'Use the webcam'; return; }
    stopMineCam = await startWebcam($('#mine-video'));
    $('#mine-cam').textContent = 'Stop the webcam';
  }));

  $('#train-both').addEventListener('click', () => Promise.all(SLOTS.map(trainSlot)));
  $('#evaluate').addEventListener('click', guard('evaluate', () => evaluateSlot($('#eval-run').value)));

  state.pad = makeDrawPad($('#pad'), { lineWidth: 16, onChange: debounce(guard('predict', predictPad), 120) });
  $('#clear-pad').addEventListener('click', () => { state.pad.clear(); $('#top5').replaceChildren(); });
  $('#add-to-class').addEventListener('click', guard('drawing', () => {
    if (state.pad.isEmpty()) throw new Error('the pad is empty: draw something first');
    const target = state.mine.at(-1);
    target.images.push(fitSquare($('#pad'), MINE_SIDE));
    renderClasses();
    say(`Added the drawing to ${target.name} (the buttons in each class add to that class).`);
  }));
  $('#predict-run').addEventListener('change', guard('predict', predictPad));
  $('#predict-file').addEventListener('change', guard('predict', async (e) => {
    const f = e.target.files[0];
    if (f) await predictFrom(f, f.name);
  }));
  let camTimer = 0;
  let stopCam = null;
  $('#predict-cam').addEventListener('click', guard('webcam', async () => {
    if (stopCam) {
      clearInterval(camTimer);
      stopCam();
      stopCam = null;
      $('#predict-cam').textContent = 'Predict the webcam';
      return;
    }
    stopCam = await startWebcam($('#predict-video'));
    $('#predict-cam').textContent = 'Stop the webcam';
    camTimer = setInterval(() => predictFrom($('#predict-video'), 'webcam').catch((e) => showError(e, 'webcam')), 700);
  }));

  for (const slot of SLOTS) $(`#save-${slot}`).addEventListener('click', guard('save', () => saveSlot(slot)));
  $('#import').addEventListener('change', guard('import', async (e) => {
    const f = e.target.files[0];
    if (!f) return;
    const r = await state.store.importFile(f);
    await refreshSaved();
    say(`Imported '${r.name}'.`);
  }));

  say('Ready: choose the data and the runs, then Train.');
  window.studio = { state, ready: true, getData, evaluateSlot, predictPad };
  pageReady();
}

guard('start', main)();
