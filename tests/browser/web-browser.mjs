// web-browser.mjs - what the web app's browser tests (web-*.test.mjs) share: the app's own
// server (scripts/serve.mjs: COOP/COEP, Fashion-MNIST), Debian's Chromium through
// playwright-core with the launch flags that work here and a temporary persistent profile
// (IndexedDB, the service worker and its cache survive reloads), a log of the page's console and
// errors for assertion messages, drawing on a canvas with the mouse as a person does, and
// screenshots into tests/browser/screenshots/ (git-ignored). Not a test file itself.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../scripts/serve.mjs';
import { chromiumSkip, launchChromium } from './chromium.mjs';

export const SCREENSHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));

/** false, or why the browser tests cannot run (Chromium absent outside CI). */
export const skip = chromiumSkip('web app browser test');

/** Starts the server and Chromium; returns { server, context, page, log, close() }. */
export async function openBrowser({ viewport = { width: 1280, height: 900 } } = {}) {
  const server = await startServer();
  let browser;
  try {
    browser = await launchChromium({ viewport });
  } catch (e) {
    await server.close();
    throw e;
  }
  const { context, page, log } = browser;
  return {
    server, context, page, log,
    url: (file) => `${server.url}${file}`,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/** Text of the page's error box ('' when hidden). */
export const pageError = (page) => page.evaluate(() => {
  const e = document.getElementById('error');
  return e && !e.hidden ? e.textContent : '';
});

/** Draws a polyline over the canvas `selector` with the mouse (points in 0..1 of its box);
    returns the FNV-1a checksum of the canvas pixels afterwards. */
export async function drawWithMouse(page, selector, points) {
  // The whole element must be on screen (mouse events outside the viewport are lost) and
  // still (a layout change while drawing would move the stroke).
  await page.locator(selector).scrollIntoViewIfNeeded();
  let box = await page.locator(selector).boundingBox();
  for (let i = 0; i < 20; i++) {
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const again = await page.locator(selector).boundingBox();
    if (again.x === box.x && again.y === box.y) break;
    box = again;
  }
  const at = ([x, y]) => [box.x + x * box.width, box.y + y * box.height];
  await page.mouse.move(...at(points[0]));
  await page.mouse.down();
  for (const p of points.slice(1)) await page.mouse.move(...at(p), { steps: 4 });
  await page.mouse.up();
  return page.locator(selector).evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let h = 0x811c9dc5;
    for (let i = 0; i < d.length; i++) h = Math.imul(h ^ d[i], 16777619);
    return h >>> 0;
  });
}

/** A drawn sneaker-ish shape and a trouser-ish one (the same pixels every time). */
export const SHAPES = {
  trouser: [[0.35, 0.1], [0.65, 0.1], [0.65, 0.9], [0.55, 0.9], [0.5, 0.35], [0.45, 0.9], [0.35, 0.9], [0.35, 0.1]],
  shoe: [[0.1, 0.55], [0.5, 0.55], [0.9, 0.7], [0.9, 0.8], [0.1, 0.8], [0.1, 0.55]],
};

export async function screenshot(page, name, { fullPage = true } = {}) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}
