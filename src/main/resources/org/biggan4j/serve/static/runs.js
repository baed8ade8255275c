'use strict';
/* The runs page: a row per run, refreshed every few seconds; checkboxes pick runs to compare. */
(() => {
  const { el, fmt, ago } = B4J;
  const selected = new Set();
  const body = document.querySelector('#runs tbody');
  const button = document.getElementById('compare');
  button.addEventListener('click', () => { location.href = B4J.compareUrl([...selected]); });

  function row(r) {
    const box = el('input', { type: 'checkbox', 'aria-label': 'compare ' + r.id });
    box.checked = selected.has(r.id);
    box.addEventListener('change', () => {
      if (box.checked) selected.add(r.id); else selected.delete(r.id);
      button.disabled = selected.size < 2;
    });
    const iteration = r.iterations > 0 ? r.iteration + ' / ' + r.iterations : String(r.iteration);
    const accuracy = typeof r.classAccuracy === 'number' ? fmt(100 * r.classAccuracy, 3) + ' %' : '\u2014';
    const tr = el('tr', { 'data-run': r.id },
      el('td', {}, box),
      el('td', { class: 'name' }, el('a', { href: B4J.runUrl(r.id), text: r.id })),
      el('td', {}, el('span', { class: 'badge ' + r.status, title: r.reason, text: r.status }),
        el('div', { class: 'reason', text: r.reason })),
      el('td', { class: 'num', text: iteration }),
      el('td', { class: 'num', text: fmt(r.iterationsPerSecond, 3) }),
      el('td', { class: 'num', text: fmt(r.imagesPerSecond, 3) }),
      el('td', { class: 'num', text: fmt(r.fid) }),
      el('td', { class: 'num', text: accuracy }),
      el('td', { class: 'num', text: ago(r.lastWrite) }),
      el('td', { class: 'num', text: String(r.sheets) }),
      el('td', { class: 'num', text: String(r.checkpoints) }));
    return tr;
  }

  B4J.every(3000, async () => {
    const data = await B4J.getJson('/api/runs');
    body.replaceChildren(...data.runs.map(row));
    document.getElementById('empty').hidden = data.runs.length > 0;
    document.getElementById('checkpoints').textContent = data.checkpoints + ' checkpoint(s) can be opened in the sampler.';
    for (const id of [...selected]) if (!data.runs.some(r => r.id === id)) selected.delete(id);
    button.disabled = selected.size < 2;
  });
})();
