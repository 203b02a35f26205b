// idx.mjs - test helper (not a test): the bytes of an uncompressed IDX file (MNIST's format:
// magic 0x00000800 | rank, big-endian dims, then u8 data), for the CLI and loader tests that
// write small data sets to disk.

/** An IDX file of unsigned bytes with the given dims (big-endian) and data: a Uint8Array over
    its own ArrayBuffer (not a slice of Node's Buffer pool), so `.buffer` is the file alone. */
export function idx(dims, data) {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(0x800 | dims.length, 0);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return new Uint8Array(Buffer.concat([head, Buffer.from(data)]));
}
