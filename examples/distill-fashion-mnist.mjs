// distill-fashion-mnist.mjs - knowledge distillation (Hinton et al. 2015), the seed's third trick:
// train a ResNet teacher on Fashion-MNIST, then the student CNN twice for the same budget, once
// alone and once with the teacher's softened logits (loss = CE + w * KD(T)), and compare the test
// accuracies. Every run uses the same seed, data order, optimizer and number of steps.
//
// Run from the repository (after npm run build:wasm):
//   node examples/distill-fashion-mnist.mjs [trainImages] [teacherEpochs] [studentEpochs] [depth]
//   defaults: 10000 images, 3 teacher epochs, 2 student epochs, ResNet-8 (depth 8; 20 is better
//   and ~3x slower). The full recipe is 60000 images.
import { init } from '../js/index.js';

const [nTrain = 10000, teacherEpochs = 3, studentEpochs = 2, depth = 8] = process.argv.slice(2).map(Number);
const wt = await init();
const train = await wt.data.loadFashionMNIST({ split: 'train' });
const test = await wt.data.loadFashionMNIST({ split: 'test' });
const norm = { shape: train.shape, mean: 0.2860, std: 0.3530 };
const per = 28 * 28;
const B = 64;
// The student's lr: 0.05 diverges with CE + KD(T = 4) (the T^2-scaled KD gradient adds up);
// both student runs use the same lr.
const STUDENT_LR = 0.02;
const xTest = wt.data.toFloat(test.images.subarray(0, 10000 * per), norm);

function accuracy(model) {
  model.eval();
  const probs = model.predict(xTest);
  let ok = 0;
  for (let n = 0; n < 10000; n++) {
    const row = probs.subarray(n * 10, n * 10 + 10);
    let best = 0;
    for (let k = 1; k < 10; k++) if (row[k] > row[best]) best = k;
    ok += best === test.labels[n];
  }
  model.train();
  return ok / 10000;
}

function fit(model, epochs, lr, extra = {}) {
  const steps = Math.floor(nTrain / B) * epochs;
  const trainer = new wt.Trainer(model, {
    optimizer: { name: 'sgd', lr, momentum: 0.9, weightDecay: 5e-4, noBiasDecay: true },
    schedule: { name: 'cosine', tMax: steps },
    ...extra,
  });
  const t0 = Date.now();
  for (let e = 0; e < epochs; e++) {
    for (let i = 0; i + B <= nTrain; i += B) {
      const x = wt.data.toFloat(train.images.subarray(i * per, (i + B) * per), norm);
      trainer.step(x, train.labels.subarray(i, i + B));
    }
  }
  trainer.dispose();
  return (Date.now() - t0) / 1000;
}

const teacher = wt.models.resnet({ depth, numClasses: 10, inputShape: [1, 28, 28], seed: 1 });
let secs = fit(teacher, teacherEpochs, 0.05);
console.log(`teacher ResNet-${depth} (${teacher.paramCount} params): test accuracy ${accuracy(teacher).toFixed(4)} (${secs.toFixed(0)} s)`);
teacher.eval();

const alone = wt.models.studentCNN({ inputShape: [1, 28, 28], numClasses: 10, seed: 2 });
secs = fit(alone, studentEpochs, STUDENT_LR);
const accAlone = accuracy(alone);
console.log(`student alone:         test accuracy ${accAlone.toFixed(4)} (${secs.toFixed(0)} s)`);

const distilled = wt.models.studentCNN({ inputShape: [1, 28, 28], numClasses: 10, seed: 2 });
secs = fit(distilled, studentEpochs, STUDENT_LR, { teacher, distillation: { temperature: 4, weight: 1 } });
const accKD = accuracy(distilled);
console.log(`student + distillation: test accuracy ${accKD.toFixed(4)} (${secs.toFixed(0)} s)`);
console.log(`(${nTrain} training images, ${studentEpochs} student epochs, batch ${B}, T = 4, w = 1)`);
for (const m of [teacher, alone, distilled]) m.dispose();
