// drawpad.js - a drawing pad on a <canvas>: light strokes on a black ground, like Fashion-MNIST.
// Pointer input (mouse, pen, touch) and the keyboard (arrow keys move the pen, Space lifts or
// lowers it, Delete clears), so it works without a pointing device. Not here: what the drawing
// is used for (the pages read it with image()).

/**
 * @param {HTMLCanvasElement} canvas
 * @param {{ lineWidth?: number, onChange?: () => void }} [opts]
 * @returns {{ clear(): void, image(): { data, width, height }, isEmpty(): boolean, isDrawing(): boolean, stroke(points): void }}
 */
export function makeDrawPad(canvas, { lineWidth = canvas.width / 10, onChange = () => {} } = {}) {
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  let drawing = false;
  let empty = true;
  const pen = { x: canvas.width / 2, y: canvas.height / 2, down: false };

  function clear() {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    empty = true;
    onChange();
  }

  // A stroke is redrawn whole as one path over the pixels from before it, on every new point:
  // no alpha piling up where segments overlap, and the pixels do not depend on how many
  // pointer events the browser delivered along a line.
  let base = null;
  let points = [];
  function render() {
    ctx.putImageData(base, 0, 0);
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = lineWidth;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(points[0].x, points[0].y);
    for (const p of points.length > 1 ? points.slice(1) : points) ctx.lineTo(p.x, p.y);
    ctx.stroke();
    empty = false;
  }
  function begin(p) {
    base = ctx.getImageData(0, 0, canvas.width, canvas.height);
    points = [p];
    render();
  }
  function extend(p) {
    const q = points.at(-1);
    if (q && q.x === p.x && q.y === p.y) return;
    points.push(p);
    render();
  }

  const at = (e) => {
    const r = canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * canvas.width) / r.width, y: ((e.clientY - r.top) * canvas.height) / r.height };
  };

  canvas.addEventListener('pointerdown', (e) => {
    drawing = true;
    canvas.setPointerCapture(e.pointerId);
    begin(at(e));
    e.preventDefault();
  });
  canvas.addEventListener('pointermove', (e) => {
    if (drawing) extend(at(e));
  });
  const end = () => {
    if (!drawing) return;
    drawing = false;
    onChange();
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);

  // Keyboard drawing: a cursor element over the canvas (its parent is position: relative),
  // never painted into the pixels.
  const cursor = document.createElement('div');
  cursor.className = 'pad-cursor';
  cursor.hidden = true;
  cursor.setAttribute('aria-hidden', 'true');
  canvas.parentElement?.append(cursor);
  function drawCursor() {
    const show = document.activeElement === canvas;
    cursor.hidden = !show;
    if (!show) return;
    cursor.classList.toggle('down', pen.down);
    cursor.style.left = `${canvas.offsetLeft + (pen.x / canvas.width) * canvas.clientWidth}px`;
    cursor.style.top = `${canvas.offsetTop + (pen.y / canvas.height) * canvas.clientHeight}px`;
  }
  canvas.addEventListener('focus', drawCursor);
  canvas.addEventListener('blur', drawCursor);
  canvas.addEventListener('keydown', (e) => {
    const step = canvas.width / 28;
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (e.key in moves) {
      pen.x = Math.min(canvas.width, Math.max(0, pen.x + moves[e.key][0]));
      pen.y = Math.min(canvas.height, Math.max(0, pen.y + moves[e.key][1]));
      if (pen.down) { extend({ x: pen.x, y: pen.y }); onChange(); }
    } else if (e.key === ' ') {
      pen.down = !pen.down;
      if (pen.down) { begin({ x: pen.x, y: pen.y }); onChange(); }
    } else if (e.key === 'Delete' || e.key === 'Backspace') {
      clear();
    } else {
      return;
    }
    drawCursor();
    e.preventDefault();
  });

  clear();
  return {
    clear,
    isEmpty: () => empty,
    /** True while a pointer stroke is in progress (the drawing is not finished). */
    isDrawing: () => drawing,
    /** The drawing as RGBA ImageData-like bytes. */
    image() {
      const d = ctx.getImageData(0, 0, canvas.width, canvas.height);
      return { data: d.data, width: canvas.width, height: canvas.height };
    },
    /** Draws a polyline given in 0..1 coordinates (tests and demos). */
    stroke(points) {
      const px = points.map(([x, y]) => ({ x: x * canvas.width, y: y * canvas.height }));
      begin(px[0]);
      for (const p of px.slice(1)) extend(p);
      onChange();
    },
  };
}
