// train-node.mjs - the smallest complete use of the package in Node: load Fashion-MNIST, train
// the student CNN on a slice of it, and classify a few test images.
// Run from the repository: node examples/train-node.mjs   (after npm run build:wasm)
import { init } from 'wasmtricks';

const wt = await init();
const train = await wt.data.loadFashionMNIST({ split: 'train' });
const test = await wt.data.loadFashionMNIST({ split: 'test' });
const norm = { shape: train.shape, mean: 0.2860, std: 0.3530 };

const model = wt.models.studentCNN({ inputShape: train.shape, numClasses: 10, seed: 1 });
const trainer = new wt.Trainer(model, {
  optimizer: { name: 'sgd', lr: 0.01, momentum: 0.9, weightDecay: 5e-4 },
});
const per = 28 * 28;
const B = 64;
for (let i = 0; i + B <= 3200; i += B) { // 50 steps on the first 3200 images
  const x = wt.data.toFloat(train.images.subarray(i * per, (i + B) * per), norm);
  const { loss, accuracy } = trainer.step(x, train.labels.subarray(i, i + B));
  if ((i / B) % 10 === 9) console.log(`step ${i / B + 1}: loss ${loss.toFixed(3)}, accuracy ${accuracy.toFixed(2)}`);
}

const probs = model.predict(wt.data.toFloat(test.images.subarray(0, 5 * per), norm));
for (let n = 0; n < 5; n++) {
  const row = Array.from(probs.subarray(n * 10, n * 10 + 10));
  const best = row.indexOf(Math.max(...row));
  console.log(`test image ${n}: ${test.classNames[best]} (${(100 * row[best]).toFixed(0)}%), ` +
    `truth ${test.classNames[test.labels[n]]}`);
}
trainer.dispose();
model.dispose();
