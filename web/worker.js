// Fits in a worker so the page stays responsive whatever the fit costs.
// Messages in: { id, settings, xs, ys, grid, approx }; out: { id, ok, ... }.
import init, * as kern from './pkg/kern_web.js';

const ready = init();

function settingsOf(o) {
  const s = new kern.Settings();
  s.task = kern.Task[o.task];
  s.kernel = kern.KernelName[o.kernel];
  s.gamma = o.gamma;
  s.degree = o.degree;
  s.coef0 = o.coef0;
  s.c = o.c;
  s.alpha = o.alpha;
  s.noise = o.noise;
  s.optimize = o.optimize;
  s.components = o.components;
  s.seed = o.seed;
  return s;
}

// What the page draws of one model, exact or approximate.
function describe(model, msg, isExact) {
  const out = { summary: model.summary() };
  if (msg.settings.task === 'Gp') {
    // Mean, band and draws from one factorisation.
    const t = msg.grid.length;
    const band = model.band(msg.grid, isExact ? 3 : 0, 7);
    out.values = band.subarray(0, t);
    out.std = band.subarray(t, 2 * t);
    if (isExact) {
      out.lml = model.logMarginalLikelihood();
      out.samples = band.subarray(2 * t);
    }
  } else {
    out.values = model.decision(msg.grid);
  }
  if (msg.settings.task === 'Svc') {
    out.accuracy = model.accuracy(msg.xs, msg.ys);
    if (isExact) {
      out.nSv = model.nSv();
      out.support = Array.from(model.support());
    }
  } else {
    out.mse = model.mse(msg.xs, msg.ys);
  }
  return out;
}

self.onmessage = async (event) => {
  const msg = event.data;
  await ready;
  const settings = settingsOf(msg.settings);
  let exact = null;
  let approx = null;
  try {
    const t0 = performance.now();
    exact = kern.fit(settings, msg.xs, msg.ys);
    const fitMs = performance.now() - t0;
    const reply = { id: msg.id, ok: true, fitMs, exact: describe(exact, msg, true) };
    if (msg.approx) {
      const t1 = performance.now();
      try {
        approx = exact.approximate(kern.ApproxName[msg.approx], settings, msg.xs, msg.ys);
        reply.approxMs = performance.now() - t1;
        reply.approx = describe(approx, msg, false);
      } catch (e) {
        reply.approxError = String(e.message || e);
      }
    }
    reply.totalMs = performance.now() - t0;
    self.postMessage(reply);
  } catch (e) {
    // A trap (a Rust panic) leaves the module unusable: the page then starts a new worker.
    const crashed = e instanceof WebAssembly.RuntimeError;
    self.postMessage({ id: msg.id, ok: false, crashed, error: String(e.message || e) });
  } finally {
    settings.free();
    if (exact) exact.free();
    if (approx) approx.free();
  }
};
