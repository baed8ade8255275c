'use strict';
/*
 * Shared helpers of the biggan4j dashboard pages. Every string that comes from a run (ids, file
 * names, class names, configuration, layer names) reaches the page through textContent or an
 * attribute, never through innerHTML; charts draw on a canvas and their tooltips render as rich
 * text on the canvas too, so run data is never parsed as HTML.
 */
const B4J = (() => {
  /** An element with attributes ({text: ...} sets textContent, {class: ...} the class) and children. */
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null) continue;
      if (k === 'text') e.textContent = String(v);
      else if (k === 'class') e.className = v;
      else e.setAttribute(k, String(v));
    }
    for (const c of children) e.append(c); // strings become text nodes
    return e;
  }

  async function getJson(url) {
    const r = await fetch(url, { cache: 'no-store', credentials: 'same-origin' });
    if (!r.ok) throw new Error('HTTP ' + r.status + ' for ' + url.split('?')[0]);
    return r.json();
  }

  function q(params) {
    return Object.entries(params).map(([k, v]) => encodeURIComponent(k) + '=' + encodeURIComponent(v)).join('&');
  }
  const runUrl = id => '/run?' + q({ id });
  const fileUrl = (id, path) => '/api/file?' + q({ id, path });
  const compareUrl = ids => '/compare?' + ids.map(id => q({ run: id })).join('&');

  /** A number for people: a few significant digits, or an em dash. */
  function fmt(v, digits = 4) {
    if (v === null || v === undefined || typeof v !== 'number' || !isFinite(v)) return '\u2014';
    if (v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3)) return v.toExponential(2);
    return String(Number(v.toPrecision(digits)));
  }

  function ago(iso) {
    const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
    if (!isFinite(s) || Date.parse(iso) <= 0) return '\u2014';
    if (s < 120) return Math.round(s) + ' s ago';
    if (s < 7200) return Math.round(s / 60) + ' min ago';
    if (s < 172800) return Math.round(s / 3600) + ' h ago';
    return Math.round(s / 86400) + ' d ago';
  }

  /**
   * A JSONL file of a run read incrementally: each poll asks for what the file gained since the
   * last offset; a reset (the run was resumed and its file rewritten) starts over.
   */
  class Tail {
    constructor(id, file) { this.id = id; this.file = file; this.offset = 0; this.generation = ''; }
    async poll() {
      const records = [];
      let reset = false;
      for (let i = 0; i < 100; i++) {
        const c = await getJson('/api/tail?' + q({ id: this.id, file: this.file, offset: this.offset,
          generation: this.generation }));
        if (c.reset) { records.length = 0; reset = true; }
        records.push(...c.records);
        this.offset = c.offset;
        this.generation = c.generation;
        if (!c.more) break;
      }
      return { records, reset };
    }
  }

  /** Runs fn now and then every ms after it settles; failures show on the connection line and are retried. */
  function every(ms, fn) {
    const line = document.getElementById('connection');
    const tick = async () => {
      try {
        await fn();
        if (line) { line.textContent = 'Updated ' + new Date().toLocaleTimeString(); line.classList.remove('down'); }
      } catch (e) {
        if (line) { line.textContent = 'Cannot reach the server (' + e.message + '); retrying\u2026'; line.classList.add('down'); }
      }
      setTimeout(tick, ms);
    };
    tick();
  }

  /** A numeric value of a record, or undefined ("NaN" strings and missing keys). */
  function num(v) { return typeof v === 'number' && isFinite(v) ? v : undefined; }

  /** The page header (brand, navigation, connection line), the same on every page. */
  function header() {
    const links = [['/', 'Runs'], ['/sampler', 'Sampler']].map(([href, text]) =>
      el('a', { href, text, class: location.pathname === href ? 'active' : null, id: text === 'Sampler' ? 'sampler' : null }));
    document.getElementById('top').replaceChildren(el('span', { class: 'brand', text: 'biggan4j' }),
      el('nav', {}, ...links), el('span', { id: 'connection', class: 'connection' }));
  }
  header();

  /**
   * One chart in a div of its own (id chart-NAME, hidden until it has data) in a container: series of [iteration, value] points, optional log axis, a right axis for
   * percentages, and collapse decisions as dashed vertical lines.
   */
  class Chart {
    constructor(container, name, title, opts = {}) {
      const div = el('div', { class: 'chart hidden', id: 'chart-' + name });
      container.append(div);
      this.div = div;
      this.opts = opts;
      this.chart = echarts.init(div, null, { renderer: 'canvas' });
      this.title = title;
      window.addEventListener('resize', () => this.chart.resize());
    }
    /** defs: [{name, data, width, color, dash, right}], markers: [{iteration, label}]. */
    update(defs, markers = [], legendOnly = null) {
      const hidden = this.div.classList.contains('hidden');
      this.div.classList.toggle('hidden', defs.length === 0);
      if (defs.length === 0) return;
      if (hidden) this.chart.resize();
      const right = defs.some(d => d.right);
      const series = defs.map((d, i) => ({
        name: d.name, type: 'line', data: d.data, showSymbol: d.data.length < 40, symbolSize: 4,
        sampling: d.data.length > 2000 ? 'lttb' : undefined, yAxisIndex: d.right ? 1 : 0, z: d.z || 2,
        lineStyle: { width: d.width || 1.5, type: d.dash ? 'dashed' : 'solid', color: d.color },
        itemStyle: d.color ? { color: d.color } : undefined,
        markLine: i === 0 && markers.length ? {
          symbol: 'none', silent: true, animation: false,
          lineStyle: { color: '#d62728', type: 'dashed', width: 1.2 },
          label: { formatter: '{b}', color: '#d62728', fontSize: 10 },
          data: markers.map(m => ({ xAxis: m.iteration, name: m.label })),
        } : undefined,
      }));
      const yAxis = [{ type: this.opts.log ? 'log' : 'value', scale: true, name: this.opts.yName || '',
        nameTextStyle: { align: 'left' }, splitLine: { lineStyle: { color: '#eee' } } }];
      if (right) yAxis.push({ type: 'value', min: 0, max: 100, name: this.opts.rightName || '', splitLine: { show: false } });
      this.chart.setOption({
        animation: false,
        title: { text: this.title, left: 10, top: 6, textStyle: { fontSize: 13, fontWeight: 600 } },
        tooltip: { trigger: 'axis', renderMode: 'richText', confine: true },
        legend: { type: 'scroll', top: 28, left: 10, right: 10, textStyle: { fontSize: 11 },
          data: legendOnly || defs.map(d => d.name) },
        grid: { left: 58, right: right ? 50 : 22, top: 66, bottom: 36 },
        xAxis: { type: 'value', name: 'iteration', nameLocation: 'middle', nameGap: 24, min: 'dataMin', max: 'dataMax',
          minInterval: 1,
          splitLine: { lineStyle: { color: '#eee' } } },
        yAxis,
        dataZoom: [{ type: 'inside', xAxisIndex: 0 }],
        series,
      }, { replaceMerge: ['series', 'yAxis', 'legend'] });
    }
  }

  return { el, getJson, q, runUrl, fileUrl, compareUrl, fmt, ago, Tail, every, num, Chart };
})();
