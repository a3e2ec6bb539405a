// Preset data sets, generated from a fixed seed so a preset is the same
// every time (and the same fit the CLI gets from the page's CSV).

function rng(seed) {
  // mulberry32: small, seedable, good enough for scatter plots.
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(u) {
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

const r4 = (v) => Math.round(v * 1e4) / 1e4;

export const PRESETS = {
  moons() {
    const u = rng(1);
    const g = gaussian(u);
    const points = [];
    for (let k = 0; k < 120; k++) {
      const cls = k % 2;
      const t = Math.PI * u();
      const [x, y] = cls === 0 ? [Math.cos(t), Math.sin(t)] : [1 - Math.cos(t), 0.5 - Math.sin(t)];
      points.push({ x: r4(0.45 * (x - 0.5) + 0.06 * g()), y: r4(0.45 * (y - 0.25) + 0.06 * g()), cls });
    }
    return { task: 'Svc', points };
  },
  circles() {
    const u = rng(2);
    const g = gaussian(u);
    const points = [];
    for (let k = 0; k < 120; k++) {
      const cls = k % 2;
      const t = 2 * Math.PI * u();
      const r = cls === 0 ? 0.6 : 0.25;
      points.push({ x: r4(r * Math.cos(t) + 0.04 * g()), y: r4(r * Math.sin(t) + 0.04 * g()), cls });
    }
    return { task: 'Svc', points };
  },
  xor() {
    const u = rng(3);
    const points = [];
    for (let k = 0; k < 120; k++) {
      const x = 1.8 * u() - 0.9;
      const y = 1.35 * u() - 0.675;
      points.push({ x: r4(x), y: r4(y), cls: x * y > 0 ? 1 : 0 });
    }
    return { task: 'Svc', points };
  },
  sine() {
    const u = rng(4);
    const g = gaussian(u);
    const points = [];
    for (let k = 0; k < 40; k++) {
      const x = 1.9 * u() - 0.95;
      points.push({ x: r4(x), y: r4(0.45 * Math.sin(4 * x) + 0.08 * g()) });
    }
    return { task: 'Gp', points };
  },
};
