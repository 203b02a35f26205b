// chart.test.mjs - web/lib/chart.js: the structure of the SVG strings (one path per series, one
// dot per finite point, one bar and error bar per bar, legend entries), text escaping, ticks that
// cover the data, negative bars below the zero line, and errors naming the bad argument.
import test from 'node:test';
import assert from 'node:assert/strict';
import { lineChart, barChart, niceTicks, escapeXml, PALETTE } from '../../web/lib/chart.js';
import { WasmTricksError } from '../../js/errors.js';

const count = (svg, re) => (svg.match(re) ?? []).length;
const attrs = (svg, cls, name) => [...svg.matchAll(new RegExp(`class="${cls}"[^>]*?\\b${name}="([-0-9.]+)"`, 'g'))].map((m) => Number(m[1]));
const texts = (svg, cls) => [...svg.matchAll(new RegExp(`class="${cls}"[^>]*>([^<]*)<`, 'g'))].map((m) => m[1]);

test('niceTicks: round steps whose ticks cover [min, max]', () => {
  for (const [min, max] of [[0, 1], [0.8312, 0.9177], [-3.2, 7.9], [0, 0], [5, 5], [1e-4, 3e-4], [-0.013, 0.021], [0, 937]]) {
    const { ticks, step } = niceTicks(min, max, 6);
    assert.ok(ticks[0] <= min && ticks.at(-1) >= max, `[${min}, ${max}] -> ${ticks}`);
    assert.ok(ticks.length >= 2 && ticks.length <= 12, `${ticks.length} ticks for [${min}, ${max}]`);
    const mantissa = step / 10 ** Math.floor(Math.log10(step));
    assert.ok([1, 2, 2.5, 5].some((m) => Math.abs(m - mantissa) < 1e-9), `step ${step}`);
    for (let i = 1; i < ticks.length; i++) assert.ok(Math.abs(ticks[i] - ticks[i - 1] - step) < step * 1e-9);
  }
  assert.deepEqual(niceTicks(0, 1, 6).ticks, [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.throws(() => niceTicks(2, 1), (e) => e instanceof WasmTricksError && /min <= max/.test(e.message));
  assert.throws(() => niceTicks(0, NaN), /finite/);
});

test('lineChart: one path per series, one dot per finite point, legend, accessible title', () => {
  const series = [
    { name: 'baseline', points: [[1, 0.80], [2, 0.85], [3, 0.87]] },
    { name: 'mixup', points: [[1, 0.78], [2, NaN], [3, 0.88]] },
    { name: 'cutmix', points: [[1, 0.79], [2, 0.86], [3, 0.89]], color: '#123456' },
  ];
  const svg = lineChart({ series, xLabel: 'epoch', yLabel: 'test accuracy', title: 'Fashion-MNIST', width: 600, height: 300 });
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]* role="img" aria-label="Fashion-MNIST"/);
  assert.match(svg, /<title>Fashion-MNIST<\/title>/);
  assert.match(svg, /<desc>Line chart &quot;Fashion-MNIST&quot;: 3 series \(baseline, mixup, cutmix\)/);
  assert.ok(svg.trimEnd().endsWith('</svg>'));
  assert.equal(count(svg, /class="wt-line"/g), 3);
  assert.equal(count(svg, /class="wt-point"/g), 8); // the NaN is a gap, not a dot
  const mixupPath = svg.match(/<title>mixup<\/title><path class="wt-line" d="([^"]+)"/)[1];
  assert.equal(count(mixupPath, /M/g), 2, 'a non-finite point breaks the line');
  assert.deepEqual(texts(svg, 'wt-legend-label'), ['baseline', 'mixup', 'cutmix']);
  assert.match(svg, /stroke="#123456"/);
  assert.match(svg, new RegExp(`stroke="${PALETTE[0]}"`));
  // y ticks cover the data and are evenly spaced; every dot lies inside the plot's y range
  const yt = texts(svg, 'wt-ytick').map(Number);
  assert.ok(yt[0] <= 0.78 && yt.at(-1) >= 0.89, `y ticks ${yt}`);
  const ys = attrs(svg, 'wt-ytick', 'y');
  const cys = attrs(svg, 'wt-point', 'cy');
  assert.ok(cys.every((y) => y <= Math.max(...ys) && y >= Math.min(...ys)));
  assert.deepEqual(texts(svg, 'wt-xtick'), ['1', '2', '3'], 'integer x (epochs) gets integer ticks');
  assert.equal(texts(svg, 'wt-xlabel')[0], 'epoch');
});

test('lineChart: yRange fixes the axis, markers can be switched off, more series than colours get dashes', () => {
  const series = Array.from({ length: 10 }, (_, i) => ({ name: `s${i}`, points: [[0, i / 10], [1, 2]] }));
  const svg = lineChart({ series, yRange: [0, 1], markers: false });
  assert.equal(count(svg, /class="wt-point"/g), 0);
  assert.equal(count(svg, /class="wt-line"/g), 10);
  const yt = texts(svg, 'wt-ytick').map(Number);
  assert.equal(yt[0], 0);
  assert.equal(yt.at(-1), 1);
  assert.ok(count(svg, /class="wt-line"[^>]*stroke-dasharray/g) >= 2, 'series 9 and 10 are dashed');
  const empty = lineChart({ series: [] });
  assert.match(empty, /no data yet/);
  assert.equal(count(empty, /class="wt-line"/g), 0);
});

test('text is escaped everywhere it appears', () => {
  const evil = '<script>alert("x")</script> & \'q\'';
  const svg = lineChart({ series: [{ name: evil, points: [[0, 1], [1, 2]] }], title: evil, xLabel: evil, yLabel: evil });
  assert.ok(!svg.includes('<script>'));
  assert.ok(!/alert\("x"\)/.test(svg));
  assert.ok(svg.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;'));
  const bars = barChart({ bars: [{ name: evil, value: 1 }], title: evil });
  assert.ok(!bars.includes('<script>'));
  assert.equal(escapeXml('a<b>&"\''), 'a&lt;b&gt;&amp;&quot;&#39;');
  // every attribute value is well formed: no raw quote inside any attribute
  for (const s of [svg, bars]) for (const tag of s.match(/<[^>]+>/g)) assert.match(tag, /^<\/?[a-zA-Z]+(\s+[a-zA-Z0-9:-]+="[^"<]*")*\s*\/?>$/, tag);
});

test('barChart: bars with error bars, negative values below the zero line', () => {
  const bars = [
    { name: '+ label smoothing', value: 0.52, err: 0.2 },
    { name: '+ mixup', value: -0.31, err: 0.15 },
    { name: '+ cutmix', value: 1.2 },
  ];
  const svg = barChart({ bars, xLabel: 'configuration', yLabel: 'delta (points)', title: 'Deltas vs baseline' });
  assert.equal(count(svg, /class="wt-bar"/g), 3);
  assert.equal(count(svg, /class="wt-errorbar"/g), 2);
  assert.match(svg, /<title>Deltas vs baseline<\/title>/);
  assert.match(svg, /aria-label="Deltas vs baseline"/);
  const zero = Number(svg.match(/class="wt-zero"[^>]*y1="([-0-9.]+)"/)[1]);
  const ys = attrs(svg, 'wt-bar', 'y');
  const hs = attrs(svg, 'wt-bar', 'height');
  assert.ok(Math.abs(ys[0] + hs[0] - zero) < 0.02, 'the positive bar ends at the zero line');
  assert.ok(Math.abs(ys[1] - zero) < 0.02, 'the negative bar starts at the zero line and goes down');
  assert.ok(hs[2] > hs[0] && hs[0] > hs[1], 'heights follow |value|');
  const yt = texts(svg, 'wt-ytick').map(Number);
  assert.ok(yt[0] <= -0.46 && yt.at(-1) >= 1.2 && yt.includes(0), `ticks ${yt} cover value ± err and 0`);
  assert.deepEqual(texts(svg, 'wt-xtick'), bars.map((b) => b.name));
});

test('lineChart: xLog puts 1-2-5 ticks on a log axis, error bars widen the y range', () => {
  const series = [{ name: 'mixup', points: [[1000, 2, 1.5], [4000, 1, 0.5], [10000, -1, 0]] }];
  const svg = lineChart({ series, xLog: true, title: 'size' });
  assert.deepEqual(texts(svg, 'wt-xtick'), ['1,000', '2,000', '5,000', '10,000']);
  const xs = [...svg.matchAll(/class="wt-xtick" x="([\d.]+)"/g)].map((m) => Number(m[1]));
  // equal ratios, equal distances: 1000 -> 10000 is log10(10) = 1; 1000 -> 2000 is log10(2) of it
  assert.ok(Math.abs((xs[1] - xs[0]) / (xs[3] - xs[0]) - Math.log10(2)) < 1e-3, `${xs}`);
  assert.equal((svg.match(/class="wt-errorbar"/g) ?? []).length, 2, 'no bar for a zero error');
  const yt = texts(svg, 'wt-ytick').map(Number);
  assert.ok(yt[0] <= -1 && yt.at(-1) >= 3.5, `y ticks ${yt} cover 2 + 1.5`);
  assert.throws(() => lineChart({ series: [{ name: 'a', points: [[0, 1]] }], xLog: true }), /xLog needs x > 0/);
  assert.match(lineChart({ series: [], xLog: true }), /no data yet/);
});

test('bad arguments throw WasmTricksError naming the argument', () => {
  const bad = [
    [() => lineChart({ series: 'x' }), /lineChart: series must be an array/],
    [() => lineChart({ series: [{ name: 'a', points: [[1]] }] }), /series\[0\]\.points\[0\] must be \[x, y\]/],
    [() => lineChart({ series: [], yRange: [1, 0] }), /yRange must be \[min, max\]/],
    [() => lineChart({ series: [], width: 10 }), /width must be a number >= 160/],
    [() => barChart({ bars: [{ name: 'a', value: NaN }] }), /bars\[0\]\.value must be a finite number/],
    [() => barChart({ bars: [{ name: 'a', value: 1, err: -1 }] }), /bars\[0\]\.err must be a number >= 0/],
    [() => barChart(null), /barChart: options must be an object/],
  ];
  for (const [fn, re] of bad) assert.throws(fn, (e) => e instanceof WasmTricksError && e.code === 'WT_ERR_ARG' && re.test(e.message));
});
