// idx.mjs - test helper (not a test): the bytes of an uncompressed IDX file (MNIST's format:
// magic 0x00000800 | rank, big-endian dims, then u8 data), for the CLI and loader tests that
// write small data sets to disk, and such a data set itself.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** An IDX file of unsigned bytes with the given dims (big-endian) and data: a Uint8Array over
    its own ArrayBuffer (not a slice of Node's Buffer pool), so `.buffer` is the file alone. */
export function idx(dims, data) {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(0x800 | dims.length, 0);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return new Uint8Array(Buffer.concat([head, Buffer.from(data)]));
}

/** A two-class IDX folder for the CLI (dir: train- and t10k- files, n images each of 8x8):
    a bright left half is class 0, a bright right half class 1. */
export function halvesFolder(dir, n = 32) {
  const img = new Uint8Array(n * 64);
  const lbl = Uint8Array.from({ length: n }, (_, i) => i % 2);
  for (let i = 0; i < n * 64; i++) img[i] = ((i % 8 < 4) === (lbl[i >> 6] === 0) ? 200 : 30) + (i % 40);
  for (const p of ['train', 't10k']) {
    writeFileSync(join(dir, `${p}-images-idx3-ubyte`), idx([n, 8, 8], img));
    writeFileSync(join(dir, `${p}-labels-idx1-ubyte`), idx([n], lbl));
  }
}
