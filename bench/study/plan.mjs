// plan.mjs - the study's job list and its arithmetic: which runs, in which order (round by round,
// seed by seed across the round's cells, the baseline first; a distillation teacher before its students), which one a free
// worker takes next, and how long what is left should take. Pure functions over configs.mjs.
// Not here: training (run.mjs), tables and charts (report.mjs).

import { CELLS, SEEDS, cellConfigs, configurations, teacherRun, runKey } from './configs.mjs';

/**
 * The runs of the chosen cells, in order: [{ key, data, model, size, epochs, config, seed,
 * teacher?: key of the run whose weights it learns from, saveWeights?: true for a teacher }].
 * filter: { data?, cells?: [cell ids 'resnet8-4000x40'], configs?: [ids], seeds?: [n] }.
 * A teacher run comes before its first student even when its own cell comes later (or is not
 * chosen at all). A cell may fix its own seeds and test images (the smoke study does).
 */
export function studyJobs({ data, cells, configs, seeds } = {}, allCells = CELLS) {
  const chosen = allCells.filter((c) => (!data || c.data === data) &&
    (!cells || cells.includes(`${c.model}-${c.size}x${c.epochs}`)));
  // Round by round (a cell's `round`, default 1), and within a round seed by seed across its
  // cells: every cell's first seed is known before any cell's second.
  const rounds = [...new Set(chosen.map((c) => c.round ?? 1))].sort((a, b) => a - b);
  const order = [];
  for (const round of rounds) {
    const inRound = chosen.filter((c) => (c.round ?? 1) === round);
    const allSeeds = [...new Set(inRound.flatMap((c) => c.seeds ?? SEEDS))].sort((a, b) => a - b);
    for (const seed of allSeeds) for (const cell of inRound) if ((cell.seeds ?? SEEDS).includes(seed)) order.push([cell, seed]);
  }
  const list = [];
  for (const [cell, cellSeed] of order) {
    const ids = cellConfigs(cell).map((c) => c.id).filter((id) => !configs || configs.includes(id));
    for (const seed of [cellSeed].filter((s) => !seeds || seeds.includes(s))) {
      for (const id of ids) {
        const job = { data: cell.data, model: cell.model, size: cell.size, epochs: cell.epochs, config: id, seed,
          ...(cell.testImages ? { testImages: cell.testImages } : {}) };
        job.key = runKey(job);
        if (configurations(cell.data).find((c) => c.id === id).teacher) job.teacher = runKey(teacherRun(cell));
        list.push(job);
      }
    }
  }
  // Teachers: moved (or added) just before their first student.
  const out = [];
  const placed = new Set();
  for (const job of list) {
    if (placed.has(job.key)) continue;
    if (job.teacher && !placed.has(job.teacher)) {
      const t = list.find((j) => j.key === job.teacher) ??
        { ...teacherOf(job), key: job.teacher, ...(job.testImages ? { testImages: job.testImages } : {}) };
      out.push({ ...t, saveWeights: true });
      placed.add(t.key);
    }
    out.push(job);
    placed.add(job.key);
  }
  return out;
}

function teacherOf(job) {
  const cell = CELLS.find((c) => c.data === job.data && c.model === job.model && c.size === job.size && c.epochs === job.epochs) ??
    { data: job.data, size: job.size, epochs: job.epochs };
  return teacherRun(cell);
}

/**
 * The next job a free worker should take: the first that is neither done nor running nor
 * failed, whose teacher (if any) is done with its weights on disk (teacherReady(key)).
 * Returns undefined when nothing can start now.
 */
export function nextJob(jobs, { done, running, failed, teacherReady }) {
  return jobs.find((j) => !done.has(j.key) && !running.has(j.key) && !failed.has(j.key) &&
    (!j.teacher || (done.has(j.teacher) && teacherReady(j.teacher))));
}

/** Relative cost of one training image per model (ResNet-8 = 1), from the engine's measured
    training rates; a distillation step also runs the teacher's forward pass (~1/3 of its step). */
export const MODEL_COST = Object.freeze({ student: 1.2, resnet8: 1, resnet20: 3.2 });

/**
 * Seconds a job should take on one core: its training images over the rate, the teacher's
 * forward passes for distillation, plus the evaluations (curve set every epoch, the training
 * subset and the test split at the end) at ~4x the training rate.
 * rate: ResNet-8 training images per second on one core.
 */
export function jobSeconds(job, rate, { curveImages, testImages }) {
  const cost = MODEL_COST[job.model] ?? 1;
  const images = job.size * job.epochs;
  const teacher = job.teacher ? (MODEL_COST[job.teacher.split('/')[1].split('-')[0]] ?? 1) / 3 : 0;
  const evalImages = job.epochs * curveImages + job.size + testImages;
  return (images * (cost + teacher) + (evalImages * cost) / 4) / rate;
}

/** Wall seconds for jobs spread over `workers` cores (a greedy longest-first bound is close
    enough for an ETA). */
export function wallSeconds(seconds, workers) {
  const lanes = new Array(Math.max(1, workers)).fill(0);
  for (const s of [...seconds].sort((a, b) => b - a)) {
    lanes[lanes.indexOf(Math.min(...lanes))] += s;
  }
  return Math.max(...lanes);
}
