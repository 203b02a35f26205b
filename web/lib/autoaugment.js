// autoaugment.js - names what wt.augment.autoAugment did to an image: the sub-policy and which of
// its two ops ran, with their signed magnitudes. The engine does not report its draw, so the
// playground runs the engine's AutoAugment and then finds the (sub-policy, applied ops, signs)
// whose ops, replayed with wt.augment.apply, give the same pixels. Tables: torchvision 0.14's
// AutoAugment._get_policies, as transcribed in src/augment/policies.c (generated from it);
// magnitudes: torchvision's _augmentation_space for 10 bins, in float32 like wt_aug_magnitude.
// Not here: applying policies (the engine does).

/** [op, probability, magnitude bin or null] x 2 per sub-policy, 25 sub-policies per policy. */
export const POLICIES = Object.freeze({
  imagenet: [
    [['Posterize', 0.4, 8], ['Rotate', 0.6, 9]], [['Solarize', 0.6, 5], ['AutoContrast', 0.6, null]],
    [['Equalize', 0.8, null], ['Equalize', 0.6, null]], [['Posterize', 0.6, 7], ['Posterize', 0.6, 6]],
    [['Equalize', 0.4, null], ['Solarize', 0.2, 4]], [['Equalize', 0.4, null], ['Rotate', 0.8, 8]],
    [['Solarize', 0.6, 3], ['Equalize', 0.6, null]], [['Posterize', 0.8, 5], ['Equalize', 1.0, null]],
    [['Rotate', 0.2, 3], ['Solarize', 0.6, 8]], [['Equalize', 0.6, null], ['Posterize', 0.4, 6]],
    [['Rotate', 0.8, 8], ['Color', 0.4, 0]], [['Rotate', 0.4, 9], ['Equalize', 0.6, null]],
    [['Equalize', 0.0, null], ['Equalize', 0.8, null]], [['Invert', 0.6, null], ['Equalize', 1.0, null]],
    [['Color', 0.6, 4], ['Contrast', 1.0, 8]], [['Rotate', 0.8, 8], ['Color', 1.0, 2]],
    [['Color', 0.8, 8], ['Solarize', 0.8, 7]], [['Sharpness', 0.4, 7], ['Invert', 0.6, null]],
    [['ShearX', 0.6, 5], ['Equalize', 1.0, null]], [['Color', 0.4, 0], ['Equalize', 0.6, null]],
    [['Equalize', 0.4, null], ['Solarize', 0.2, 4]], [['Solarize', 0.6, 5], ['AutoContrast', 0.6, null]],
    [['Invert', 0.6, null], ['Equalize', 1.0, null]], [['Color', 0.6, 4], ['Contrast', 1.0, 8]],
    [['Equalize', 0.8, null], ['Equalize', 0.6, null]],
  ],
  cifar10: [
    [['Invert', 0.1, null], ['Contrast', 0.2, 6]], [['Rotate', 0.7, 2], ['TranslateX', 0.3, 9]],
    [['Sharpness', 0.8, 1], ['Sharpness', 0.9, 3]], [['ShearY', 0.5, 8], ['TranslateY', 0.7, 9]],
    [['AutoContrast', 0.5, null], ['Equalize', 0.9, null]], [['ShearY', 0.2, 7], ['Posterize', 0.3, 7]],
    [['Color', 0.4, 3], ['Brightness', 0.6, 7]], [['Sharpness', 0.3, 9], ['Brightness', 0.7, 9]],
    [['Equalize', 0.6, null], ['Equalize', 0.5, null]], [['Contrast', 0.6, 7], ['Sharpness', 0.6, 5]],
    [['Color', 0.7, 7], ['TranslateX', 0.5, 8]], [['Equalize', 0.3, null], ['AutoContrast', 0.4, null]],
    [['TranslateY', 0.4, 3], ['Sharpness', 0.2, 6]], [['Brightness', 0.9, 6], ['Color', 0.2, 8]],
    [['Solarize', 0.5, 2], ['Invert', 0.0, null]], [['Equalize', 0.2, null], ['AutoContrast', 0.6, null]],
    [['Equalize', 0.2, null], ['Equalize', 0.6, null]], [['Color', 0.9, 9], ['Equalize', 0.6, null]],
    [['AutoContrast', 0.8, null], ['Solarize', 0.2, 8]], [['Brightness', 0.1, 3], ['Color', 0.7, 0]],
    [['Solarize', 0.4, 5], ['AutoContrast', 0.9, null]], [['TranslateY', 0.9, 9], ['TranslateY', 0.7, 9]],
    [['AutoContrast', 0.9, null], ['Solarize', 0.8, 3]], [['Equalize', 0.8, null], ['Invert', 0.1, null]],
    [['TranslateY', 0.7, 9], ['AutoContrast', 0.9, null]],
  ],
  svhn: [
    [['ShearX', 0.9, 4], ['Invert', 0.2, null]], [['ShearY', 0.9, 8], ['Invert', 0.7, null]],
    [['Equalize', 0.6, null], ['Solarize', 0.6, 6]], [['Invert', 0.9, null], ['Equalize', 0.6, null]],
    [['Equalize', 0.6, null], ['Rotate', 0.9, 3]], [['ShearX', 0.9, 4], ['AutoContrast', 0.8, null]],
    [['ShearY', 0.9, 8], ['Invert', 0.4, null]], [['ShearY', 0.9, 5], ['Solarize', 0.2, 6]],
    [['Invert', 0.9, null], ['AutoContrast', 0.8, null]], [['Equalize', 0.6, null], ['Rotate', 0.9, 3]],
    [['ShearX', 0.9, 4], ['Solarize', 0.3, 3]], [['ShearY', 0.8, 8], ['Invert', 0.7, null]],
    [['Equalize', 0.9, null], ['TranslateY', 0.6, 6]], [['Invert', 0.9, null], ['Equalize', 0.6, null]],
    [['Contrast', 0.3, 3], ['Rotate', 0.8, 4]], [['Invert', 0.8, null], ['TranslateY', 0.0, 2]],
    [['ShearY', 0.7, 6], ['Solarize', 0.4, 8]], [['Invert', 0.6, null], ['Rotate', 0.8, 4]],
    [['ShearY', 0.3, 7], ['TranslateX', 0.9, 3]], [['ShearX', 0.1, 6], ['Invert', 0.6, null]],
    [['Solarize', 0.7, 2], ['TranslateY', 0.6, 7]], [['ShearY', 0.8, 4], ['Invert', 0.8, null]],
    [['ShearX', 0.7, 9], ['TranslateY', 0.8, 3]], [['ShearY', 0.8, 5], ['AutoContrast', 0.7, null]],
    [['ShearX', 0.7, 2], ['Invert', 0.1, null]],
  ],
});

const SIGNED = new Set(['ShearX', 'ShearY', 'TranslateX', 'TranslateY', 'Rotate', 'Brightness', 'Color', 'Contrast', 'Sharpness']);
const f32 = Math.fround;

/** torch.linspace(start, end, steps)[i] in float32, the scalar kernel's formula. */
function linspace(start, end, steps, i) {
  const step = f32(f32(end - start) / (steps - 1));
  return i < steps / 2 ? f32(start + f32(step * i)) : f32(end - f32(step * (steps - 1 - i)));
}

/** The magnitude of bin `bin` (of 10) for op on an H x W image (AutoAugment's ranges). */
export function magnitude(op, bin, H, W) {
  if (bin === null) return 0;
  switch (op) {
    case 'ShearX': case 'ShearY': return linspace(0, f32(0.3), 10, bin);
    case 'TranslateX': return linspace(0, f32(150 / 331 * W), 10, bin);
    case 'TranslateY': return linspace(0, f32(150 / 331 * H), 10, bin);
    case 'Rotate': return linspace(0, 30, 10, bin);
    case 'Brightness': case 'Color': case 'Contrast': case 'Sharpness': return linspace(0, f32(0.9), 10, bin);
    case 'Posterize': return 8 - Math.round(f32(bin / f32(9 / 4)));
    case 'Solarize': return linspace(255, 0, 10, bin);
    default: return 0;
  }
}

const same = (a, b) => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

/**
 * The sub-policy that turns `image` into `result` under `policy` ('imagenet' | 'cifar10' |
 * 'svhn'): { index, subPolicy, applied: [{ op, probability, magnitude }] } for the first match
 * (ops that leave this image unchanged can make several match), or null.
 */
export function identifyAutoAugment(wt, image, result, policy) {
  const table = POLICIES[policy];
  const { width: W, height: H } = image;
  if (same(image.data, result.data)) {
    return { index: null, subPolicy: null, applied: [] };
  }
  for (let index = 0; index < table.length; index++) {
    const sub = table[index];
    // Each entry: skipped, or applied with + or - magnitude (one sign for unsigned ops).
    const choices = sub.map(([op, p, bin]) => {
      const m = magnitude(op, bin, H, W);
      const on = SIGNED.has(op) && m !== 0 ? [m, -m] : [m];
      return [null, ...(p > 0 ? on : [])].map((v) => (v === null ? null : { op, probability: p, magnitude: v }));
    });
    for (const a of choices[0]) {
      const mid = a ? wt.augment.apply(image, { op: a.op, magnitude: a.magnitude }) : image;
      for (const b of choices[1]) {
        if (!a && !b) continue;
        const out = b ? wt.augment.apply(mid, { op: b.op, magnitude: b.magnitude }) : mid;
        if (same(out.data, result.data)) return { index, subPolicy: sub, applied: [a, b].filter(Boolean) };
      }
    }
  }
  return null;
}
