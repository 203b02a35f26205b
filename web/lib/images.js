// images.js - what the pages need beyond the package's canvas I/O (js/image.js: toInput, draw):
// drawing onto a fresh canvas, any picture (file, <img>, video frame, canvas) as a square RGBA
// image, crisp nearest-neighbour upscaling of 28x28 samples, the webcam, a pixel checksum the
// tests compare, and drawn shapes for when no data set is reachable. Not here: augmentation
// (the engine), predictions (the worker).

import { toInput, toInputSync, draw } from '../../js/image.js';

/** Draws an ImageData-like image (1, 3 or 4 channels) onto `canvas` at the image's own size
    (CSS scales it, pixelated). */
export function drawImage(canvas, img) {
  canvas.width = img.width;
  canvas.height = img.height;
  draw(canvas, img);
}

/** A square S x S RGBA image from a drawable (canvas, <img>, ImageBitmap, <video>): scaled to
    cover, centre-cropped. */
export const fitSquare = (source, S) => toInputSync(source, { shape: [4, S, S] });

/** The same from an image file (decoded by the browser; a clear error when it is not an image). */
export const fileSquare = (file, S) => toInput(file, { shape: [4, S, S] });

/** An ImageData-like image scaled to S x S by nearest neighbour (crisp samples). */
export function scaleNearest(img, S) {
  const src = toInputSync(img, { shape: [4, img.height, img.width] }).data;
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
