'use strict';
/*
 * A run's live page: metrics, spectra and collapse decisions are read incrementally from the
 * run's JSONL files (short polling from a byte offset), so the page keeps up while the run trains
 * and picks up again after either side restarts.
 */
(() => {
  const { el, fmt, num } = B4J;
  const id = new URLSearchParams(location.search).get('id') || '';
  document.getElementById('title').textContent = id;
  document.title = id + ' \u2014 biggan4j';

  /** Which metrics keys each chart shows. */
  const GROUPS = {
    losses: { title: 'Losses', keys: k => k === 'd_loss' || k === 'g_loss' || k.startsWith('d_loss_') },
    outputs: { title: 'D outputs on real and fake', keys: k => k === 'd_real' || k === 'd_fake' },
    penalties: { title: 'Penalties', keys: k => k.startsWith('d_penalty_') || k.startsWith('g_penalty_') },
    lr: { title: 'Learning rates', keys: k => k.startsWith('lr_') },
    grad: { title: 'Gradient norms', keys: k => k.startsWith('grad_norm_'), log: true },
    quality: { title: 'FID, KID and class accuracy', keys: k => k === 'fid' || k === 'kid' || k === 'class_accuracy',
      rightName: 'class acc. %' },
    speed: { title: 'Speed (images/s)', keys: k => k === 'images_per_sec' },
  };
  const container = document.getElementById('charts');
  const charts = {};
  for (const [name, g] of Object.entries(GROUPS)) charts[name] = new B4J.Chart(container, name, g.title, g);
  const spectraG = new B4J.Chart(container, 'spectra-g', 'G: \u03c3\u2080 of every weight', { log: true });
  const spectraD = new B4J.Chart(container, 'spectra-d', 'D: \u03c3\u2080 of every weight', { log: true });

  const metrics = new Map();   // key -> [[iteration, value], ...]
  const spectra = new Map();   // layer -> [[iteration, sigma0], ...]
  let decisions = [];
  let firstLayer = '';
  const tails = { metrics: new B4J.Tail(id, 'metrics'), spectra: new B4J.Tail(id, 'spectra'),
    health: new B4J.Tail(id, 'health') };

  function addMetrics(records) {
    for (const r of records) {
      const it = num(r.iteration);
      if (it === undefined) continue;
      for (const [k, v] of Object.entries(r)) {
        const x = num(v);
        if (k === 'iteration' || x === undefined) continue;
        if (!metrics.has(k)) metrics.set(k, []);
        metrics.get(k).push([it, k === 'class_accuracy' ? 100 * x : x]);
      }
    }
  }

  function addSpectra(records) {
    for (const r of records) {
      const it = num(r.iteration);
      if (it === undefined || !r.layers || typeof r.layers !== 'object') continue;
      for (const [layer, values] of Object.entries(r.layers)) {
        const s0 = Array.isArray(values) ? num(values[0]) : undefined;
        if (s0 === undefined || s0 <= 0) continue;
        if (!spectra.has(layer)) spectra.set(layer, []);
        spectra.get(layer).push([it, s0]);
      }
    }
  }

  const markers = () => decisions.filter(d => d.event === 'collapse' && num(d.iteration) !== undefined)
    .map(d => ({ iteration: d.iteration, label: 'collapse: ' + String(d.action || '') }));

  function drawMetrics() {
    for (const [name, g] of Object.entries(GROUPS)) {
      const keys = [...metrics.keys()].filter(g.keys).sort();
      charts[name].update(keys.map(k => ({ name: k, data: metrics.get(k), right: k === 'class_accuracy',
        width: k === 'd_loss' || k === 'g_loss' ? 2 : 1.2 })), markers());
    }
  }

  function drawSpectra(chart, prefix, highlight) {
    const layers = [...spectra.keys()].filter(k => k.startsWith(prefix));
    layers.sort((a, b) => (b === highlight) - (a === highlight));
    const defs = layers.map((k, i) => k === highlight
      ? { name: k + ' (first layer)', data: spectra.get(k), width: 3.5, color: '#d62728', z: 10 }
      : { name: k, data: spectra.get(k), width: 1, color: 'hsl(' + (30 + (i * 47) % 300) + ',40%,55%)' }); // never the highlight's red
    const legend = defs.length <= 12 ? null : defs.filter(d => d.width > 1).map(d => d.name);
    chart.update(defs, markers(), legend);
  }

  function drawDecisions() {
    const box = document.getElementById('decisions');
    if (decisions.length === 0) return;
    const rows = decisions.map(d => el('tr', {},
      el('td', { text: String(d.iteration) }), el('td', { text: String(d.event || '') }),
      el('td', { text: String(d.action || '') }),
      el('td', { text: String(d.summary || '') + (d.reason ? ' (' + String(d.reason) + ')' : '') }),
      el('td', { text: String(d.checkpoint || d.to_iteration || '') })));
    box.className = '';
    box.replaceChildren(el('table', { class: 'plain' },
      el('thead', {}, el('tr', {}, ...['iteration', 'event', 'action', 'evidence', 'checkpoint'].map(h => el('th', { text: h })))),
      el('tbody', {}, ...rows)));
  }

  // Sample sheets: a slider over every sheet, following the newest unless the user moved it back.
  let sheets = [];
  const slider = document.getElementById('sheet-slider');
  const follow = document.getElementById('sheet-follow');
  function showSheet() {
    const img = document.getElementById('sheet');
    const label = document.getElementById('sheet-label');
    if (sheets.length === 0) { img.hidden = true; label.textContent = 'no sheet yet'; return; }
    const s = sheets[Number(slider.value)];
    label.textContent = 'iteration ' + s.iteration + ' (' + (Number(slider.value) + 1) + ' of ' + sheets.length + ')';
    const src = B4J.fileUrl(id, s.path);
    if (img.getAttribute('src') !== src) img.setAttribute('src', src);
    img.setAttribute('alt', 'sample sheet at iteration ' + s.iteration);
    // Small sheets (tiny models, 32 px samples) are shown twice as large, pixel for pixel.
    img.onload = () => { img.style.width = img.naturalWidth < 480 ? 2 * img.naturalWidth + 'px' : ''; };
    img.hidden = false;
  }
  slider.addEventListener('input', () => { follow.checked = Number(slider.value) === sheets.length - 1; showSheet(); });
  follow.addEventListener('change', () => { if (follow.checked) { slider.value = String(sheets.length - 1); showSheet(); } });

  function showDetails(d) {
    const s = d.summary;
    const acc = typeof s.classAccuracy === 'number' ? fmt(100 * s.classAccuracy, 3) + ' %' : '\u2014';
    document.getElementById('summary').replaceChildren(
      el('div', {}, el('span', { class: 'badge ' + s.status, title: s.reason, text: s.status })),
      el('div', {}, el('span', { class: 'label', text: 'iteration' }), (s.iterations > 0 ? s.iteration + ' / ' + s.iterations : String(s.iteration))),
      el('div', {}, el('span', { class: 'label', text: 'it/s' }), fmt(s.iterationsPerSecond, 3)),
      el('div', {}, el('span', { class: 'label', text: 'images/s' }), fmt(s.imagesPerSecond, 3)),
      el('div', {}, el('span', { class: 'label', text: 'FID' }), fmt(s.fid)),
      el('div', {}, el('span', { class: 'label', text: 'class accuracy' }), acc),
      el('div', {}, el('span', { class: 'label', text: 'last write' }), B4J.ago(s.lastWrite)),
      s.status === 'training' ? '' : el('div', { class: 'muted', text: s.reason }));
    document.getElementById('config').textContent = d.config || '(no config.yaml)';
    const prov = document.querySelector('#provenance tbody');
    const entries = d.provenance ? Object.entries(d.provenance) : [];
    if (d.checkpoint) entries.unshift(['checkpoint', d.checkpoint]);
    if (d.headerError) entries.push(['error', d.headerError]);
    prov.replaceChildren(...(entries.length ? entries : [['', 'no checkpoint yet']])
      .map(([k, v]) => el('tr', {}, el('th', { text: k }), el('td', { text: String(v) }))));
    const names = d.classNames || [];
    document.getElementById('classes').replaceChildren(...(names.length ? names.map((n, i) =>
      el('span', { title: 'class ' + i, text: n })) : [el('em', { class: 'muted', text: 'none recorded' })]));
    document.getElementById('sampler').setAttribute('href', d.checkpoint
      ? '/sampler?' + B4J.q({ checkpoint: id + '/' + d.checkpoint.replace(/^checkpoints\//, '') }) : '/sampler');
    firstLayer = d.firstLayer || '';
    const grew = d.sheets.length !== sheets.length;
    sheets = d.sheets;
    slider.max = String(Math.max(0, sheets.length - 1));
    if (follow.checked || grew && Number(slider.value) >= sheets.length) slider.value = String(Math.max(0, sheets.length - 1));
    showSheet();
  }

  let tick = 0;
  B4J.every(1500, async () => {
    if (tick++ % 3 === 0) showDetails(await B4J.getJson('/api/run?' + B4J.q({ id })));
    const m = await tails.metrics.poll();
    if (m.reset) metrics.clear();
    addMetrics(m.records);
    const s = await tails.spectra.poll();
    if (s.reset) spectra.clear();
    addSpectra(s.records);
    const h = await tails.health.poll();
    if (h.reset) decisions = [];
    decisions.push(...h.records);
    if (m.records.length || m.reset || h.records.length || h.reset) drawMetrics();
    if (s.records.length || s.reset || h.records.length || h.reset) {
      drawSpectra(spectraG, 'G.', firstLayer);
      drawSpectra(spectraD, 'D.', '');
    }
    if (h.records.length || h.reset) drawDecisions();
  });
})();
