// playground.js - the augmentation playground: a pool of images (Fashion-MNIST test samples,
// files, webcam pictures, drawings), every augmentation of wt.augment applied live to the
// selected ones with sliders for its parameters, the soft targets of the batch tricks as bars,
// RICAP's four patches with their area weights, AutoAugment's sub-policy and the ops of the random
// policies named (as the engine reports them), and a grid of 16 draws. All pixels come from the
// engine; this file only lays them out. Each card counts its renders in data-renders (the
// browser tests wait on it).

import { getWt, loadFashion, $, el, say, guard, debounce, pageReady } from './app.js';
import { drawImage, fitSquare, fileSquare, scaleNearest, startWebcam, syntheticSamples, checksum } from './lib/images.js';
import { makeDrawPad } from './lib/drawpad.js';
import { barChart } from './lib/chart.js';

const S = 56; // working side of every image: Fashion-MNIST's 28 x 2
const MAX_SELECTED = 4;
const state = { pool: [], selected: [], seed: 1, sampleStart: 0, counters: { upload: 0, webcam: 0, drawing: 0 } };

const fmt = (v, d = 2) => Number(v).toFixed(d);
/** The ops a policy reported, as "Rotate -6.67 then Equalize". */
const drawnOps = (ops) => ops.map((o) => `${o.name}${o.magnitude ? ` ${fmt(o.magnitude)}` : ''}`).join(' then ');

/** The augmentations: per-image ones take (wt, image, params, seed) -> { image, info };
    batch ones take (wt, batch, params, seed) -> the wt.augment result. */
const OPS = [
  {
    id: 'mixup', title: 'mixup', batch: true, cite: 'Zhang et al. 2018',
    params: [{ key: 'alpha', label: 'alpha', min: 0.1, max: 2, step: 0.1, value: 1 }],
    run: (wt, batch, p, seed) => wt.augment.mixup(batch, { alpha: p.alpha, seed }),
    info: (r) => `lambda = ${fmt(r.lambda, 3)} ~ Beta(alpha, alpha); each image is lambda x + (1 - lambda) x[partner].`,
  },
  {
    id: 'cutmix', title: 'CutMix', batch: true, cite: 'Yun et al. 2019',
    params: [{ key: 'alpha', label: 'alpha', min: 0.1, max: 2, step: 0.1, value: 1 }],
    run: (wt, batch, p, seed) => wt.augment.cutmix(batch, { alpha: p.alpha, seed }),
    info: (r) => `box x ${r.box.x0}..${r.box.x1}, y ${r.box.y0}..${r.box.y1}; lambda = ${fmt(r.lambda, 3)} (1 - box area / image area).`,
    overlay: (r) => {
      const { x0, y0, x1, y1 } = r.box;
      return `<rect x="${x0}" y="${y0}" width="${x1 - x0}" height="${y1 - y0}" fill="none" stroke="#e69f00" stroke-width="1.2"/>`;
    },
  },
  {
    id: 'ricap', title: 'RICAP', batch: true, cite: 'Takahashi et al. 2018',
    params: [{ key: 'beta', label: 'beta', min: 0.1, max: 2, step: 0.1, value: 0.3 }],
    run: (wt, batch, p, seed) => wt.augment.ricap(batch, { beta: p.beta, seed }),
    info: (r) => `boundary w = ${r.boundary.w}, h = ${r.boundary.h}; patch area weights ${r.weights.map((w) => fmt(w)).join(', ')} ` +
      '(top-left, bottom-left, top-right, bottom-right).',
    overlay: (r) => {
      const { w, h } = r.boundary;
      // Parts: 0 top-left, 1 below it, 2 right of 0, 3 bottom-right (docs/batch.md).
      const inside = (v) => Math.min(S - 9, Math.max(9, v));
      const centres = [[w / 2, h / 2], [w / 2, (h + S) / 2], [(w + S) / 2, h / 2], [(w + S) / 2, (h + S) / 2]].map(([x, y]) => [inside(x), inside(y)]);
      const labels = r.weights.map((wt, k) => (wt > 0.005
        ? `<text x="${centres[k][0]}" y="${centres[k][1]}" font-size="7" text-anchor="middle" dominant-baseline="middle" fill="#fff" stroke="#000" stroke-width="2" paint-order="stroke">${fmt(wt)}</text>`
        : '')).join('');
      return `<path d="M${w},0V${S}M0,${h}H${S}" stroke="#e69f00" stroke-width="1.2"/>${labels}`;
    },
  },
  {
    id: 'cutout', title: 'Cutout', cite: 'DeVries & Taylor 2017',
    params: [{ key: 'holes', label: 'holes', min: 0, max: 4, step: 1, value: 1 },
      { key: 'length', label: 'length', min: 0, max: S, step: 1, value: 16 }],
    run: (wt, img, p, seed) => ({ image: wt.augment.cutout(img, { holes: p.holes, length: p.length, seed }),
      info: `${p.holes} square hole(s) of side ${p.length} px, centres anywhere (clipped at the border).` }),
  },
  {
    id: 'erasing', title: 'RandomErasing', cite: 'Zhong et al. 2020',
    params: [{ key: 'scaleMax', label: 'max area', min: 0.02, max: 0.6, step: 0.01, value: 0.33 },
      { key: 'value', label: 'fill', options: ['random', '0'], value: 'random' }],
    run: (wt, img, p, seed) => ({
      image: wt.augment.randomErasing(img, { p: 1, scale: [0.02, Math.max(0.02, p.scaleMax)], value: p.value === 'random' ? 'random' : 0, seed }),
      info: `p = 1 here; area in [0.02, ${fmt(p.scaleMax)}] of the image, aspect in [0.3, 3.3].`,
    }),
  },
  {
    id: 'rrc', title: 'RandomResizedCrop + flip', cite: 'Szegedy et al. 2015',
    params: [{ key: 'scaleMin', label: 'min area', min: 0.08, max: 1, step: 0.01, value: 0.08 },
      { key: 'flip', label: 'flip p', min: 0, max: 1, step: 0.5, value: 0.5 }],
    run: (wt, img, p, seed) => {
      const crop = wt.augment.randomResizedCrop(img, { size: S, scale: [p.scaleMin, 1], seed });
      const out = wt.augment.hflip(crop, { p: p.flip, seed: seed + 7919 });
      return { image: out, info: `crop of ${fmt(p.scaleMin)}..1 of the area, aspect 3/4..4/3, resized to ${S}x${S}; horizontal flip with p = ${p.flip}.` };
    },
  },
  {
    id: 'autoaugment', title: 'AutoAugment', cite: 'Cubuk et al. 2019',
    params: [{ key: 'policy', label: 'policy', options: ['imagenet', 'cifar10', 'svhn'], value: 'imagenet' }],
    run: (wt, img, p, seed) => {
      // The engine reports the sub-policy it drew and which of its two ops ran.
      const { image, subPolicy, ops } = wt.augment.autoAugment(img, { policy: p.policy, seed, report: true });
      const sub = `sub-policy ${subPolicy + 1}/25 (${ops.map((o) => `${o.name} p ${o.probability}${o.bin === null ? '' : ` bin ${o.bin}`}`).join(', ')})`;
      const ran = ops.filter((o) => o.applied);
      const info = ran.length ? `${sub}; applied: ${drawnOps(ran)}.`
        : `${sub}; it applied no op this time (each op runs with its probability).`;
      return { image, info };
    },
  },
  {
    id: 'randaugment', title: 'RandAugment', cite: 'Cubuk et al. 2020',
    params: [{ key: 'numOps', label: 'ops', min: 0, max: 4, step: 1, value: 2 },
      { key: 'magnitude', label: 'magnitude', min: 0, max: 30, step: 1, value: 9 }],
    run: (wt, img, p, seed) => {
      const { image, ops } = wt.augment.randAugment(img, { numOps: p.numOps, magnitude: p.magnitude, seed, report: true });
      return { image, info: `${p.numOps} op(s) drawn uniformly from 14, magnitude bin ${p.magnitude} of 31${ops.length ? `: ${drawnOps(ops)}` : ''}.` };
    },
  },
  {
    id: 'trivialaugment', title: 'TrivialAugment', cite: 'Muller & Hutter 2021',
    params: [],
    run: (wt, img, p, seed) => {
      const { image, ops } = wt.augment.trivialAugment(img, { seed, report: true });
      const [o] = ops;
      return { image, info: `one op, one random magnitude of 31 bins (the wide ranges): ${drawnOps(ops)}${o.bin === null ? '' : ` (bin ${o.bin})`}.` };
    },
  },
];

const opParams = new Map(OPS.map((op) => [op.id, Object.fromEntries(op.params.map((p) => [p.key, p.value]))]));
const opSeed = (op, extra = 0) => state.seed * 1000 + OPS.indexOf(op) * 50 + extra;

/** The batch of the selected images: ImageData-like images, labels over their distinct names. */
function batchOf(items) {
  const names = [...new Set(items.map((it) => it.name))];
  return { images: items.map((it) => it.image), labels: Int32Array.from(items.map((it) => names.indexOf(it.name))), numClasses: names.length, names };
}

function shot(image, label, overlay = '') {
  const canvas = el('canvas', { class: 'px', role: 'img', 'aria-label': label });
  drawImage(canvas, image);
  const wrap = el('div', { class: 'shot' }, canvas);
  if (overlay) wrap.insertAdjacentHTML('beforeend', `<svg class="overlay" viewBox="0 0 ${S} ${S}" aria-hidden="true">${overlay}</svg>`);
  return wrap;
}

function targetBars(targets, i, names) {
  const K = names.length;
  const bars = names.map((name, k) => ({ name, value: Math.round(targets[i * K + k] * 1000) / 1000 })).filter((b) => b.value > 0);
  return barChart({ bars, yLabel: 'target', width: 180, height: 150 });
}

function renderCard(wt, op) {
  const card = $(`#card-${op.id}`);
  const out = $('.outputs', card);
  const info = $('p.info', card);
  const sel = state.selected.length ? state.selected : state.pool.slice(0, 1);
  if (!sel.length) return;
  const p = opParams.get(op.id);
  out.replaceChildren();
  if (op.batch) {
    const b = batchOf(sel);
    const r = op.run(wt, b, p, opSeed(op));
    r.images.forEach((image, i) => {
      const K = b.names.length;
      const parts = b.names.map((n, k) => [n, r.targets[i * K + k]]).filter(([, v]) => v > 0).map(([n, v]) => `${fmt(v)} ${n}`).join(' + ');
      const fig = el('figure', { class: 'mixed' }, shot(image, `${op.title} output ${i + 1}: ${parts}`, op.overlay?.(r)),
        el('figcaption', { text: parts }));
      fig.insertAdjacentHTML('beforeend', `<div class="targets">${targetBars(r.targets, i, b.names)}</div>`);
      out.append(fig);
    });
    info.textContent = op.info(r);
  } else {
    const item = sel[0];
    const r = op.run(wt, item.image, p, opSeed(op));
    out.append(el('figure', {}, shot(item.image, `input: ${item.name}`), el('figcaption', { text: `input (${item.name})` })),
      el('figure', {}, shot(r.image, `${op.title} of ${item.name}`), el('figcaption', { text: op.title })));
    info.textContent = r.info;
  }
  card.dataset.renders = String(Number(card.dataset.renders ?? 0) + 1);
  const first = out.querySelector('figure:last-child canvas');
  if (first) card.dataset.checksum = String(checksum(first));
}

function renderGrid(wt) {
  const op = OPS.find((o) => o.id === $('#grid-op').value);
  const grid = $('#grid');
  const items = [...state.selected, ...state.pool.filter((it) => !state.selected.includes(it))];
  if (!items.length) return;
  const sixteen = Array.from({ length: 16 }, (_, i) => items[i % items.length]);
  const p = opParams.get(op.id);
  let images;
  if (op.batch) {
    const r = op.run(wt, batchOf(sixteen), p, opSeed(op, 1));
    images = r.images;
  } else {
    images = sixteen.map((it, i) => op.run(wt, it.image, p, opSeed(op, 2 + i)).image);
  }
  grid.replaceChildren(...images.map((image, i) => {
    const c = el('canvas', { class: 'px', role: 'img', 'aria-label': `${op.title} sample ${i + 1} of ${sixteen[i].name}` });
    drawImage(c, image);
    return c;
  }));
  grid.dataset.renders = String(Number(grid.dataset.renders ?? 0) + 1);
}

function renderAll(wt) {
  for (const op of OPS) renderCard(wt, op);
  renderGrid(wt);
  $('#seed').textContent = `seed ${state.seed}`;
}

function buildCards(wt) {
  const cards = $('#cards');
  for (const op of OPS) {
    const controls = op.params.map((p) => {
      const id = `${op.id}-${p.key}`;
      if (p.options) {
        const select = el('select', { id }, ...p.options.map((o) => el('option', { value: o, selected: o === p.value, text: o })));
        select.addEventListener('change', guard(op.title, () => { opParams.get(op.id)[p.key] = select.value; renderCard(wt, op); maybeGrid(wt, op); }));
        return el('div', { class: 'control' }, el('label', { for: id, text: p.label }), select, el('span'));
      }
      const input = el('input', { id, type: 'range', min: p.min, max: p.max, step: p.step, value: p.value });
      const output = el('output', { for: id, text: String(p.value) });
      const update = debounce(guard(op.title, () => { renderCard(wt, op); maybeGrid(wt, op); }), 15);
      input.addEventListener('input', () => {
        opParams.get(op.id)[p.key] = Number(input.value);
        output.textContent = input.value;
        update();
      });
      return el('div', { class: 'control' }, el('label', { for: id, text: p.label }), input, output);
    });
    cards.append(el('section', { class: 'card', id: `card-${op.id}`, 'aria-labelledby': `h-${op.id}` },
      el('h3', { id: `h-${op.id}` }, op.title, el('span', { class: 'info', text: ` (${op.cite})` })),
      ...controls,
      el('div', { class: 'outputs' }),
      el('p', { class: 'info', 'aria-live': 'polite' })));
    $('#grid-op').append(el('option', { value: op.id, text: op.title }));
  }
  $('#grid-op').value = 'cutout';
  $('#grid-op').addEventListener('change', guard('grid', () => renderGrid(wt)));
}

function maybeGrid(wt, op) {
  if ($('#grid-op').value === op.id) renderGrid(wt);
}

function renderPool(wt) {
  const pool = $('#pool');
  pool.replaceChildren(...state.pool.map((item) => {
    const c = el('canvas', { class: 'px', 'aria-hidden': 'true' });
    drawImage(c, item.image);
    const pos = state.selected.indexOf(item);
    const b = el('button', { 'aria-pressed': String(pos >= 0), 'aria-label': `${item.name}${pos >= 0 ? `, selected ${pos + 1}` : ''}`, title: item.name }, c);
    b.addEventListener('click', guard('select', () => {
      const k = state.selected.indexOf(item);
      if (k >= 0) state.selected.splice(k, 1);
      else {
        state.selected.push(item);
        if (state.selected.length > MAX_SELECTED) state.selected.shift();
      }
      renderPool(wt);
      renderAll(wt);
      pool.querySelectorAll('button')[state.pool.indexOf(item)]?.focus();
    }));
    return b;
  }));
}

/** Adds images to the pool and selects them first (keeping at most MAX_SELECTED selected). */
function addToPool(wt, items) {
  state.pool.push(...items);
  // New images go first: the per-image ops show them at once.
  state.selected = [...items.slice().reverse(), ...state.selected].slice(0, MAX_SELECTED);
  renderPool(wt);
  renderAll(wt);
}

/** One Fashion-MNIST test image per class, from state.sampleStart on. */
async function fashionSamples() {
  const test = await loadFashion('test');
  const found = new Map();
  for (let i = state.sampleStart; i < test.length && found.size < 8; i++) {
    const label = test.labels[i];
    if (!found.has(label)) found.set(label, i);
  }
  state.sampleStart += 97;
  return [...found.values()].map((i) => {
    const { image, label } = test.get(i);
    return { name: test.classNames[label], image: scaleNearest(image, S), origin: `test image ${i}` };
  });
}

async function main() {
  const wt = await getWt();
  buildCards(wt);
  let samples;
  try {
    samples = await fashionSamples();
    say('Ready. Drag a slider or press Resample.');
  } catch (e) {
    samples = syntheticSamples(S);
    say(`Fashion-MNIST is not available here (${e.message}); using drawn shapes. Add your own images below.`);
  }
  state.pool = samples;
  state.selected = samples.slice(0, MAX_SELECTED);
  renderPool(wt);
  renderAll(wt);

  $('#resample').addEventListener('click', guard('resample', () => { state.seed++; renderAll(wt); say(`Resampled (seed ${state.seed}).`); }));
  $('#more').addEventListener('click', guard('samples', async () => {
    const more = await fashionSamples();
    state.pool = [...more, ...state.pool.filter((it) => !it.origin?.startsWith('test'))];
    state.selected = state.pool.slice(0, MAX_SELECTED);
    renderPool(wt);
    renderAll(wt);
  }));

  const addFiles = guard('images', async (files) => {
    const items = [];
    for (const f of files) {
      items.push({ name: f.name.replace(/\.[^.]+$/, '').slice(0, 16) || `upload ${++state.counters.upload}`, image: await fileSquare(f, S) });
    }
    if (items.length) addToPool(wt, items);
    say(`Added ${items.length} image(s).`);
  });
  $('#files').addEventListener('change', (e) => addFiles([...e.target.files]));
  const drop = $('#drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    addFiles([...e.dataTransfer.files].filter((f) => f.type.startsWith('image/')));
  });

  let stopCam = null;
  $('#cam').addEventListener('click', guard('webcam', async () => {
    if (stopCam) {
      stopCam();
      stopCam = null;
      $('#cam').textContent = 'Use the webcam';
      $('#snap').hidden = true;
      return;
    }
    stopCam = await startWebcam($('#video'));
    $('#cam').textContent = 'Stop the webcam';
    $('#snap').hidden = false;
  }));
  $('#snap').addEventListener('click', guard('webcam', () => {
    addToPool(wt, [{ name: `webcam ${++state.counters.webcam}`, image: fitSquare($('#video'), S) }]);
  }));

  const padCanvas = $('#pad');
  const pad = makeDrawPad(padCanvas, { lineWidth: 14 });
  $('#clear-pad').addEventListener('click', () => pad.clear());
  $('#add-drawing').addEventListener('click', guard('drawing', () => {
    if (pad.isEmpty()) throw new Error('the pad is empty: draw something first');
    addToPool(wt, [{ name: `drawing ${++state.counters.drawing}`, image: fitSquare(padCanvas, S) }]);
  }));
  window.playground = { state, pad, ready: true };
  pageReady();
}

guard('start', main)();
