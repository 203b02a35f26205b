// images.js - image plumbing for the pages: ImageData-like { data, width, height } with 1, 3 or
// 4 channels (what wt.augment and wt.data give) to RGBA, drawing one onto a canvas (nearest
// neighbour, so 28x28 pixels stay crisp), fitting any picture (file, <img>, video frame, canvas)
// into a square (cover + centre crop), the webcam, and a pixel checksum the tests compare.
// Not here: augmentation (the engine), predictions (the worker).

/** RGBA bytes of an ImageData-like image with 1, 3 or 4 channels. */
export function toRGBA(img) {
  const { data, width: W, height: H } = img;
  const C = img.channels ?? data.length / (W * H);
  if (C === 4) return data instanceof Uint8ClampedArray ? data : new Uint8ClampedArray(data);
  const out = new Uint8ClampedArray(W * H * 4);
  for (let p = 0; p < W * H; p++) {
    const s = p * C;
    out[p * 4] = data[s];
    out[p * 4 + 1] = data[C === 1 ? s : s + 1];
    out[p * 4 + 2] = data[C === 1 ? s : s + 2];
    out[p * 4 + 3] = 255;
  }
  return out;
}

/** An RGBA ImageData-like image { data, width, height }. */
export const rgbaImage = (img) => ({ data: toRGBA(img), width: img.width, height: img.height });

/** A grey channel (1 x H x W bytes) of an RGBA image: ITU-R 601 luma, as predict() computes it. */
export function toGray(img) {
  const d = toRGBA(img);
  const out = new Uint8Array(img.width * img.height);
  for (let p = 0; p < out.length; p++) out[p] = Math.round(0.299 * d[p * 4] + 0.587 * d[p * 4 + 1] + 0.114 * d[p * 4 + 2]);
  return { data: out, width: img.width, height: img.height, channels: 1 };
}

/** Draws an ImageData-like image onto `canvas`, sized to the image (CSS scales it, pixelated). */
export function drawImage(canvas, img) {
  canvas.width = img.width;
  canvas.height = img.height;
  const ctx = canvas.getContext('2d');
  ctx.putImageData(new ImageData(toRGBA(img), img.width, img.height), 0, 0);
}

/** A square RGBA image of side S from a drawable (HTMLImageElement, ImageBitmap, video, canvas):
    scaled to cover, centre-cropped. */
export function fitSquare(source, S) {
  const sw = source.videoWidth || source.naturalWidth || source.width;
  const sh = source.videoHeight || source.naturalHeight || source.height;
  if (!sw || !sh) throw new Error('the picture has no pixels yet (is the camera on?)');
  const scale = Math.max(S / sw, S / sh);
  const c = new OffscreenCanvas(S, S);
  const ctx = c.getContext('2d');
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(source, (S - sw * scale) / 2, (S - sh * scale) / 2, sw * scale, sh * scale);
  const d = ctx.getImageData(0, 0, S, S);
  return { data: d.data, width: S, height: S };
}

/** An ImageData-like image scaled to S x S by nearest neighbour (crisp samples). */
export function scaleNearest(img, S) {
  const src = toRGBA(img);
  const { width: W, height: H } = img;
  const out = new Uint8ClampedArray(S * S * 4);
  for (let y = 0; y < S; y++) {
    const sy = Math.min(H - 1, Math.floor((y * H) / S));
    for (let x = 0; x < S; x++) {
      const sx = Math.min(W - 1, Math.floor((x * W) / S));
      out.set(src.subarray((sy * W + sx) * 4, (sy * W + sx) * 4 + 4), (y * S + x) * 4);
    }
  }
  return { data: out, width: S, height: S };
}

/** Decodes an image file (PNG, JPEG, ...) into an ImageBitmap; a clear error if it is not one. */
export async function decodeFile(file) {
  try {
    return await createImageBitmap(file);
  } catch {
    throw new Error(`${file.name || 'the file'} is not an image this browser can decode`);
  }
}

/** Turns the camera on into `video`; returns a stop function. */
export async function startWebcam(video) {
  if (!navigator.mediaDevices?.getUserMedia) throw new Error('this browser has no camera access (getUserMedia)');
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 }, audio: false });
  } catch (e) {
    throw new Error(`the camera is not available: ${e.message}`);
  }
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  return () => {
    for (const t of stream.getTracks()) t.stop();
    video.srcObject = null;
    video.hidden = true;
  };
}

/** A 32-bit FNV-1a checksum of a canvas' pixels (tests: did the image change?). */
export function checksum(canvas) {
  const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let h = 0x811c9dc5;
  for (let i = 0; i < d.length; i++) h = Math.imul(h ^ d[i], 16777619);
  return h >>> 0;
}

/** A few simple drawn shapes (S x S RGBA), for when the data set cannot be fetched. */
export function syntheticSamples(S) {
  const shapes = {
    circle: (x, y) => (x - 0.5) ** 2 + (y - 0.5) ** 2 < 0.12,
    square: (x, y) => Math.abs(x - 0.5) < 0.3 && Math.abs(y - 0.5) < 0.3,
    triangle: (x, y) => y > 0.2 && y < 0.8 && Math.abs(x - 0.5) < (y - 0.2) * 0.6,
    stripes: (x) => Math.floor(x * 8) % 2 === 0,
  };
  return Object.entries(shapes).map(([name, inside], k) => {
    const data = new Uint8ClampedArray(S * S * 4);
    const colour = [[230, 159, 0], [0, 114, 178], [0, 158, 115], [204, 121, 167]][k];
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const on = inside((x + 0.5) / S, (y + 0.5) / S);
        data.set(on ? [...colour, 255] : [20, 20, 20, 255], (y * S + x) * 4);
      }
    }
    return { name, image: { data, width: S, height: S } };
  });
}
