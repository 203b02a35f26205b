// plan.mjs - the study's budget arithmetic: from the minutes given, the measured speeds and the
// number of runs, the per-run size (training images x epochs) that every configuration gets, so
// each run takes the same number of optimizer steps. Pure functions. Not here: measuring the
// speeds (run.mjs), what the runs are (configs.mjs).

import { BATCH_SIZE, TEACHER_EPOCH_FACTOR } from './configs.mjs';

/** Default epochs when neither --limit nor --epochs is given (enough points for the curves). */
export const DEFAULT_EPOCHS = 10;

/**
 * Seconds the whole study takes for `limit` training images and `epochs` epochs per run.
 * rates (images/s): train[configId] (a training step of that configuration; a distillation
 * step includes the teacher's forward pass), eval (student inference), teacherTrain,
 * teacherEval. counts: configs ([{ id, teacher }]), seeds, curve (test images evaluated after
 * every epoch), test (test images evaluated at the end of a run).
 */
export function studySeconds({ limit, epochs }, rates, counts) {
  const images = limit * epochs;
  const runs = counts.configs.length * counts.seeds;
  const student = runs * (epochs * counts.curve + counts.test) / rates.eval +
    counts.seeds * counts.configs.reduce((s, c) => s + images / rates.train[c.id], 0);
  const teacher = counts.configs.some((c) => c.teacher)
    ? TEACHER_EPOCH_FACTOR * images / rates.teacherTrain + counts.test / rates.teacherEval : 0;
  return { student, teacher, total: student + teacher };
}

/** Seconds of one run of configuration c (training, per-epoch and final evaluation). */
export function runSeconds(c, { images, epochs }, rates, { curve, test }) {
  return images / rates.train[c.id] + (epochs * curve + test) / rates.eval;
}

/**
 * The per-run size for a budget. budgetSeconds: what is left for training; trainSize: images
 * available; limit or epochs: the one the caller fixed (or neither: DEFAULT_EPOCHS epochs, the
 * training images the budget affords, at most all). Returns { limit, epochs, stepsPerEpoch,
 * steps, images, estimate: studySeconds(...), warnings }.
 */
export function planStudy({ budgetSeconds, rates, counts, trainSize, limit, epochs }) {
  const warnings = [];
  const hasTeacher = counts.configs.some((c) => c.teacher);
  const runs = counts.configs.length * counts.seeds;
  // total(limit, epochs) = limit * epochs * perImage + epochs * evalPerEpoch + fixed
  const perImage = counts.seeds * counts.configs.reduce((s, c) => s + 1 / rates.train[c.id], 0) +
    (hasTeacher ? TEACHER_EPOCH_FACTOR / rates.teacherTrain : 0);
  const fixed = runs * counts.test / rates.eval + (hasTeacher ? counts.test / rates.teacherEval : 0);
  const evalPerEpoch = runs * counts.curve / rates.eval;
  const room = budgetSeconds - fixed;
  if (limit !== undefined && epochs !== undefined) {
    warnings.push('--limit and --epochs are both given: the budget only estimates the time');
  } else if (limit !== undefined) {
    epochs = Math.floor(room / (limit * perImage + evalPerEpoch));
  } else {
    const given = epochs !== undefined;
    epochs ??= DEFAULT_EPOCHS;
    limit = Math.floor((room / epochs - evalPerEpoch) / perImage);
    if (limit > trainSize && !given) {
      // The whole training set fits more than DEFAULT_EPOCHS times: take it all, more epochs.
      limit = trainSize;
      epochs = Math.floor(room / (limit * perImage + evalPerEpoch));
    }
  }
  if (limit > trainSize) {
    warnings.push(`the budget affords ${limit} training images per epoch; the data set has ${trainSize}`);
    limit = trainSize;
  }
  if (!(limit >= BATCH_SIZE)) {
    warnings.push(`the budget affords fewer than ${BATCH_SIZE} training images per epoch; using ${BATCH_SIZE}`);
    limit = Math.min(BATCH_SIZE, trainSize);
  }
  if (!(epochs >= 1)) {
    warnings.push('the budget is too small for one epoch of every run; running one epoch');
    epochs = 1;
  }
  const stepsPerEpoch = Math.ceil(limit / BATCH_SIZE);
  const estimate = studySeconds({ limit, epochs }, rates, counts);
  if (estimate.total > budgetSeconds * 1.05) {
    warnings.push(`the study will take about ${Math.round(estimate.total / 60)} min, over the budget ` +
      `(${Math.max(0, Math.round(budgetSeconds / 60))} min left after loading and measuring)`);
  }
  const evalShare = (epochs * evalPerEpoch + fixed) / estimate.total;
  if (evalShare > 0.3) {
    warnings.push(`evaluation (${counts.curve} test images after every epoch, ${counts.test} at the end of each run) takes ` +
      `${Math.round(100 * evalShare)}% of the time; --curve-limit and --test-limit evaluate fewer`);
  }
  return { limit, epochs, stepsPerEpoch, steps: stepsPerEpoch * epochs, images: limit * epochs, estimate, warnings };
}
