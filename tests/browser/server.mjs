// server.mjs - a tiny static file server for the browser tests: serves the repository's js/,
// dist/ and tests/browser/ on 127.0.0.1 (a free port), .wasm as application/wasm. Nothing else
// is reachable. startServer({ root, allow }) serves another folder (tests/package serves a Vite
// build with it); headers(path) adds response headers (COOP/COEP for cross-origin isolation).
// Not a development server for users.
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ALLOWED = ['js/', 'dist/', 'assets/', 'tests/browser/'];
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

/** Response headers that make a page cross-origin isolated (COOP/COEP: SharedArrayBuffer); the
    page and what it loads are same-origin, so require-corp admits them. */
export const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

export async function startServer({ root = ROOT, allow = ALLOWED, headers = () => ({}) } = {}) {
  const server = http.createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).slice(1);
    if (path.includes('..') || !allow.some((p) => path.startsWith(p))) {
      res.writeHead(404).end('not found');
      return;
    }
    try {
      const body = await readFile(join(root, ...path.split('/')));
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', 'cache-control': 'no-store',
        ...headers(path, new URL(req.url, 'http://x')) });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(r)) };
}

