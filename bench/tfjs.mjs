// tfjs.mjs - the student CNN in TensorFlow.js, for bench/run.mjs: the same layers as
// wt_model_create_student_cnn (conv 3x3 pad 1 -> 32, ReLU, conv 3x3 pad 1 -> 64, ReLU, 2x2 max-pool,
// flatten, dense 128, ReLU, dense K), NHWC as TF.js wants, SGD with momentum on softmax
// cross-entropy. Training uses the pure-JS cpu backend (the wasm backend has no
// Conv2DBackpropFilter kernel); inference runs on both the cpu and the wasm (XNNPACK) backends.
// Not here: timing policy (run.mjs) or correctness (the model is only timed).

let tf = null;

async function load() {
  if (tf) return tf;
  tf = await import('@tensorflow/tfjs');
  await import('@tensorflow/tfjs-backend-wasm');
  // One thread, as our engine's single-thread figures (the threaded build needs
  // SharedArrayBuffer workers; the flag keeps the comparison single-core).
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  return tf;
}

function studentCNN(tf, [C, H, W], K) {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [H, W, C], filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }));
  m.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 128, activation: 'relu' }));
  m.add(tf.layers.dense({ units: K }));
  return m;
}

function batch(tf, [C, H, W], K, N) {
  const x = tf.randomUniform([N, H, W, C], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: N }, (_, i) => i % K), 'int32'), K);
  return { x, y };
}

/** Seconds per training step (median of `steps` after one warm-up), cpu backend. */
export async function tfjsTrain(shape, K, N, steps) {
  const tf = await load();
  await tf.setBackend('cpu');
  await tf.ready();
  const m = studentCNN(tf, shape, K);
  m.compile({ optimizer: tf.train.momentum(0.01, 0.9),
    loss: (yt, yp) => tf.losses.softmaxCrossEntropy(yt, yp) });
  const { x, y } = batch(tf, shape, K, N);
  const times = [];
  for (let s = 0; s <= steps; s++) {
    const t0 = performance.now();
    await m.trainOnBatch(x, y);
    if (s > 0) times.push((performance.now() - t0) / 1e3);
  }
  tf.dispose([x, y]);
  m.dispose();
  return times;
}

/** A forward pass of a batch of N on `backend` (after one warm-up): { run() -> seconds,
    dispose() }, so the caller can interleave it with other timings. */
export async function tfjsInferRunner(backend, shape, K, N) {
  const tf = await load();
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} failed to load`);
  await tf.ready();
  const m = studentCNN(tf, shape, K);
  const { x, y } = batch(tf, shape, K, N);
  const run = async () => {
    const t0 = performance.now();
    const out = m.predict(x);
    await out.data();
    out.dispose();
    return (performance.now() - t0) / 1e3;
  };
  await run();
  return { run, dispose: () => { tf.dispose([x, y]); m.dispose(); } };
}

/** Seconds per forward pass of a batch of N (after one warm-up), on `backend`. */
export async function tfjsInfer(backend, shape, K, N, reps) {
  const r = await tfjsInferRunner(backend, shape, K, N);
  const times = [];
  for (let s = 0; s < reps; s++) times.push(await r.run());
  r.dispose();
  return times;
}

export async function tfjsVersion() {
  const tf = await load();
  return tf.version.tfjs;
}
