// report.mjs - the study's outputs from its results: per cell (model, training-set size, epochs)
// and configuration the test accuracy mean and spread over seeds, the delta against the baseline
// paired by seed, the final training accuracy (the regime check), the mean curve; per data set the
// README (tables, commands, what is still missing), a curves and a deltas chart per cell and the
// delta-vs-size chart (web/lib/chart.js). Pure functions over the results object, plus
// writeReport. Not here: training (run.mjs).

import { join } from 'node:path';
import { readdirSync, rmSync } from 'node:fs';
import { lineChart, barChart } from '../../web/lib/chart.js';
import { CELLS, SEEDS, FIT_THRESHOLD, CURVE_IMAGES, cellId, cellConfigs, configurations, dataInfo } from './configs.mjs';

const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
const median = (a) => { const v = [...a].sort((x, y) => x - y); return v.length % 2 ? v[v.length >> 1] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2; };
/** A run's training time: its CPU time where recorded (neither pauses nor a neighbour's load
    inflate it), else its wall time (runs from before CPU time was recorded). */
const trainTime = (r) => r.trainCpuSeconds ?? r.trainSeconds;
/** Sample standard deviation (n - 1); 0 for one value. */
export const std = (a) => (a.length > 1 ? Math.sqrt(a.reduce((s, v) => s + (v - mean(a)) ** 2, 0) / (a.length - 1)) : 0);

/** The cells of a data set's results: the planned ones (CELLS order) and any other that has
    runs (a teacher's own cell), each { data, model, size, epochs, configs, why?, planned }. */
export function resultCells(results, cells = CELLS) {
  const planned = cells.filter((c) => c.data === results.data).map((c) => ({ ...c, planned: true }));
  const extra = [];
  for (const r of results.runs) {
    const same = (c) => c.model === r.model && c.size === r.trainSize && c.epochs === r.epochs;
    if (!planned.some(same) && !extra.some(same)) {
      extra.push({ data: results.data, model: r.model, size: r.trainSize, epochs: r.epochs, planned: false,
        why: 'a distillation teacher (its seed-1 run only)' });
    }
  }
  return [...planned, ...extra];
}

const runsOf = (results, cell) => results.runs.filter((r) => r.model === cell.model && r.trainSize === cell.size && r.epochs === cell.epochs);

/**
 * Per configuration of a cell (in table order; an unplanned cell lists the configurations it
 * has runs of): { id, name, note, n, seeds, accuracy: { mean, std }, delta: { mean, std, n }
 * (points, paired with the baseline run of the same seed), trainAccuracy (mean), diverged
 * (runs that stopped on a non-finite loss), trainSeconds (the median run's training time,
 * trainTime), imagesPerSecond, curve }.
 */
export function summarize(results, cell) {
  const runs = runsOf(results, cell);
  const configs = cell.planned === false
    ? configurations(results.data).filter((c) => runs.some((r) => r.config === c.id)) : cellConfigs(cell);
  const base = new Map(runs.filter((r) => r.config === 'baseline').map((r) => [r.seed, r.accuracy]));
  return configs.map((c) => {
    const rs = runs.filter((r) => r.config === c.id).sort((a, b) => a.seed - b.seed);
    const acc = rs.map((r) => r.accuracy);
    const paired = c.id === 'baseline' ? [] : rs.filter((r) => base.has(r.seed)).map((r) => 100 * (r.accuracy - base.get(r.seed)));
    const epochs = Math.max(0, ...rs.map((r) => r.curve.length));
    const curve = Array.from({ length: epochs }, (_, e) => mean(rs.map((r) => r.curve[e]).filter((x) => x !== undefined)));
    const avg = (f) => (rs.length ? mean(rs.map(f)) : NaN);
    return {
      id: c.id, name: c.name, note: c.note, n: rs.length, seeds: rs.map((r) => r.seed),
      accuracy: { mean: acc.length ? mean(acc) : NaN, std: std(acc) },
      delta: { mean: paired.length ? mean(paired) : NaN, std: std(paired), n: paired.length },
      trainAccuracy: avg((r) => r.trainAccuracy), diverged: rs.filter((r) => r.error).length,
      trainSeconds: rs.length ? median(rs.map(trainTime)) : NaN, imagesPerSecond: avg((r) => r.imagesPerSecond), curve,
    };
  });
}

const pct = (v, d = 2) => (Number.isFinite(v) ? (100 * v).toFixed(d) : '-');
const signed = (v, d = 2) => (Number.isFinite(v) ? `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(d)}` : '-');
const thousands = (n) => n.toLocaleString('en-US');
export const fmtDuration = (s) => {
  if (!Number.isFinite(s)) return '-';
  s = Math.round(s);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h} h ${String(m).padStart(2, '0')} min` : m ? `${m} min ${String(s % 60).padStart(2, '0')} s` : `${s} s`;
};
const round = (v) => Math.round(v * 1000) / 1000;
const modelName = (m) => (m === 'student' ? 'student CNN' : m.replace(/^resnet/, 'ResNet-'));
export const cellTitle = (c) => `${modelName(c.model)}, ${thousands(c.size)} images x ${c.epochs} epochs`;

/** test accuracy vs epoch, mean over seeds, one line per configuration. */
export function curvesSvg(summary, { title }) {
  const series = summary.filter((s) => s.curve.length).map((s) => ({
    name: s.name, points: s.curve.map((a, e) => [e + 1, 100 * a]) }));
  return lineChart({ series, xLabel: 'epoch', yLabel: `test accuracy (%) on ${CURVE_IMAGES} images, mean over seeds`, title, width: 900, height: 480 });
}

/** Delta vs the baseline (points), mean +- std of the seed-paired differences. */
export function deltasSvg(summary, { title }) {
  const bars = summary.slice(1).filter((s) => s.delta.n).map((s) => ({ name: s.name, value: round(s.delta.mean), err: round(s.delta.std) }));
  return barChart({ bars, xLabel: 'configuration', yLabel: 'test accuracy − baseline (points)', title, width: 900, height: 480 });
}

/**
 * The delta of each configuration against training-set size: the data set's cells that run
 * every configuration on its main model (x: images, log scale; y: mean delta, error bar: std).
 */
export function sizeSvg(results, { title, cells = CELLS }) {
  const main = resultCells(results, cells).filter((c) => c.planned && !c.configs);
  const by = new Map();
  for (const cell of main) {
    for (const s of summarize(results, cell).slice(1)) {
      if (!s.delta.n) continue;
      if (!by.has(s.name)) by.set(s.name, []);
      by.get(s.name).push([cell.size, round(s.delta.mean), round(s.delta.std)]);
    }
  }
  const series = [...by].map(([name, points]) => ({ name, points: points.sort((a, b) => a[0] - b[0]) }));
  return lineChart({ series, xLog: true, xLabel: 'training images (log scale)', yLabel: 'test accuracy − baseline (points)', title, width: 900, height: 520, markers: true });
}

/**
 * Sentences the numbers support on their own: which configurations beat the baseline by more
 * than the spread of their paired deltas, which lost by more, and which are within noise.
 */
export function findings(summary) {
  const rows = summary.slice(1).filter((s) => s.delta.n);
  if (!rows.length) return 'No configuration has finished next to the baseline yet.';
  const names = (a) => a.map((s) => `${s.name} (${signed(s.delta.mean)})`).join(', ');
  const clear = (s) => Math.abs(s.delta.mean) > Math.max(s.delta.std, 1e-9) && s.delta.n > 1;
  const better = rows.filter((s) => s.delta.mean > 0 && clear(s)).sort((a, b) => b.delta.mean - a.delta.mean);
  const worse = rows.filter((s) => s.delta.mean < 0 && clear(s)).sort((a, b) => a.delta.mean - b.delta.mean);
  const noise = rows.filter((s) => !better.includes(s) && !worse.includes(s));
  const out = [];
  if (better.length) out.push(`Helped by more than their seed-to-seed spread: ${names(better)}.`);
  if (worse.length) out.push(`Hurt by more than their spread: ${names(worse)}.`);
  if (noise.length) out.push(`Within the spread of the seeds${rows.some((s) => s.delta.n < 2) ? ' (or one seed only)' : ''}: ${names(noise)}.`);
  return out.join(' ');
}

/** The regime check of a cell: the baseline's final accuracy on its un-augmented training subset. */
export function regime(summary) {
  const b = summary.find((s) => s.id === 'baseline');
  if (!b || !b.n) return 'Regime check: the baseline has not finished yet.';
  return Number.isFinite(b.trainAccuracy) && b.trainAccuracy >= FIT_THRESHOLD
    ? `Regime check: the baseline fits its training subset (final training accuracy ${pct(b.trainAccuracy, 1)}% >= ${100 * FIT_THRESHOLD}%), so the regularisers are tested where they can help.`
    : `**Regime check failed**: the baseline's final training accuracy is ${pct(b.trainAccuracy, 1)}%, under ${100 * FIT_THRESHOLD}%: this cell needs more epochs.`;
}

const fileStem = (cell) => cellId(cell);

/** The README of one data set's study. */
export function readme(results, cells = CELLS) {
  const info = dataInfo(results.data);
  cells = resultCells(results, cells);
  const planned = cells.filter((c) => c.planned);
  const want = planned.reduce((s, c) => s + cellConfigs(c).length * (c.seeds ?? SEEDS).length, 0);
  const have = results.runs.filter((r) => planned.some((c) => c.model === r.model && c.size === r.trainSize && c.epochs === r.epochs)).length;
  const total = results.runs.reduce((a, r) => a + (r.cpuSeconds ?? r.seconds), 0);
  const cpus = [...new Set(results.runs.map((r) => r.cpu).filter(Boolean))];
  const sections = cells.map((cell) => {
    const summary = summarize(results, cell);
    if (!summary.some((s) => s.n)) {
      return cell.planned ? `## ${cellTitle(cell)}\n\n${cell.why ? `Why this cell: ${cell.why}\n\n` : ''}**Not started** ` +
        `(${summary.length * (cell.seeds ?? SEEDS).length} runs: ${summary.map((s) => s.id).join(', ')}).\n` : '';
    }
    const seeds = cell.seeds ?? SEEDS;
    const missing = cell.planned ? summary.flatMap((s) => seeds.filter((k) => !s.seeds.includes(k)).map((k) => `${s.id} s${k}`)) : [];
    // one seed has no spread: the ± is left out rather than shown as 0
    const rows = summary.map((s, i) => `| ${s.name} | ${s.n ? `${pct(s.accuracy.mean)}${s.n > 1 ? ` ± ${pct(s.accuracy.std)}` : ''}` : '-'} | ` +
      `${i === 0 || !s.delta.n ? '-' : `${signed(s.delta.mean)}${s.delta.n > 1 ? ` ± ${s.delta.std.toFixed(2)}` : ''}`} | ${pct(s.trainAccuracy, 1)} | ` +
      `${Number.isFinite(s.trainSeconds) ? fmtDuration(s.trainSeconds) : '-'} | ${s.n}${s.diverged ? ` (${s.diverged} diverged)` : ''} |`);
    return `## ${cellTitle(cell)}

${cell.why ? `Why this cell: ${cell.why}\n\n` : ''}Per run: ${thousands(cell.size)} training images (${thousands(cell.size / 10)} per class) x ${cell.epochs} epochs = ` +
      `${thousands(Math.ceil(cell.size / 64) * cell.epochs)} optimizer steps of batch 64. ${regime(summary)}
${missing.length ? `\n**Missing** (${missing.length} of ${summary.length * seeds.length} runs): ${missing.join(', ')}.\n` : ''}
| configuration | test accuracy (%) mean ± std | delta vs baseline (points) | final train accuracy (%) | training time per run (median) | seeds |
|---|---|---|---|---|---|
${rows.join('\n')}

${findings(summary)}

![test accuracy vs epoch, ${cellTitle(cell)}](curves-${fileStem(cell)}.svg)

![delta vs baseline, ${cellTitle(cell)}](deltas-${fileStem(cell)}.svg)
`;
  }).filter(Boolean);
  const notes = configurations(results.data);
  return `# The bag-of-tricks study: ${info.title}

Generated by \`bench/study/run.mjs\` from \`results.json\` in this folder${have < want ? ` (**partial: ${have} of ${want} planned runs finished**; the tables say which are missing)` : ''}.

\`\`\`sh
npm run study -- --data ${results.data}            # all of this data set's cells; rerun to continue
npm run study -- --data ${results.data} --dry-run  # what is left and how long it should take
\`\`\`

- **Models**: ${Object.entries(info.models).map(([k, v]) => `${k}: ${v}`).join('; ')}. For a given seed every configuration starts from the same weights.
- **Baseline**: ${info.baselineNote}.
- **Data**: a balanced subset of the training split (the same number of images per class, drawn with seed 1: the same
  images for every configuration and seed of a size); test accuracy on ${(results.runs[0]?.testImages ?? 10000) === 10000 ? 'the **whole test split** (10,000 images)' : `${thousands(results.runs[0].testImages)} test images`};
  the curves evaluate a fixed subset of ${CURVE_IMAGES} test images after every epoch.
- **Training accuracy**: after the last epoch, on the training subset without augmentation (eval mode): the proof that a
  cell's baseline fits its data (>= ${100 * FIT_THRESHOLD}%), so the regularisers are tested in the regime where they can pay.
- **Seeds**: ${SEEDS.join(', ')} (weights, shuffle order, augmentation and batch-trick draws). Delta: the mean ± std over seeds
  of (configuration − baseline) with the same seed, in percentage points.
- **Time**: ${fmtDuration(total)} of one-core compute so far (each run on one core, runs side by side on the others; a run's
  time is its CPU time, or its wall time for runs from before CPU time was recorded, which includes pauses and waits for a core);
  CPU${cpus.length > 1 ? 's' : ''}: ${cpus.join('; ') || '-'}.

![delta vs training-set size](deltas-size.svg)

${sections.join('\n')}
## The configurations

${notes.map((c) => `- **${c.name}** (\`${c.id}\`): ${c.note}.`).join('\n')}
`;
}

/** Writes the data set's README.md, the charts (removing those of cells that no longer exist). */
export async function writeReport(dir, results, cells = CELLS) {
  const { writeFileAtomic } = await import('../../js/checkpoint.js');
  const enc = (s) => new TextEncoder().encode(s);
  const info = dataInfo(results.data);
  const written = new Set(['README.md', 'deltas-size.svg']);
  for (const cell of resultCells(results, cells)) {
    const summary = summarize(results, cell);
    if (!summary.some((s) => s.n)) continue;
    const t = `${info.title}, ${cellTitle(cell)}`;
    await writeFileAtomic(join(dir, `curves-${fileStem(cell)}.svg`), enc(curvesSvg(summary, { title: `${t}: test accuracy per epoch` })));
    await writeFileAtomic(join(dir, `deltas-${fileStem(cell)}.svg`), enc(deltasSvg(summary, { title: `${t}: change vs the baseline (mean ± std over seeds)` })));
    written.add(`curves-${fileStem(cell)}.svg`).add(`deltas-${fileStem(cell)}.svg`);
  }
  await writeFileAtomic(join(dir, 'deltas-size.svg'), enc(sizeSvg(results, { cells, title: `${info.title}: each trick's change vs the baseline against training-set size` })));
  await writeFileAtomic(join(dir, 'README.md'), enc(readme(results, cells)));
  for (const f of readdirSync(dir)) {
    if (/\.svg$/.test(f) && !written.has(f)) rmSync(join(dir, f));
  }
}
