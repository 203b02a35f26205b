// hash.mjs - FNV-1a hashes that the Node and browser tests compare weights with (Node imports it
// through tests/js/helpers.mjs; pages and workers import it here, where the test server serves
// it). Not a test file itself.

/** FNV-1a (32-bit) over bytes (a safetensors file, ...), as 8 hex digits. */
export function fnv32(bytes) {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** FNV-1a (64-bit) over the bytes of a Float32Array (weights), as 16 hex digits. */
export function fnv64(f32) {
  const b = new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength);
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < b.length; i++) h = BigInt.asUintN(64, (h ^ BigInt(b[i])) * 0x100000001b3n);
  return h.toString(16).padStart(16, '0');
}
