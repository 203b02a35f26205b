// flops.mjs - the multiply-adds a model's convolutions and linear layers make, so a bench can
// state images/s as a fraction of the machine's peak: per image, forward = 2 x MACs, and a
// training step = forward + weight gradient + input gradient = 3 x forward, less the first
// layer's input gradient (nothing needs the image's). BatchNorm, ReLU, pooling and the update
// are left out (a few percent). Read from model.summary() (output shapes) and model.tensors()
// (weight sizes). Student CNN 3x32x32: 129.4 MFLOP per training image; ResNet-8: 74.
// Not here: timing (run.mjs).

/** { forward, training } FLOPs per image. */
export function modelFlops(model) {
  const weights = new Map(model.tensors().filter((t) => t.name.endsWith('.weight')).map((t) => [t.name.slice(0, -'.weight'.length), t.size]));
  let macs = 0, first = null;
  for (const line of model.summary().split('\n')) {
    const m = line.match(/^\d+\s+(\S+)\s+(conv2d|linear)\s+\[([\d, ]+)\]/);
    if (!m) continue;
    const [, name, type, shape] = m;
    const out = shape.split(',').map(Number);
    const per = weights.get(name) * (type === 'conv2d' ? out[1] * out[2] : 1);
    macs += per;
    first ??= per;
  }
  return { forward: 2 * macs, training: 6 * macs - 2 * (first ?? 0) };
}
