'use strict';
/* Runs overlaid on the same charts: /compare?run=A&run=B (or ?runs=A,B). */
(() => {
  const { el, num } = B4J;
  const params = new URLSearchParams(location.search);
  const ids = [...params.getAll('run'), ...(params.get('runs') || '').split(',')].filter(s => s.length > 0)
    .filter((v, i, all) => all.indexOf(v) === i);
  const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
  const color = i => PALETTE[i % PALETTE.length];
  const list = document.getElementById('runs');
  list.replaceChildren(...ids.map((id, i) => el('li', {},
    el('span', { class: 'badge', style: 'background:' + color(i), text: String(i + 1) }), ' ',
    el('a', { href: B4J.runUrl(id), text: id }))));

  const CHARTS = {
    losses: { title: 'Losses (D solid, G dashed)', keys: ['d_loss', 'g_loss'] },
    fid: { title: 'FID', keys: ['fid'] },
    accuracy: { title: 'Class accuracy (%)', keys: ['class_accuracy'] },
    grad: { title: 'Gradient norms (D solid, G dashed)', keys: ['grad_norm_d', 'grad_norm_g'], log: true },
    lr: { title: 'Learning rates (D solid, G dashed)', keys: ['lr_d', 'lr_g'] },
    speed: { title: 'Speed (images/s)', keys: ['images_per_sec'] },
  };
  const container = document.getElementById('charts');
  const charts = {};
  for (const [name, c] of Object.entries(CHARTS)) charts[name] = new B4J.Chart(container, name, c.title, c);
  const sigma = new B4J.Chart(container, 'sigma', "\u03c3\u2080 of G's first layer", { log: true });

  const runs = ids.map(id => ({ id, metrics: new Map(), sigma: [], firstLayer: null,
    tail: new B4J.Tail(id, 'metrics'), spectra: new B4J.Tail(id, 'spectra') }));

  function draw() {
    for (const [name, c] of Object.entries(CHARTS)) {
      const defs = [];
      runs.forEach((r, i) => c.keys.forEach(k => {
        if (r.metrics.has(k)) defs.push({ name: r.id + ': ' + k, data: r.metrics.get(k), color: color(i), dash: k.endsWith('_g') || k === 'g_loss' });
      }));
      charts[name].update(defs);
    }
    const defs = runs.map((r, i) => ({ name: r.id + ': ' + (r.firstLayer || ''), data: r.sigma, color: color(i), width: 2 }))
      .filter(d => d.data.length > 0);
    sigma.update(defs);
  }

  B4J.every(2000, async () => {
    let changed = false;
    for (const r of runs) {
      if (r.firstLayer === null) r.firstLayer = (await B4J.getJson('/api/run?' + B4J.q({ id: r.id }))).firstLayer || '';
      const m = await r.tail.poll();
      if (m.reset) r.metrics.clear();
      for (const rec of m.records) {
        const it = num(rec.iteration);
        if (it === undefined) continue;
        for (const [k, v] of Object.entries(rec)) {
          const x = num(v);
          if (x === undefined || k === 'iteration') continue;
          if (!r.metrics.has(k)) r.metrics.set(k, []);
          r.metrics.get(k).push([it, k === 'class_accuracy' ? 100 * x : x]);
        }
      }
      const s = await r.spectra.poll();
      if (s.reset) r.sigma = [];
      for (const rec of s.records) {
        const v = rec.layers && Array.isArray(rec.layers[r.firstLayer]) ? num(rec.layers[r.firstLayer][0]) : undefined;
        if (v !== undefined && v > 0) r.sigma.push([rec.iteration, v]);
      }
      changed = changed || m.records.length > 0 || m.reset || s.records.length > 0 || s.reset;
    }
    if (changed) draw();
  });
})();
