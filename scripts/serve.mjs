#!/usr/bin/env node
// serve.mjs - the web app's static server: web/ (the app), js/ (the package), dist/ (the wasm),
// assets/ (the shipped backbones), docs/study/ (the study the studio links to), examples/pytorch/ (the models the studio's PyTorch export embeds) and Fashion-MNIST from Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist/) under
// /data/fashion-mnist/, on 127.0.0.1, with COOP same-origin / COEP require-corp (cross-origin
// isolation, so threads are possible) and the right MIME types (.wasm as application/wasm).
// Nothing outside those folders is reachable. The app itself is static: any host that serves
// web/, js/, dist/ and assets/ side by side (plus the data under data/fashion-mnist/) runs it.
//
//   node scripts/serve.mjs [--port N] [--host H] [--web-only] [--first 'shell command']
//   npm start                 (= --first '<set-up, build, CLI training>': runs it, then serves)
//   npm start -- --web-only   (serves only)
// As a module: startServer({ port, host, dataDir }) -> { url, close() } (the browser tests).
import http from 'node:http';
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist/';
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.py': 'text/x-python; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.safetensors': 'application/octet-stream',
  '.gz': 'application/octet-stream', // the IDX files are read as gzip bytes, not decoded by the browser
  '': 'application/octet-stream',
};

/** The file a URL path maps to, or null: web/, js/, dist/, assets/ under the repository, data/fashion-mnist/. */
function mapPath(urlPath, dataDir) {
  const mounts = [['/web/', join(ROOT, 'web')], ['/js/', join(ROOT, 'js')], ['/dist/', join(ROOT, 'dist')], ['/assets/', join(ROOT, 'assets')], ['/docs/study/', join(ROOT, 'docs', 'study')],
    ['/examples/pytorch/', join(ROOT, 'examples', 'pytorch')], ['/data/fashion-mnist/', dataDir]];
  for (const [prefix, dir] of mounts) {
    if (!urlPath.startsWith(prefix)) continue;
    const file = resolve(dir, `.${sep}${urlPath.slice(prefix.length)}`);
    return file === dir || file.startsWith(dir.endsWith(sep) ? dir : dir + sep) ? file : null;
  }
  return null;
}

const HEADERS = {
  // Cross-origin isolation (SharedArrayBuffer, wasm threads) and same-origin resources only.
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  // Revalidate every time: the service worker (web/sw.js) is what makes the app work offline.
  'cache-control': 'no-cache',
};

export async function startServer({ port = 0, host = '127.0.0.1', dataDir = FASHION_MNIST_DIR, log = null } = {}) {
  const server = http.createServer(async (req, res) => {
    const send = (code, text, extra = {}) => {
      res.writeHead(code, { ...HEADERS, 'content-type': 'text/plain; charset=utf-8', ...extra });
      res.end(req.method === 'HEAD' ? undefined : text);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed', { allow: 'GET, HEAD' });
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      return send(400, 'bad request');
    }
    if (path === '/' || path === '/web') return send(302, 'see /web/', { location: '/web/' });
    let file = path.includes('\0') ? null : mapPath(path, dataDir);
    if (!file) return send(404, 'not found');
    try {
      let st = await stat(file);
      if (st.isDirectory()) {
        if (!path.endsWith('/')) return send(301, 'moved', { location: `${path}/` });
        file = join(file, 'index.html');
        st = await stat(file);
      }
      res.writeHead(200, { ...HEADERS, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'content-length': st.size, 'last-modified': st.mtime.toUTCString() });
      if (req.method === 'HEAD') return res.end();
      createReadStream(file).on('error', () => res.destroy()).pipe(res);
      log?.(`${req.method} ${path} 200`);
    } catch {
      send(404, 'not found');
    }
  });
  await new Promise((ok, fail) => server.once('error', fail).listen(port, host, ok));
  const { port: bound } = server.address();
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}/web/`;
  return {
    url,
    origin: new URL(url).origin + '/',
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}

function usage(msg) {
  console.error(`serve: ${msg}\nusage: node scripts/serve.mjs [--port N] [--host H] [--web-only] [--first 'command']`);
  process.exit(2);
}

async function main(argv) {
  let port = 8080;
  let host = '127.0.0.1';
  let first = null;
  let webOnly = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--web-only') webOnly = true;
    else if (a === '--port') port = Number(argv[++i]);
    else if (a === '--host') host = argv[++i];
    else if (a === '--first') first = argv[++i];
    else if (a === '--help' || a === '-h') usage('serves the web app');
    else usage(`unknown argument '${a}'`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) usage(`--port must be an integer in [0, 65535]`);
  if (typeof host !== 'string' || !host) usage('--host needs a value');
  if (first && !webOnly) {
    const r = spawnSync(first, { shell: '/bin/bash', stdio: 'inherit', cwd: ROOT });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
  if (!existsSync(join(ROOT, 'dist', 'wasmtricks.wasm'))) {
    console.error('serve: dist/wasmtricks.wasm is missing: run `npm run build:wasm` (or `npm start` without --web-only)');
  }
  if (!existsSync(join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz'))) {
    console.error(`serve: Fashion-MNIST is missing in ${FASHION_MNIST_DIR} (apt-get install dataset-fashion-mnist); the app still runs on your own images`);
  }
  let server;
  try {
    server = await startServer({ port, host });
  } catch (e) {
    if (e.code !== 'EADDRINUSE' || port === 0) throw e;
    console.error(`serve: port ${port} is in use; using a free one`);
    server = await startServer({ port: 0, host });
  }
  console.log(`wasmtricks web app: ${server.url}  (Ctrl-C to stop)`);
  const stop = () => server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(`serve: ${e.message}`);
    process.exit(1);
  });
}
