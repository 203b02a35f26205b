// typed.ts - every public function of the package, typed against js/index.d.ts and
// js/worker.d.ts through the package's own exports map ('wasmtricks', 'wasmtricks/worker').
// tests/package/types.test.mjs checks it with `tsc --noEmit -p tsconfig.json`; it is a
// reference for TypeScript users, not a program to run as is (it names browser elements).
import { init, defaultWasmURL, WasmTricksError, Model, Trainer, optionSchema, presets } from 'wasmtricks';
import type { Dataset, Prediction, FitProgress, Evaluation, WasmTricks, OptionEntry, TrainerOptions } from 'wasmtricks';
import { WorkerTrainer, image, openStore } from 'wasmtricks/worker';
import type { Store, WorkerFitResult, ModelImage } from 'wasmtricks/worker';

export async function inThread(): Promise<void> {
  const wt: WasmTricks = await init({ wasm: defaultWasmURL, forceScalar: false });
  console.log(wt.kernelName, wt.imports.join(','), wt.liveBytes(), wt.memoryBytes());

  // The option list and the recipes.
  const flags: string[] = optionSchema.filter((e: OptionEntry) => e.cli !== null).map((e) => `${e.cli} (${e.name}, ${e.group})`);
  const recipe: TrainerOptions = { ...presets['bag-of-tricks'], gradClipNorm: 1 };
  console.log(flags.length, Object.keys(presets), recipe.labelSmoothing);

  // Data sets.
  const fm: Dataset = await wt.data.fashionMNIST({ split: 'test' });
  const mn: Dataset = await wt.data.mnist({ split: 'test' });
  const old: Dataset = await wt.data.loadFashionMNIST({ split: 'test' });
  const c10: Dataset = await wt.data.cifar10({ split: 'test', dir: './cifar-10-batches-bin' });
  const c100: Dataset = await wt.data.cifar100({ split: 'test', dir: './cifar-100-binary' });
  const folder: Dataset = await wt.data.imageFolder('./photos', { shape: [3, 32, 32] });
  const opened: Dataset = await wt.data.open('fashion-mnist', { split: 'train' });
  const parsed: Dataset = wt.data.parseCIFAR([new Uint8Array(3073)], { classes: 10 });
  const idx = wt.data.parseIDX(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 1, 7]));
  const arrays: Dataset = wt.data.fromArrays({ images: new Uint8Array(2 * 64), labels: [0, 1], shape: [1, 8, 8], numClasses: 2 });
  const images: Dataset = wt.data.fromImages([{ image: { data: new Uint8ClampedArray(64 * 4), width: 8, height: 8 }, label: 0 }], { numClasses: 2 });
  const decoded = wt.data.decodeImage(new Uint8Array(0), { shape: [1, 28, 28] });
  const x: Float32Array = wt.data.toFloat(fm.images.subarray(0, 784), { shape: [1, 28, 28], mean: 0.286, std: 0.353 });
  const { train, validation } = fm.split(0.1, { seed: 1 });
  console.log(mn.length, old.count, c10.classNames, c100.numClasses, folder.shape, opened.mean, parsed.std, idx.dims,
    arrays.get(0).label, images.take(1).length, decoded.channels, fm.subset([0, 1]).length, fm.sample(5, { seed: 2 }).length,
    validation.length);

  // Models.
  const student: Model = wt.models.studentCNN({ inputShape: [1, 28, 28], numClasses: 10, seed: 1 });
  const r8: Model = wt.models.resnet({ depth: 8, inputShape: [3, 32, 32], numClasses: 10, zeroInitResidual: true });
  const r18: Model = wt.models.resnet18({ inputShape: [3, 32, 32], numClasses: 10 });
  const fromSpec: Model = wt.models.fromSpec(student.spec, { seed: 2 });
  const loaded: Model = wt.models.load(student.save());
  loaded.loadWeights(student.save());
  loaded.setParams(student.getParams());
  const fiveWay: Model = loaded.withHead(5, { classNames: ['a', 'b', 'c', 'd', 'e'], seed: 7 });
  const names: readonly string[] | null = fiveWay.classNames;
  const probs: Float32Array = student.predict(x);
  const logits: Float32Array = student.forward(x);
  console.log(student.summary(), student.paramCount, student.training, student.eval().train(true).liveBytes(), probs[0], logits[0]);

  // Losses, optimizers, augmentation, batch tricks.
  const ce = wt.loss.crossEntropy(logits, Int32Array.of(3), { numClasses: 10, labelSmoothing: 0.1 });
  const kd = wt.loss.distillation(logits, logits, { numClasses: 10, temperature: 4 });
  const opt = wt.optim.create({ name: 'adam', lr: 1e-3 });
  opt.step(student.getParams(), new Float32Array(student.paramCount));
  opt.setLr(5e-4);
  opt.dispose();
  const lr: number = wt.optim.scheduleLr({ name: 'cosine', tMax: 100 }, 0.1, 10);
  const img = { data: new Uint8ClampedArray(32 * 32 * 4), width: 32, height: 32 };
  const aug = wt.augment.autoAugment(wt.augment.randomCrop(wt.augment.hflip(img), { padding: 4 }), { policy: 'cifar10', seed: 1 });
  const more = [wt.augment.apply(img, { op: 'Rotate', magnitude: 30 }), wt.augment.randAugment(img), wt.augment.trivialAugment(img),
    wt.augment.resize(img, { size: 16 }), wt.augment.centerCrop(img, { size: 24 }), wt.augment.crop(img, { top: 0, left: 0, height: 8, width: 8 }),
    wt.augment.randomResizedCrop(img, { size: 32 }), wt.augment.vflip(img), wt.augment.cutout(img, { length: 8 }),
    wt.augment.randomErasing(img, { p: 1 })];
  const mixed = wt.augment.mixup({ images: [img, img], labels: [0, 1], numClasses: 2 }, { alpha: 0.2 });
  const cut = wt.augment.cutmix({ images: x, labels: [3], shape: [1, 1, 28, 28], numClasses: 10 }, { alpha: 1 });
  const ric = wt.augment.ricap({ images: [img, img, img, img], labels: [0, 1, 0, 1], numClasses: 2 });
  const b = wt.batch.mixup(x, Int32Array.of(3), { numClasses: 10, shape: [1, 28, 28], alpha: 1 });
  const b2 = wt.batch.cutmix(x, Int32Array.of(3), { numClasses: 10, shape: [1, 28, 28] });
  const b3 = wt.batch.ricap(x, Int32Array.of(3), { numClasses: 10, shape: [1, 28, 28] });
  console.log(ce.loss, kd.grad.length, lr, aug.width, more.length, mixed.lambda, cut.targets.length, ric.weights,
    wt.batch.mixedAccuracy(logits, b.params), b2.params.trick, b3.params.boundary, wt.augment.OPS.length);

  // Trainer: step, fit, evaluate, predict (also from a canvas), checkpoints.
  const trainer: Trainer = new wt.Trainer(student, { preset: 'bag-of-tricks', augment: { randomCrop: 2 }, seed: 1 });
  const teacherTrainer = new wt.Trainer(r8, { optimizer: { name: 'sgd', lr: 0.1 }, teacher: r18, distillation: { temperature: 4, weight: 1 } });
  const { history } = await trainer.fit(train, { epochs: 1, batchSize: 64, validation,
    onProgress: (p: FitProgress) => console.log(p.step, p.loss, p.eta),
    onStep: async ({ step, checkpoint }) => { if (step === 10) console.log(checkpoint().length); } });
  const ev: Evaluation = trainer.evaluate(validation);
  const top: Prediction[] = trainer.predict(validation.get(0).image, { topK: 3 });
  const fromCanvas: Prediction[] = trainer.predict(document.createElement('canvas'));
  const ck: Uint8Array = trainer.checkpoint();
  trainer.restore(ck);
  trainer.setState(trainer.getState());
  trainer.setLearningRate(0.01);
  trainer.endEpoch();
  // The run as a PyTorch script (train.py + init.safetensors, teacher.safetensors with distillation).
  const { files } = await wt.exportPyTorch(teacherTrainer, { data: 'fashion-mnist', epochs: 90, batchSize: 256 });
  const again = await wt.exportPyTorch(ck, { data: './cifar10', teacher: r18.save() });
  console.log(files['train.py'].length, files['init.safetensors'].length, files['teacher.safetensors']?.length, again.files['train.py']);
  const s = teacherTrainer.step(x, [3]);
  console.log(history.length, ev.top5, top[0].className, fromCanvas.length, trainer.steps, trainer.lr, trainer.epochs, s.loss,
    trainer.describe());
  teacherTrainer.dispose();
  for (const m of [student, r8, r18, fromSpec, loaded]) m.dispose();

  // Canvas I/O on the in-thread instance (wt.image is the module wasmtricks/worker exports too).
  const input: ModelImage = await wt.image.toInput(document.querySelector('video')!, { shape: [1, 28, 28], fit: 'cover' });
  wt.image.draw(document.createElement('canvas'), input);
  console.log(wt.image.isImageLike(input), wt.image.isDrawable(input));
  try {
    wt.models.studentCNN({ inputShape: [1, 7, 7], numClasses: 0 });
  } catch (e) {
    if (e instanceof wt.WasmTricksError || e instanceof WasmTricksError) console.log(e.code, e.message);
  }
}

export async function inWorker(data: Dataset, canvas: HTMLCanvasElement, file: File): Promise<void> {
  const w = await WorkerTrainer.create({
    model: { name: 'student', inputShape: [1, 28, 28], numClasses: 10, classNames: [...data.classNames], seed: 1 },
    trainer: { preset: 'baseline' },
  });
  const running: Promise<WorkerFitResult> = w.fit(data, { epochs: 2, batchSize: 64, transfer: false,
    autosave: { name: 'fm', everySteps: 100 }, onProgress: (p) => console.log(p.type) });
  await w.pause();
  const live: Prediction[] = await w.predict(canvas, { topK: 5 });
  const fromFile: Prediction[] = await w.predict(file);
  const many: Prediction[][] = await w.predict([canvas, file]);
  const ev: Evaluation = await w.evaluate(data);
  const ck: Uint8Array = await w.checkpoint();
  await w.resume();
  await w.stop();
  const r = await running;
  await w.restore(ck);
  const weights: Uint8Array = await w.exportWeights();
  await w.save('fm-final');
  await w.terminate();
  const again = await WorkerTrainer.load('fm', { version: 'current' });
  await again.fit(data, { resume: true });
  await again.terminate();
  const newTask = await WorkerTrainer.load('fm', { head: { numClasses: 3, classNames: ['x', 'y', 'z'] } });
  const fromFile3 = await WorkerTrainer.create({ model: { checkpoint: weights, head: { numClasses: 3, seed: 2 } } });
  await Promise.all([newTask.terminate(), fromFile3.terminate()]);

  const toInput: ModelImage = await image.toInput(file, { shape: [1, 28, 28] });
  const sync: ModelImage = image.toInputSync(canvas, { shape: [1, 28, 28], fit: 'contain' });
  image.draw(canvas, new Float32Array(784), { shape: [1, 28, 28], mean: 0.286, std: 0.353, resize: false });
  const viaHelper: Prediction[] = await image.predict(again, canvas, { topK: 1 });

  const store: Store = await openStore({ name: 'wasmtricks' });
  await store.save('copy', { checkpoint: ck, meta: { note: 'typed' } });
  await store.save('weights-only', { weights });
  const runs = await store.list();
  const loaded = await store.load('copy', { version: 'previous' });
  const blob: Blob = await store.exportFile('copy');
  await store.importFile(blob, { name: 'copy-2' });
  await store.delete('copy-2');
  store.close();
  console.log(live, fromFile, many.length, ev.accuracy, r.stopped, r.history, toInput.channels, sync.width, viaHelper,
    runs.map((x) => x.hasPrevious), loaded.meta, w.inputShape, w.classNames, w.kernelName);
}
