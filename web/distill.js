// distill.js - the distillation demo: a teacher trained here (or a saved run), then the same
// student trained twice with the same seed, data order and budget, once alone and once with
// the teacher's softened logits (Trainer options teacher + distillation { temperature, weight },
// each student in its own WorkerTrainer); their curves overlaid; and the teacher's distribution
// for a chosen validation image at T = 1 and at a chosen T. Sets window.distill for the tests.

import { getWt, loadFashion, $, el, say, guard, pageReady } from './app.js';
import { MODELS, Run, modelOption, trainerOptions, runCharts, DEFAULTS, PRESETS, openStore, loadRun } from './runs.js';
import { barChart } from './lib/chart.js';
import { drawImage, scaleNearest } from './lib/images.js';

const state = { teacher: new Run('teacher'), alone: new Run('student alone'), kd: new Run('student + KD'), data: null, dataKey: null,
  teacherBytes: null, probs: null, pick: 0 };
const pct = (v) => (Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : '-');

async function getData() {
  const nTrain = Number($('#n-train').value);
  const nVal = Number($('#n-val').value);
  if (!(Number.isInteger(nTrain) && nTrain >= 100 && nTrain <= 60000)) throw new Error(`Training images must be a whole number from 100 to 60000, got ${$('#n-train').value}`);
  if (!(Number.isInteger(nVal) && nVal >= 100 && nVal <= 10000)) throw new Error(`Validation images must be a whole number from 100 to 10000, got ${$('#n-val').value}`);
  const key = `${nTrain}:${nVal}`;
  if (state.dataKey !== key) {
    say('Loading Fashion-MNIST...');
    const [train, test] = await Promise.all([loadFashion('train'), loadFashion('test')]);
    state.data = { train: train.sample(nTrain, { seed: 1 }), validation: test.sample(nVal, { seed: 2 }), classNames: [...train.classNames] };
    state.dataKey = key;
  }
  return state.data;
}

const intIn = (sel, lo, hi, what) => {
  const v = Number($(sel).value);
  if (!(Number.isInteger(v) && v >= lo && v <= hi)) throw new Error(`${what} must be a whole number from ${lo} to ${hi}, got '${$(sel).value}'`);
  return v;
};

/** The settings of a run here: the baseline recipe at the given lr. */
const settings = (lr) => ({ ...DEFAULTS, ...PRESETS.baseline, lr });

function metrics(dl, run) {
  const p = run.last;
  const val = run.curves.valAcc.at(-1);
  const rows = [['state', run.state]];
  if (p) rows.push(['epoch', `${p.epoch}/${p.epochs}`], ['loss', Number(p.loss).toFixed(4)], ['accuracy (train)', pct(p.accuracy)]);
  if (val) rows.push(['validation accuracy', pct(val[1])]);
  dl.replaceChildren(...rows.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v, 'data-key': k })]));
  dl.dataset.state = run.state;
  if (val) dl.dataset.accuracy = String(val[1]);
}

function progress(bar, p) {
  if (p?.type === 'step') bar.value = (p.epoch - 1 + p.step / p.steps) / p.epochs;
  else if (p?.type === 'epoch') bar.value = p.epoch / p.epochs;
}

function renderStudents() {
  metrics($('#m-alone'), state.alone);
  metrics($('#m-kd'), state.kd);
  progress($('#p-alone'), state.alone.last);
  progress($('#p-kd'), state.kd.last);
  const charts = runCharts([state.alone, state.kd]);
  $('#chart-acc').innerHTML = charts.acc;
  $('#chart-loss').innerHTML = charts.loss;
}

async function setTeacher(trainer, what) {
  state.teacherBytes = await trainer.exportWeights();
  $('#t-info').textContent = what;
  $('#train-students').disabled = false;
  await showSamples();
}

async function trainTeacher() {
  const data = await getData();
  const epochs = intIn('#t-epochs', 1, 50, 'Teacher epochs');
  const model = $('#t-model').value;
  const run = state.teacher;
  $('#train-teacher').disabled = true;
  try {
    say(`Training the teacher (${MODELS[model].label})...`);
    await run.create(modelOption(model, [1, 28, 28], data.classNames, 1), trainerOptions(settings(0.05)));
    run.settings = settings(0.05);
    await run.fit(data.train, { epochs, batchSize: 64, validation: data.validation, onProgress: (p) => {
      progress($('#t-progress'), p);
      $('#t-info').textContent = `epoch ${p.epoch}/${p.epochs}, loss ${Number(p.loss).toFixed(4)}, accuracy ${pct(p.accuracy)}`;
    } });
    const acc = run.curves.valAcc.at(-1)?.[1];
    $('#t-info').dataset.accuracy = String(acc);
    await setTeacher(run.trainer, `Teacher: ${MODELS[model].label}, ${epochs} epoch(s), validation accuracy ${pct(acc)}.`);
    say('Teacher ready: train the students.');
  } finally {
    $('#train-teacher').disabled = false;
  }
}

async function loadTeacher() {
  const name = $('#t-saved').value;
  if (!name) throw new Error('there is no saved run: save one in the training studio first');
  const store = await openStore();
  await state.teacher.adopt(await loadRun(store, name));
  const t = state.teacher.trainer;
  const data = await getData();
  if (t.numClasses !== data.classNames.length || t.inputShape.join('x') !== '1x28x28') {
    throw new Error(`'${name}' is a ${t.inputShape.join('x')} model with ${t.numClasses} classes; the teacher must take Fashion-MNIST (1x28x28, 10 classes)`);
  }
  const ev = await t.evaluate(data.validation);
  $('#t-info').dataset.accuracy = String(ev.accuracy);
  await setTeacher(t, `Teacher: saved run '${name}' (${t.paramCount} parameters), validation accuracy ${pct(ev.accuracy)}.`);
}

async function trainStudents() {
  if (!state.teacherBytes) throw new Error('train or load a teacher first');
  const data = await getData();
  const epochs = intIn('#s-epochs', 1, 50, 'Student epochs');
  const lr = Number($('#s-lr').value);
  if (!(lr > 0 && lr <= 1)) throw new Error(`the student learning rate must be in (0, 1], got '${$('#s-lr').value}'`);
  const temperature = Number($('#kd-t').value);
  const weight = Number($('#kd-w').value);
  const model = modelOption($('#s-model').value, [1, 28, 28], data.classNames, 2);
  const base = trainerOptions(settings(lr));
  $('#train-students').disabled = true;
  $('#stop-students').disabled = false;
  try {
    await Promise.all([state.alone.create(model, base),
      state.kd.create(model, { ...base, teacher: state.teacherBytes.slice(), distillation: { temperature, weight } })]);
    state.kd.label = `student + KD (T ${temperature}, w ${weight})`;
    say(`Training both students (${epochs} epoch(s) each, same seed and data order)...`);
    const tick = () => renderStudents();
    const fitOpts = { epochs, batchSize: 64, validation: data.validation, onProgress: tick };
    await Promise.all([state.alone.fit(data.train, fitOpts), state.kd.fit(data.train, fitOpts)]);
    renderStudents();
    const a = state.alone.curves.valAcc.at(-1)?.[1];
    const k = state.kd.curves.valAcc.at(-1)?.[1];
    say(`Validation accuracy: student alone ${pct(a)}, with distillation ${pct(k)}.`);
  } finally {
    $('#train-students').disabled = false;
    $('#stop-students').disabled = true;
  }
}

/** softmax(z / T) from p = softmax(z): p^(1/T), renormalised (in log space for small p). */
export function soften(probs, T) {
  const logs = probs.map((p) => (p > 0 ? Math.log(p) / T : -Infinity));
  const m = Math.max(...logs);
  const e = logs.map((l) => Math.exp(l - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

function renderSoft() {
  if (!state.probs) return;
  const names = state.data.classNames;
  const T = Number($('#soft-t').value);
  const { label } = state.data.validation.get(state.pick);
  const bars = (q) => q.map((v, k) => ({ name: names[k], value: Math.round(v * 1000) / 1000, color: k === label ? '#009E73' : undefined }));
  $('#soft-1').innerHTML = barChart({ bars: bars(state.probs), title: `T = 1 (true class: ${names[label]}, in green)`, yLabel: 'probability', width: 520, height: 280 });
  $('#soft-T').innerHTML = barChart({ bars: bars(soften(state.probs, T)), title: `T = ${T}`, yLabel: 'probability', width: 520, height: 280 });
  $('#soft-T').dataset.temperature = String(T);
}

async function pickSample(i) {
  state.pick = i;
  const t = state.teacher.trainer;
  const top = await t.predict(state.data.validation.get(i).image, { topK: state.data.classNames.length });
  const probs = new Array(state.data.classNames.length).fill(0);
  for (const { label, probability } of top) probs[label] = probability;
  state.probs = probs;
  for (const [k, b] of [...$('#soft-pick').children].entries()) b.setAttribute('aria-pressed', String(k === i));
  renderSoft();
}

async function showSamples() {
  const data = await getData();
  const names = data.classNames;
  $('#soft-pick').replaceChildren(...Array.from({ length: 8 }, (_, i) => {
    const { image, label } = data.validation.get(i);
    const c = el('canvas', { class: 'px', 'aria-hidden': 'true' });
    drawImage(c, scaleNearest(image, 56));
    return el('button', { 'aria-pressed': 'false', 'aria-label': `validation image ${i + 1}: ${names[label]}`, onclick: guard('pick', () => pickSample(i)) }, c);
  }));
  await pickSample(0);
}

async function main() {
  await getWt();
  for (const sel of ['#t-model', '#s-model']) {
    for (const [k, m] of Object.entries(MODELS)) $(sel).append(el('option', { value: k, text: m.label }));
  }
  $('#t-model').value = 'student';
  $('#s-model').value = 'tiny';
  const store = await openStore();
  const saved = await store.list();
  $('#t-saved').replaceChildren(...(saved.length ? saved.map((r) => el('option', { value: r.name, text: r.name })) : [el('option', { value: '', text: '(none saved)' })]));
  for (const [id, out] of [['#kd-t', '#kd-t-out'], ['#kd-w', '#kd-w-out'], ['#soft-t', '#soft-t-out']]) {
    $(id).addEventListener('input', () => { $(out).textContent = $(id).value; });
  }
  $('#kd-t').addEventListener('change', () => { $('#soft-t').value = $('#kd-t').value; $('#soft-t-out').textContent = $('#kd-t').value; renderSoft(); });
  $('#soft-t').addEventListener('input', renderSoft);
  $('#train-teacher').addEventListener('click', guard('teacher', trainTeacher));
  $('#load-teacher').addEventListener('click', guard('teacher', loadTeacher));
  $('#train-students').addEventListener('click', guard('students', trainStudents));
  $('#stop-students').addEventListener('click', guard('stop', () => Promise.all([state.alone.trainer?.stop(), state.kd.trainer?.stop()])));
  renderStudents();
  say('Ready: train or load a teacher.');
  window.distill = { state, ready: true, soften };
  pageReady();
}

guard('start', main)();
