// chart.js - small charts as SVG strings: lineChart (series of [x, y] or [x, y, err] points, e.g.
// accuracy per epoch; a log x axis for sizes) and barChart (one bar per name with an error bar, negative values below the zero line).
// Pure functions over plain data: no DOM, so the same call draws a chart in Node (bench/study
// writes the files) and in a browser (insert the string with innerHTML, or as an <img> data URL).
// Colours: Okabe and Ito's colour-blind-safe palette; past 8 series the dash pattern changes too,
// so every series stays distinguishable without colour. Each chart carries role="img", an
// aria-label and a <title>/<desc> for screen readers. Not here: layout beyond one chart, animation.

import { argCheck, describe } from '../../js/errors.js';

/** Okabe & Ito (2008), "Color Universal Design": distinguishable under the common colour-vision
    deficiencies. Black is last: it reads as an axis when there are few series. */
export const PALETTE = Object.freeze(['#0072B2', '#E69F00', '#009E73', '#D55E00', '#56B4E9', '#CC79A7', '#F0E442', '#000000']);
const DASHES = ['', '6 3', '2 3', '8 3 2 3'];
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';
const CHAR_W = 6.6; // average glyph width of a 12 px sans-serif, for layout estimates

/** Text made safe for SVG/XML content and attribute values. */
export function escapeXml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/**
 * Round tick positions covering [min, max]: steps of 1, 2, 2.5 or 5 times a power of ten, about
 * `count` of them; the first tick is <= min and the last >= max. Returns { ticks, step }.
 */
export function niceTicks(min, max, count = 5) {
  argCheck(Number.isFinite(min) && Number.isFinite(max) && min <= max,
    `niceTicks: min and max must be finite with min <= max, got ${describe(min)} and ${describe(max)}`);
  argCheck(Number.isInteger(count) && count >= 2, `niceTicks: count must be an integer >= 2, got ${describe(count)}`);
  if (min === max) {
    const d = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= d;
    max += d;
  }
  const raw = (max - min) / (count - 1);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw * 0.999) ?? 10 * mag;
  const lo = Math.floor(min / step + 1e-9);
  const hi = Math.ceil(max / step - 1e-9);
  const ticks = [];
  for (let i = lo; i <= hi; i++) ticks.push(cleanNumber(i * step));
  return { ticks, step };
}

/** Log-axis ticks covering [min, max] (min > 0): 1, 2 and 5 times powers of ten, from the one
    at or below min to the one at or above max. Returns { ticks }. */
export function logTicks(min, max) {
  argCheck(min > 0 && Number.isFinite(max) && min <= max, `logTicks: need 0 < min <= max, got ${describe(min)} and ${describe(max)}`);
  const all = [];
  for (let p = Math.floor(Math.log10(min)) - 1; p <= Math.ceil(Math.log10(max)); p++) {
    for (const m of [1, 2, 5]) all.push(cleanNumber(m * 10 ** p));
  }
  const lo = all.filter((t) => t <= min * (1 + 1e-9)).at(-1);
  const hi = all.find((t) => t >= max * (1 - 1e-9));
  const ticks = all.filter((t) => t >= lo && t <= hi);
  return { ticks: ticks.length > 1 ? ticks : [lo, all[all.indexOf(lo) + 1]] };
}

/** i * step without binary noise (0.30000000000000004 -> 0.3). */
const cleanNumber = (v) => Number(v.toPrecision(12));

/** A tick label with as many decimals as the step needs (0.25 -> 2, 2.5 -> 1, 5 -> 0). */
function tickFormat(step) {
  let decimals = 0;
  while (decimals < 10 && Math.abs(Number(step.toFixed(decimals)) - step) > step * 1e-6) decimals++;
  return (v) => (v === 0 ? '0' : v.toFixed(decimals));
}

const f2 = (v) => String(Math.round(v * 100) / 100);

function checkBox(o, fn) {
  argCheck(o && typeof o === 'object', `${fn}: options must be an object, got ${describe(o)}`);
  const { width = 640, height = 360 } = o;
  argCheck(Number.isFinite(width) && width >= 160, `${fn}: width must be a number >= 160, got ${describe(width)}`);
  argCheck(Number.isFinite(height) && height >= 120, `${fn}: height must be a number >= 120, got ${describe(height)}`);
  for (const k of ['title', 'xLabel', 'yLabel']) {
    argCheck(o[k] === undefined || typeof o[k] === 'string', `${fn}: ${k} must be a string, got ${describe(o[k])}`);
  }
  return { width, height };
}

function open(width, height, title, desc) {
  const label = escapeXml(title || desc);
  return [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" ` +
    `role="img" aria-label="${label}" ${FONT} font-size="12">`,
  `<title>${escapeXml(title || 'chart')}</title>`, `<desc>${escapeXml(desc)}</desc>`,
  `<rect width="${width}" height="${height}" fill="#ffffff"/>`];
}

/** The y axis (grid lines, tick labels, label) and the chart's title. */
function frame(out, { x0, x1, y0, y1, ticks, fmt, sy, title, yLabel, width }) {
  if (title) out.push(`<text x="${f2(width / 2)}" y="18" text-anchor="middle" font-size="14" font-weight="600">${escapeXml(title)}</text>`);
  out.push('<g class="wt-yaxis">');
  for (const t of ticks) {
    const y = f2(sy(t));
    out.push(`<line class="wt-grid" x1="${f2(x0)}" x2="${f2(x1)}" y1="${y}" y2="${y}" stroke="#e3e3e3"/>` +
      `<text class="wt-ytick" x="${f2(x0 - 6)}" y="${y}" dy="0.32em" text-anchor="end" fill="#333">${escapeXml(fmt(t))}</text>`);
  }
  out.push(`<line x1="${f2(x0)}" x2="${f2(x0)}" y1="${f2(y0)}" y2="${f2(y1)}" stroke="#333"/>`, '</g>');
  if (yLabel) {
    out.push(`<text class="wt-ylabel" transform="translate(14 ${f2((y0 + y1) / 2)}) rotate(-90)" text-anchor="middle" fill="#333">${escapeXml(yLabel)}</text>`);
  }
}

/**
 * A line chart. series: [{ name, points: [[x, y], ...], color? }] (points with a non-finite x or
 * y are gaps; a third number is the half-length of an error bar, e.g. a standard deviation);
 * xLabel, yLabel, title; width, height (640 x 360); yRange: [min, max] to fix the y axis
 * (otherwise the data's range, widened to round ticks); xLog: a log-scale x axis (x > 0, ticks
 * at 1, 2 and 5 times powers of ten); markers: draw a dot per point (default: when no series has
 * more than 40 points). The legend sits at the right.
 */
export function lineChart(options) {
  const { width, height } = checkBox(options, 'lineChart');
  const { series, xLabel = '', yLabel = '', title = '', yRange, xLog = false } = options;
  argCheck(Array.isArray(series), `lineChart: series must be an array of { name, points }, got ${describe(series)}`);
  series.forEach((s, i) => {
    argCheck(s && typeof s === 'object' && Array.isArray(s.points),
      `lineChart: series[${i}] must be { name, points: [[x, y], ...] }, got ${describe(s)}`);
    s.points.forEach((p, j) => argCheck(Array.isArray(p) && (p.length === 2 || p.length === 3) && p.every((v) => typeof v === 'number'),
      `lineChart: series[${i}].points[${j}] must be [x, y] or [x, y, err] numbers, got ${describe(p)}`));
    if (xLog) {
      s.points.forEach((p, j) => argCheck(!(p[0] <= 0), `lineChart: xLog needs x > 0, series[${i}].points[${j}] has x = ${p[0]}`));
    }
  });
  argCheck(yRange === undefined || (Array.isArray(yRange) && yRange.length === 2 && yRange.every(Number.isFinite) && yRange[0] < yRange[1]),
    `lineChart: yRange must be [min, max] with min < max, got ${describe(yRange)}`);
  const finite = series.flatMap((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
  // Error bars widen the y range they need.
  const spans = finite.flatMap(([, y, e]) => (Number.isFinite(e) ? [y - Math.abs(e), y + Math.abs(e)] : [y]));
  const markers = options.markers ?? series.every((s) => s.points.length <= 40);

  const names = series.map((s, i) => String(s.name ?? `series ${i + 1}`));
  const legendW = series.length ? Math.min(width * 0.4, 40 + 1.1 * CHAR_W * Math.max(...names.map((n) => n.length))) : 0;
  const yt = finite.length ? niceTicks(...(yRange ?? [Math.min(...spans), Math.max(...spans)]), 6)
    : niceTicks(0, 1, 6);
  const yMin = yRange ? yRange[0] : yt.ticks[0];
  const yMax = yRange ? yRange[1] : yt.ticks.at(-1);
  const yTicks = yt.ticks.filter((t) => t >= yMin - 1e-12 && t <= yMax + 1e-12);
  const fmtY = tickFormat(yt.step);
  // Integer x (epochs, steps) gets integer ticks.
  const [xLo, xHi] = finite.length ? [Math.min(...finite.map((p) => p[0])), Math.max(...finite.map((p) => p[0]))] : xLog ? [1, 10] : [0, 1];
  const xInt = finite.every((p) => Number.isInteger(p[0]));
  const xt = xLog ? logTicks(xLo, xHi) : niceTicks(xLo, xHi, xInt ? Math.max(2, Math.min(6, xHi - xLo + 1)) : 6);
  const [xMin, xMax] = [xt.ticks[0], xt.ticks.at(-1)];
  const fmtX = xLog ? (v) => v.toLocaleString('en-US', { maximumSignificantDigits: 6 }) : tickFormat(xt.step);

  const left = 22 + (yLabel ? 14 : 0) + CHAR_W * Math.max(1, ...yTicks.map((t) => fmtY(t).length));
  const top = title ? 32 : 12;
  const bottom = 34 + (xLabel ? 16 : 0);
  const x0 = left;
  const x1 = width - 12 - legendW;
  const y0 = height - bottom;
  const y1 = top;
  const tx = xLog ? Math.log10 : (v) => v;
  const sx = (v) => x0 + ((tx(v) - tx(xMin)) / (tx(xMax) - tx(xMin))) * (x1 - x0);
  const sy = (v) => y0 - ((v - yMin) / (yMax - yMin)) * (y0 - y1);

  const desc = `Line chart${title ? ` "${title}"` : ''}: ${series.length} series (${names.join(', ')}), ` +
    `${yLabel || 'y'} against ${xLabel || 'x'}; y from ${fmtY(yMin)} to ${fmtY(yMax)}, x from ${fmtX(xMin)} to ${fmtX(xMax)}.`;
  const out = open(width, height, title, desc);
  frame(out, { x0, x1, y0, y1, ticks: yTicks, fmt: fmtY, sy, title, yLabel, width });
  out.push('<g class="wt-xaxis">');
  for (const t of xt.ticks) {
    const x = f2(sx(t));
    out.push(`<line x1="${x}" x2="${x}" y1="${f2(y0)}" y2="${f2(y0 + 4)}" stroke="#333"/>` +
      `<text class="wt-xtick" x="${x}" y="${f2(y0 + 17)}" text-anchor="middle" fill="#333">${escapeXml(fmtX(t))}</text>`);
  }
  out.push(`<line x1="${f2(x0)}" x2="${f2(x1)}" y1="${f2(y0)}" y2="${f2(y0)}" stroke="#333"/>`, '</g>');
  if (xLabel) out.push(`<text class="wt-xlabel" x="${f2((x0 + x1) / 2)}" y="${f2(height - 8)}" text-anchor="middle" fill="#333">${escapeXml(xLabel)}</text>`);
  if (!finite.length) {
    out.push(`<text x="${f2((x0 + x1) / 2)}" y="${f2((y0 + y1) / 2)}" text-anchor="middle" fill="#777">no data yet</text>`);
  }

  const style = (s, i) => ({ color: s.color ?? PALETTE[i % PALETTE.length], dash: DASHES[Math.floor(i / PALETTE.length) % DASHES.length] });
  // Values outside a fixed yRange are drawn at its edge (lines) or left out (dots).
  const inside = (y) => y >= yMin - 1e-12 && y <= yMax + 1e-12;
  out.push('<g class="wt-plot">');
  series.forEach((s, i) => {
    const { color, dash } = style(s, i);
    let d = '';
    let pen = 'M';
    for (const [x, y] of s.points) {
      if (!Number.isFinite(x) || !Number.isFinite(y)) { pen = 'M'; continue; }
      d += `${pen}${f2(sx(x))},${f2(sy(Math.min(Math.max(y, yMin), yMax)))}`;
      pen = 'L';
    }
    out.push(`<g class="wt-series"><title>${escapeXml(names[i])}</title>` +
      `<path class="wt-line" d="${d || 'M0,0'}" fill="none" stroke="${escapeXml(color)}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''} stroke-linejoin="round"/>`);
    for (const [x, y, e] of s.points) {
      if (!Number.isFinite(x) || !Number.isFinite(y) || !(e > 0)) continue;
      const [ya, yb] = [sy(Math.min(y + e, yMax)), sy(Math.max(y - e, yMin))];
      const cx = sx(x);
      out.push(`<path class="wt-errorbar" d="M${f2(cx)},${f2(ya)}V${f2(yb)}M${f2(cx - 4)},${f2(ya)}H${f2(cx + 4)}M${f2(cx - 4)},${f2(yb)}H${f2(cx + 4)}" ` +
        `stroke="${escapeXml(color)}" stroke-width="1.2" fill="none"><title>${escapeXml(`${names[i]}: ${x}, ${y} ± ${e}`)}</title></path>`);
    }
    if (markers) {
      for (const [x, y] of s.points) {
        if (!Number.isFinite(x) || !inside(y)) continue;
        out.push(`<circle class="wt-point" cx="${f2(sx(x))}" cy="${f2(sy(y))}" r="2.5" fill="${escapeXml(color)}"><title>${escapeXml(`${names[i]}: ${x}, ${y}`)}</title></circle>`);
      }
    }
    out.push('</g>');
  });
  out.push('</g>');

  if (series.length) {
    const lx = width - legendW - 2;
    const rowH = Math.min(18, (y0 - y1) / series.length);
    out.push('<g class="wt-legend">');
    series.forEach((s, i) => {
      const { color, dash } = style(s, i);
      const y = y1 + 6 + i * rowH;
      out.push(`<line x1="${f2(lx)}" x2="${f2(lx + 22)}" y1="${f2(y)}" y2="${f2(y)}" stroke="${escapeXml(color)}" stroke-width="2.5"${dash ? ` stroke-dasharray="${dash}"` : ''}/>` +
        `<text class="wt-legend-label" x="${f2(lx + 28)}" y="${f2(y)}" dy="0.32em" fill="#222">${escapeXml(names[i])}</text>`);
    });
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('\n');
}

/**
 * A bar chart. bars: [{ name, value, err?, color? }] (err: the half-length of the error bar, e.g.
 * a standard deviation); xLabel, yLabel, title; width, height (640 x 360). Bars rise from the
 * zero line, so negative values hang below it; names under the bars tilt when they are long.
 */
export function barChart(options) {
  const { width, height } = checkBox(options, 'barChart');
  const { bars, xLabel = '', yLabel = '', title = '' } = options;
  argCheck(Array.isArray(bars), `barChart: bars must be an array of { name, value, err }, got ${describe(bars)}`);
  bars.forEach((b, i) => {
    argCheck(b && typeof b === 'object' && Number.isFinite(b.value), `barChart: bars[${i}].value must be a finite number, got ${describe(b?.value)}`);
    argCheck(b.err === undefined || b.err === null || (Number.isFinite(b.err) && b.err >= 0),
      `barChart: bars[${i}].err must be a number >= 0, got ${describe(b.err)}`);
  });
  const names = bars.map((b, i) => String(b.name ?? `bar ${i + 1}`));
  const lo = Math.min(0, ...bars.map((b) => b.value - (b.err ?? 0)));
  const hi = Math.max(0, ...bars.map((b) => b.value + (b.err ?? 0)));
  const yt = niceTicks(lo, hi === lo ? lo + 1 : hi, 6);
  const [yMin, yMax] = [yt.ticks[0], yt.ticks.at(-1)];
  const fmt = tickFormat(yt.step);

  const top = title ? 32 : 12;
  const x1 = width - 12;
  const longest = Math.max(0, ...names.map((n) => n.length)) * CHAR_W;
  let x0 = 22 + (yLabel ? 14 : 0) + CHAR_W * Math.max(1, ...yt.ticks.map((t) => fmt(t).length));
  let slot = bars.length ? (x1 - x0) / bars.length : x1 - x0;
  const tilt = longest > slot - 4;
  // A tilted first name reaches left of its bar by about longest * cos(35 deg): keep it inside.
  const reach = tilt && bars.length ? longest * 0.82 - slot / 2 - x0 + 4 : 0;
  if (reach > 0) {
    x0 += Math.min(reach, width * 0.25);
    slot = (x1 - x0) / bars.length;
  }
  const labelH = tilt ? Math.min(height * 0.4, longest * 0.6 + 10) : 18;
  const y0 = height - 16 - labelH - (xLabel ? 16 : 0);
  const y1 = top;
  const sy = (v) => y0 - ((v - yMin) / (yMax - yMin)) * (y0 - y1);
  const zero = sy(0);

  const desc = `Bar chart${title ? ` "${title}"` : ''}: ${bars.map((b, i) => `${names[i]} ${b.value}${b.err ? ` ± ${b.err}` : ''}`).join('; ')}.`;
  const out = open(width, height, title, desc);
  frame(out, { x0, x1, y0, y1, ticks: yt.ticks, fmt, sy, title, yLabel, width });
  out.push('<g class="wt-bars">');
  bars.forEach((b, i) => {
    const color = b.color ?? (b.value < 0 ? PALETTE[3] : PALETTE[0]);
    const cx = x0 + slot * (i + 0.5);
    const bw = Math.max(2, Math.min(48, slot * 0.62));
    const yv = sy(b.value);
    out.push(`<g class="wt-bar-group"><title>${escapeXml(`${names[i]}: ${b.value}${b.err ? ` ± ${b.err}` : ''}`)}</title>` +
      `<rect class="wt-bar" x="${f2(cx - bw / 2)}" y="${f2(Math.min(yv, zero))}" width="${f2(bw)}" height="${f2(Math.abs(zero - yv))}" fill="${escapeXml(color)}"/>`);
    if (b.err) {
      const [ya, yb] = [sy(b.value + b.err), sy(b.value - b.err)];
      const cap = Math.min(8, bw / 3);
      out.push(`<path class="wt-errorbar" d="M${f2(cx)},${f2(ya)}V${f2(yb)}M${f2(cx - cap)},${f2(ya)}H${f2(cx + cap)}M${f2(cx - cap)},${f2(yb)}H${f2(cx + cap)}" stroke="#222" stroke-width="1.5" fill="none"/>`);
    }
    const ly = y0 + 14;
    out.push(tilt
      ? `<text class="wt-xtick" transform="translate(${f2(cx)} ${f2(ly - 4)}) rotate(-35)" text-anchor="end" fill="#333">${escapeXml(names[i])}</text>`
      : `<text class="wt-xtick" x="${f2(cx)}" y="${f2(ly)}" text-anchor="middle" fill="#333">${escapeXml(names[i])}</text>`);
    out.push('</g>');
  });
  out.push('</g>');
  out.push(`<line class="wt-zero" x1="${f2(x0)}" x2="${f2(x1)}" y1="${f2(zero)}" y2="${f2(zero)}" stroke="#333"/>`);
  if (xLabel) out.push(`<text class="wt-xlabel" x="${f2((x0 + x1) / 2)}" y="${f2(height - 8)}" text-anchor="middle" fill="#333">${escapeXml(xLabel)}</text>`);
  out.push('</svg>');
  return out.join('\n');
}
