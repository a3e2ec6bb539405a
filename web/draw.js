// Drawing on the 4:3 canvas whose world is x in [-1, 1], y in [-0.75, 0.75].

const GX = 128; // heat-map cells across
const GY = 96; // and down
const LINE = 240; // regression curve samples

export const GRID = {
  // Cell centres of the heat map, row by row from the top.
  plane() {
    const xs = new Float64Array(2 * GX * GY);
    for (let j = 0; j < GY; j++) {
      for (let i = 0; i < GX; i++) {
        xs[2 * (j * GX + i)] = -1 + (2 * (i + 0.5)) / GX;
        xs[2 * (j * GX + i) + 1] = 0.75 - (1.5 * (j + 0.5)) / GY;
      }
    }
    return xs;
  },
  line() {
    return Float64Array.from({ length: LINE }, (_, i) => -1 + (2 * i) / (LINE - 1));
  },
};

const A = [52, 120, 220];
const B = [232, 110, 40];

const px = (ctx, x) => ((x + 1) / 2) * ctx.canvas.width;
const py = (ctx, y) => ((0.75 - y) / 1.5) * ctx.canvas.height;

function clear(ctx) {
  ctx.setLineDash([]);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
}

// The decision function as colour: A's blue below zero, B's orange above,
// paler near the boundary.
function heatMap(ctx, values) {
  const off = document.createElement('canvas');
  off.width = GX;
  off.height = GY;
  const octx = off.getContext('2d');
  const img = octx.createImageData(GX, GY);
  for (let k = 0; k < GX * GY; k++) {
    const t = Math.tanh(values[k] / 1.5);
    const c = t < 0 ? A : B;
    const w = 0.15 + 0.45 * Math.abs(t);
    for (let ch = 0; ch < 3; ch++) img.data[4 * k + ch] = Math.round(255 * (1 - w) + c[ch] * w);
    img.data[4 * k + 3] = 255;
  }
  octx.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(off, 0, 0, ctx.canvas.width, ctx.canvas.height);
}

// Marching squares: the segments where the grid values cross `level`.
function contour(values, level) {
  const segments = [];
  const at = (i, j) => values[j * GX + i] - level;
  const cx = (i) => -1 + (2 * (i + 0.5)) / GX;
  const cy = (j) => 0.75 - (1.5 * (j + 0.5)) / GY;
  for (let j = 0; j + 1 < GY; j++) {
    for (let i = 0; i + 1 < GX; i++) {
      const corners = [[i, j], [i + 1, j], [i + 1, j + 1], [i, j + 1]];
      const crossings = [];
      for (let e = 0; e < 4; e++) {
        const [ia, ja] = corners[e];
        const [ib, jb] = corners[(e + 1) % 4];
        const va = at(ia, ja);
        const vb = at(ib, jb);
        if ((va < 0) !== (vb < 0)) {
          const t = va / (va - vb);
          crossings.push([cx(ia) + t * (cx(ib) - cx(ia)), cy(ja) + t * (cy(jb) - cy(ja))]);
        }
      }
      for (let c = 0; c + 1 < crossings.length; c += 2) segments.push([crossings[c], crossings[c + 1]]);
    }
  }
  return segments;
}

function strokeContour(ctx, values, level, style, dash, width = 1.5) {
  ctx.save();
  ctx.strokeStyle = style;
  ctx.lineWidth = width;
  ctx.setLineDash(dash);
  ctx.beginPath();
  for (const [[x0, y0], [x1, y1]] of contour(values, level)) {
    ctx.moveTo(px(ctx, x0), py(ctx, y0));
    ctx.lineTo(px(ctx, x1), py(ctx, y1));
  }
  ctx.stroke();
  ctx.restore();
}

export function drawClassifier(ctx, points, reply) {
  clear(ctx);
  if (reply) {
    const v = reply.exact.values;
    heatMap(ctx, v);
    strokeContour(ctx, v, 0, '#222', [], 2);
    strokeContour(ctx, v, -1, '#333', [6, 4]);
    strokeContour(ctx, v, 1, '#333', [6, 4]);
    if (reply.approx) strokeContour(ctx, reply.approx.values, 0, '#7a1fa2', [3, 3], 2.5);
  }
  const support = new Set(reply ? reply.exact.support : []);
  points.forEach((p, k) => {
    const [x, y] = [px(ctx, p.x), py(ctx, p.y)];
    ctx.beginPath();
    ctx.arc(x, y, 4.5, 0, 2 * Math.PI);
    ctx.fillStyle = `rgb(${(p.cls ? B : A).join(',')})`;
    ctx.fill();
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 1;
    ctx.stroke();
    if (support.has(k)) {
      ctx.beginPath();
      ctx.arc(x, y, 8, 0, 2 * Math.PI);
      ctx.strokeStyle = '#111';
      ctx.lineWidth = 1.5;
      ctx.stroke();
    }
  });
  ctx.canvas.dataset.drawn = reply ? 'classifier' : 'points';
}

function polyline(ctx, xs, ys, style, width, dash = []) {
  ctx.save();
  ctx.strokeStyle = style;
  ctx.lineWidth = width;
  ctx.setLineDash(dash);
  ctx.beginPath();
  xs.forEach((x, i) => (i ? ctx.lineTo : ctx.moveTo).call(ctx, px(ctx, x), py(ctx, ys[i])));
  ctx.stroke();
  ctx.restore();
}

// The band mean ± 2σ as one filled polygon.
function band(ctx, xs, mean, std, fill) {
  ctx.beginPath();
  xs.forEach((x, i) => (i ? ctx.lineTo : ctx.moveTo).call(ctx, px(ctx, x), py(ctx, mean[i] + 2 * std[i])));
  for (let i = xs.length - 1; i >= 0; i--) ctx.lineTo(px(ctx, xs[i]), py(ctx, mean[i] - 2 * std[i]));
  ctx.closePath();
  ctx.fillStyle = fill;
  ctx.fill();
}

export const BAND_FILL = 'rgba(52, 120, 220, 0.22)';

export function drawRegression(ctx, points, reply) {
  clear(ctx);
  ctx.strokeStyle = '#ddd';
  ctx.beginPath();
  ctx.moveTo(0, py(ctx, 0));
  ctx.lineTo(ctx.canvas.width, py(ctx, 0));
  ctx.stroke();
  let drawn = 'points';
  if (reply) {
    const xs = reply.msg.grid;
    const e = reply.exact;
    if (e.std) {
      band(ctx, xs, e.values, e.std, BAND_FILL);
      drawn = 'gp-band';
    }
    if (e.samples) {
      const n = xs.length;
      for (let s = 0; s < e.samples.length / n; s++) {
        polyline(ctx, xs, e.samples.subarray(s * n, (s + 1) * n), 'rgba(52, 120, 220, 0.55)', 1);
      }
    }
    polyline(ctx, xs, e.values, 'rgb(20, 70, 160)', 2.5);
    const a = reply.approx;
    if (a) {
      if (a.std) {
        polyline(ctx, xs, a.values.map((m, i) => m + 2 * a.std[i]), '#7a1fa2', 1, [3, 3]);
        polyline(ctx, xs, a.values.map((m, i) => m - 2 * a.std[i]), '#7a1fa2', 1, [3, 3]);
      }
      polyline(ctx, xs, a.values, '#7a1fa2', 2.5, [6, 4]);
    }
    if (drawn === 'points') drawn = 'curve';
  }
  for (const p of points) {
    ctx.beginPath();
    ctx.arc(px(ctx, p.x), py(ctx, p.y), 3.5, 0, 2 * Math.PI);
    ctx.fillStyle = '#111';
    ctx.fill();
  }
  ctx.canvas.dataset.drawn = drawn;
}
