// The demo page: points, controls and drawing. Fitting happens in worker.js.
import { drawClassifier, drawRegression, GRID } from './draw.js';
import { PRESETS } from './presets.js';

const $ = (id) => document.getElementById(id);
const canvas = $('plot');
let worker = startWorker();

// World coordinates: x in [-1, 1], y in [-0.75, 0.75] (the canvas is 4:3).
const points = { Svc: [], Regression: [] };
const state = { scheduled: false, requested: 0, shown: 0, inFlight: false, pending: null, reply: null, message: null };

const SLIDERS = {
  c: (v) => 10 ** v, gamma: (v) => 10 ** v, degree: (v) => v, coef0: (v) => v,
  noise: (v) => 10 ** v, alpha: (v) => 10 ** v, components: (v) => v,
};

function settings() {
  const s = { task: $('task').value, kernel: $('kernel').value, optimize: $('optimize').checked, seed: 0 };
  for (const [name, map] of Object.entries(SLIDERS)) s[name] = map(Number($(name).value));
  return s;
}

const dataOf = (task) => points[task === 'Svc' ? 'Svc' : 'Regression'];

// Coordinates rounded to 4 decimals, so the CSV the page offers holds the
// very numbers that were fitted.
const round4 = (v) => Math.round(v * 1e4) / 1e4;

function toWorld(event) {
  const r = canvas.getBoundingClientRect();
  const px = ((event.clientX - r.left) / r.width) * canvas.width;
  const py = ((event.clientY - r.top) / r.height) * canvas.height;
  return [round4((px / canvas.width) * 2 - 1), round4(0.75 - (py / canvas.height) * 1.5)];
}

canvas.addEventListener('click', (event) => {
  const [x, y] = toWorld(event);
  const s = settings();
  if (s.task === 'Svc') points.Svc.push({ x, y, cls: event.shiftKey ? 1 : 0 });
  else points.Regression.push({ x, y });
  refit();
});

function arrays(s) {
  const data = dataOf(s.task);
  if (s.task === 'Svc') {
    return {
      xs: Float64Array.from(data.flatMap((p) => [p.x, p.y])),
      ys: Float64Array.from(data.map((p) => p.cls)),
    };
  }
  return { xs: Float64Array.from(data.map((p) => p.x)), ys: Float64Array.from(data.map((p) => p.y)) };
}

// Refits after the controls have been still for a moment; while a fit runs,
// only the latest request waits for it.
let timer;
function refit() {
  updateControls();
  clearTimeout(timer);
  state.scheduled = true;
  timer = setTimeout(send, 60);
}

function send() {
  state.scheduled = false;
  const s = settings();
  const data = dataOf(s.task);
  $('n-points').textContent = String(data.length);
  updateCli(s);
  state.requested += 1;
  if (data.length === 0) {
    state.pending = null;
    state.reply = null;
    state.shown = state.requested;
    setStatus('click to add points');
    redraw();
    return;
  }
  const { xs, ys } = arrays(s);
  const grid = s.task === 'Svc' ? GRID.plane() : GRID.line();
  const msg = { id: state.requested, settings: s, xs, ys, grid, approx: $('approx').value || null };
  if (state.inFlight) {
    state.pending = msg;
  } else {
    post(msg);
  }
}

function post(msg) {
  state.inFlight = true;
  state.message = msg;
  document.body.dataset.busy = 'true';
  setStatus(`fitting ${msg.xs.length / (msg.settings.task === 'Svc' ? 2 : 1)} points…`);
  worker.postMessage(msg);
}

function startWorker() {
  const w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  w.onmessage = onReply;
  w.onerror = (e) => setStatus(`worker: ${e.message}`, true);
  return w;
}

function onReply(event) {
  const reply = event.data;
  if (reply.crashed) {
    worker.terminate();
    worker = startWorker();
  }
  const msg = state.message;
  state.inFlight = false;
  if (state.pending) {
    const next = state.pending;
    state.pending = null;
    post(next);
  } else {
    document.body.dataset.busy = 'false';
  }
  // A fit overtaken by a clear is not shown.
  if (reply.id < state.shown) return;
  state.reply = reply.ok ? { ...reply, msg } : null;
  state.shown = reply.id;
  document.body.dataset.shown = String(reply.id);
  if (!reply.ok) {
    setStatus(reply.error, true);
    clearFigures();
    redraw();
    return;
  }
  if (reply.approxError) setStatus(`approximation: ${reply.approxError}`, true);
  else setStatus(state.inFlight ? 'fitting the latest change…' : 'ready');
  showFigures(reply, msg.settings);
  redraw();
}

function setStatus(text, isError = false) {
  $('status').textContent = text;
  $('status').classList.toggle('error', isError);
}

const fmt = (v, digits = 4) => (v === undefined || v === null ? '–' : Number(v).toPrecision(digits));

function clearFigures() {
  for (const id of ['fit-time', 'nsv', 'accuracy', 'mse', 'lml', 'summary', 'approx-figures']) $(id).textContent = '–';
}

function showFigures(reply, s) {
  const e = reply.exact;
  $('fit-time').textContent = `${reply.fitMs.toFixed(1)} ms`;
  $('nsv').textContent = e.nSv === undefined ? '–' : String(e.nSv);
  $('accuracy').textContent = e.accuracy === undefined ? '–' : `${(100 * e.accuracy).toFixed(2)} %`;
  $('mse').textContent = fmt(e.mse);
  $('lml').textContent = fmt(e.lml, 6);
  $('summary').textContent = e.summary;
  const a = reply.approx;
  $('approx-figures').textContent = !a ? '–'
    : `${a.summary}: ${s.task === 'Svc' ? `accuracy ${(100 * a.accuracy).toFixed(2)} %` : `MSE ${fmt(a.mse)}`}`
      + ` in ${reply.approxMs.toFixed(1)} ms`;
}

function redraw() {
  const s = settings();
  const ctx = canvas.getContext('2d');
  const r = state.reply && state.reply.msg.settings.task === s.task ? state.reply : null;
  if (s.task === 'Svc') drawClassifier(ctx, points.Svc, r);
  else drawRegression(ctx, points.Regression, r);
}

// Shows the controls that matter for the task and kernel.
function updateControls() {
  const s = settings();
  for (const el of document.querySelectorAll('[data-for]')) {
    el.classList.toggle('hidden', !el.dataset.for.split(' ').includes(s.task));
  }
  for (const el of document.querySelectorAll('[data-kernel]')) {
    el.classList.toggle('hidden', !el.dataset.kernel.split(' ').includes(s.kernel));
  }
  for (const name of Object.keys(SLIDERS)) {
    $(`${name}-out`).textContent = Number.isInteger(s[name]) ? String(s[name]) : fmt(s[name], 3);
  }
  document.querySelector('.approx-row').classList.toggle('hidden', !$('approx').value);
}

const KERNEL_NAMES = {
  Rbf: 'rbf', Laplacian: 'laplacian', Poly: 'poly', Linear: 'linear', Sigmoid: 'sigmoid',
  Matern12: 'matern12', Matern32: 'matern32', Matern52: 'matern52',
};

// The `kern fit` command that fits the same model to the CSV the page offers.
function cliCommand(s) {
  const args = ['kern fit points.csv', `--task ${s.task.toLowerCase()}`, `--kernel ${KERNEL_NAMES[s.kernel]}`];
  if (s.kernel.startsWith('Matern')) args.push(`--lengthscale ${1 / Math.sqrt(2 * s.gamma)}`);
  else if (s.kernel !== 'Linear') args.push(`--gamma ${s.gamma}`);
  if (s.kernel === 'Poly') args.push(`--degree ${s.degree}`);
  if (s.kernel === 'Poly' || s.kernel === 'Sigmoid') args.push(`--coef0 ${s.coef0}`);
  if (s.task === 'Svc') args.push(`-c ${s.c}`);
  if (s.task === 'Krr') args.push(`--alpha ${s.alpha}`);
  if (s.task === 'Gp' && !s.optimize) args.push(`--amplitude 1 --noise ${s.noise}`);
  if (s.task === 'Gp' && s.optimize) args.push('--restarts 0');
  args.push('-o points.model');
  return args.join(' ');
}

function pointsCsv(task) {
  if (task === 'Svc') {
    return `x1,x2,label\n${points.Svc.map((p) => `${p.x},${p.y},${p.cls ? 'B' : 'A'}`).join('\n')}\n`;
  }
  return `x,y\n${points.Regression.map((p) => `${p.x},${p.y}`).join('\n')}\n`;
}

function updateCli(s) {
  $('cli').textContent = cliCommand(s);
  $('csv-link').href = `data:text/csv;charset=utf-8,${encodeURIComponent(pointsCsv(s.task))}`;
}

for (const el of document.querySelectorAll('#controls select, #controls input')) {
  el.addEventListener(el.type === 'range' ? 'input' : 'change', refit);
}
for (const [id, make] of Object.entries(PRESETS)) {
  $(id).addEventListener('click', () => {
    const preset = make();
    if (preset.task === 'Svc') {
      points.Svc = preset.points;
      $('task').value = 'Svc';
    } else {
      points.Regression = preset.points;
      if ($('task').value === 'Svc') $('task').value = 'Gp';
    }
    refit();
  });
}
$('clear').addEventListener('click', () => {
  points[settings().task === 'Svc' ? 'Svc' : 'Regression'] = [];
  refit();
});

// For tests and the curious: the data, the settings and the last reply.
window.kernDemo = {
  points,
  settings,
  pointsCsv: () => pointsCsv(settings().task),
  cliCommand: () => cliCommand(settings()),
  lastReply: () => state.reply,
  idle: () => !state.scheduled && !state.inFlight && state.shown === state.requested,
};

updateControls();
refit();
