// report.mjs - the study's outputs from its results: per configuration the test accuracy mean and
// spread over seeds, the delta against the baseline paired by seed, the mean curve; the README
// (table, command, budget, per-run size, machine, teacher) and the two charts (web/lib/chart.js).
// Pure functions over the results object. Not here: training (run.mjs), writing files.

import { lineChart, barChart } from '../../web/lib/chart.js';

const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
/** Sample standard deviation (n - 1); 0 for one value. */
export const std = (a) => (a.length > 1 ? Math.sqrt(a.reduce((s, v) => s + (v - mean(a)) ** 2, 0) / (a.length - 1)) : 0);

/**
 * Per configuration (in `configs` order), over the finished runs: { id, name, n, accuracy:
 * { mean, std }, delta: { mean, std, n } (points; paired with the baseline run of the same seed),
 * trainSeconds (mean per run), curve: [mean test accuracy after epoch e] }.
 */
export function summarize(results, configs) {
  const runs = results.runs;
  const base = new Map(runs.filter((r) => r.config === configs[0].id).map((r) => [r.seed, r.accuracy]));
  return configs.map((c) => {
    const rs = runs.filter((r) => r.config === c.id).sort((a, b) => a.seed - b.seed);
    const acc = rs.map((r) => r.accuracy);
    const paired = rs.filter((r) => base.has(r.seed)).map((r) => 100 * (r.accuracy - base.get(r.seed)));
    const epochs = Math.max(0, ...rs.map((r) => r.curve.length));
    const curve = Array.from({ length: epochs }, (_, e) => {
      const v = rs.map((r) => r.curve[e]).filter((x) => x !== undefined);
      return mean(v);
    });
    return {
      id: c.id, name: c.name, note: c.note, n: rs.length, seeds: rs.map((r) => r.seed),
      accuracy: { mean: acc.length ? mean(acc) : NaN, std: std(acc) },
      delta: { mean: paired.length ? mean(paired) : NaN, std: std(paired), n: paired.length },
      trainSeconds: rs.length ? mean(rs.map((r) => r.trainSeconds)) : NaN,
      imagesPerSecond: rs.length ? mean(rs.map((r) => r.imagesPerSecond)) : NaN,
      curve,
    };
  });
}

const pct = (v) => (Number.isFinite(v) ? (100 * v).toFixed(2) : '-');
const signed = (v, d = 2) => (Number.isFinite(v) ? `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(d)}` : '-');
export const fmtDuration = (s) => {
  if (!Number.isFinite(s)) return '-';
  s = Math.round(s);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h} h ${String(m).padStart(2, '0')} min` : m ? `${m} min ${String(s % 60).padStart(2, '0')} s` : `${s} s`;
};

/** test accuracy vs epoch, mean over seeds, one line per configuration. */
export function curvesSvg(summary, { title }) {
  const series = summary.filter((s) => s.curve.length).map((s) => ({
    name: s.name, points: s.curve.map((a, e) => [e + 1, 100 * a]) }));
  return lineChart({ series, xLabel: 'epoch', yLabel: 'test accuracy (%), mean over seeds', title, width: 860, height: 460 });
}

/** Delta vs the baseline (points), mean +- std of the seed-paired differences. */
export function deltasSvg(summary, { title }) {
  const bars = summary.slice(1).filter((s) => s.delta.n).map((s) => ({ name: s.name, value: round(s.delta.mean), err: round(s.delta.std) }));
  return barChart({ bars, xLabel: 'configuration', yLabel: 'test accuracy − baseline (points)', title, width: 860, height: 460 });
}

const round = (v) => Math.round(v * 1000) / 1000;

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

/** The README of one data set's study. */
export function readme(results, summary, { title, configs, dataNote, teacherNote }) {
  const p = results.plan;
  const m = results.machine;
  const base = summary[0];
  const rows = summary.map((s) => `| ${s.name} | ${pct(s.accuracy.mean)} ± ${pct(s.accuracy.std)} | ` +
    `${s === base ? '-' : `${signed(s.delta.mean)} ± ${s.delta.std.toFixed(2)}`} | ${Number.isFinite(s.trainSeconds) ? s.trainSeconds.toFixed(0) : '-'} s | ` +
    `${Number.isFinite(s.imagesPerSecond) ? s.imagesPerSecond.toFixed(0) : '-'} | ${s.n} |`);
  const t = results.teacher;
  const total = results.runs.reduce((a, r) => a + r.seconds, 0) + (t?.seconds ?? 0) + (results.overheadSeconds ?? 0);
  const done = results.runs.length;
  const planned = configs.length * results.key.seeds;
  return `# The bag-of-tricks study: ${title}

Generated by \`bench/study/run.mjs\` from \`results.json\` in this folder${done < planned ? ` (**partial: ${done} of ${planned} runs finished**)` : ''}.

Command:

\`\`\`sh
${results.command}
\`\`\`

- **Model**: ${dataNote.model}; every configuration starts from the same weights for a given seed.
- **Baseline**: ${dataNote.baseline}.
- **Budget**: ${results.key.budget} min for the whole study, teacher included. Per run: ${p.limit} training images
  (a seeded subset, the same for every run) x ${p.epochs} epoch${p.epochs > 1 ? 's' : ''} = ${p.steps} optimizer steps of batch ${p.batchSize};
  test accuracy (the table) on ${p.test} test images${p.test < p.testSize ? ' (a fixed seeded subset)' : ' (the whole test set)'} at the end of each run;
  the curves evaluate a fixed seeded subset of ${p.curve} test images after every epoch.
- **Seeds**: ${results.key.seeds} (1..${results.key.seeds}): weights, shuffle order, augmentation and batch-trick draws.
- **Teacher** (distillation): ${teacherNote}${t ? `: test accuracy ${pct(t.accuracy)}%, ${fmtDuration(t.seconds)}` : ' (not trained yet)'}.
- **Time**: ${fmtDuration(total)} in all (estimate before the run: ${fmtDuration(p.estimate.total)}); ${m.note}.

| configuration | test accuracy (%) mean ± std | delta vs baseline (points) | training time per run | img/s | seeds |
|---|---|---|---|---|---|
${rows.join('\n')}

Delta: the mean ± std over seeds of (configuration − baseline) with the same seed, in percentage points.
Training time: the optimizer steps of one run, without the per-epoch evaluation.

${findings(summary)}

![test accuracy vs epoch](curves.svg)

![delta vs baseline](deltas.svg)

## The configurations

${summary.map((s) => `- **${s.name}**: ${s.note}.`).join('\n')}
`;
}
