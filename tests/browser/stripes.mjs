// stripes.mjs - a generated 4-class image set for the worker tests (Node and browser): stripes
// of period 4 running horizontally, vertically, along the diagonal or the anti-diagonal, at a
// random phase, with pixel noise. Chance is 25%; the student CNN separates them in an epoch.
export const STRIPE_CLASSES = ['horizontal', 'vertical', 'diagonal', 'anti-diagonal'];

/** n images of side x side (1 channel, uint8, NCHW = HWC) and their labels, from a seed. */
export function stripes(n, { side = 16, seed = 1 } = {}) {
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const images = new Uint8Array(n * side * side);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 4;
    labels[i] = c;
    const phase = Math.floor(rnd() * 4);
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const t = [y, x, x + y, x - y + 4 * side][c] + phase;
        images[i * side * side + y * side + x] = (t % 4 < 2 ? 190 : 50) + Math.floor(rnd() * 50);
      }
    }
  }
  return { images, labels, shape: [1, side, side], numClasses: 4, classNames: STRIPE_CLASSES };
}

/** One stripes image as RGBA pixels (what a canvas holds), class c, at side x side. */
export function stripeRGBA(c, side, phase = 1) {
  const px = new Uint8ClampedArray(side * side * 4);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const t = [y, x, x + y, x - y + 4 * side][c] + phase;
      const v = t % 4 < 2 ? 215 : 75;
      px.set([v, v, v, 255], (y * side + x) * 4);
    }
  }
  return px;
}
