// chromium.mjs - Debian's Chromium through playwright-core for every browser test: the launch
// flags that work here (no sandbox, GPU, QUIC or background network), a temporary persistent
// profile (IndexedDB, service workers and their caches survive reloads) and a log of the page's
// console and errors for assertion messages. Not a test file itself.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM = process.env.WT_CHROMIUM ?? '/usr/bin/chromium';

/** false, or why `what` cannot run: Chromium absent outside CI (in CI its absence fails). */
export function chromiumSkip(what) {
  const why = !existsSync(CHROMIUM) && process.env.CI !== 'true'
    ? `Chromium not found at ${CHROMIUM}: ${what} SKIPPED (apt-get install chromium, or run scripts/setup.sh)`
    : false;
  if (why) console.log(why);
  return why;
}

/** Launches Chromium on a fresh profile; returns { context, page, log, close() }. */
export async function launchChromium({ viewport } = {}) {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'wasmtricks-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      ...(viewport ? { viewport } : {}),
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  const page = context.pages()[0] ?? await context.newPage();
  const log = [];
  page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
  return {
    context, page, log,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
