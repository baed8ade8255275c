// The sampler page. Every string that comes from the server (checkpoint ids, class names,
// commands, messages) is set with textContent or as an attribute value, never parsed as HTML.
(function () {
  'use strict';

  const $ = (id) => document.getElementById(id);
  const client = (window.crypto && crypto.randomUUID) ? crypto.randomUUID()
    : String(Math.random()).slice(2) + String(Date.now());
  const state = { checkpoint: null, model: null, request: null, frames: [], names: [] };

  function mode() {
    return document.querySelector('input[name=mode]:checked').value;
  }

  function setStatus(text, isError) {
    const s = $('status');
    s.textContent = text;
    s.classList.toggle('error', !!isError);
  }

  async function getJson(url) {
    const r = await fetch(url, { headers: { 'Accept': 'application/json' } });
    const body = await r.json().catch(() => ({}));
    if (!r.ok) {
      throw new Error(body.error || ('HTTP ' + r.status));
    }
    return body;
  }

  function debounce(fn, ms) {
    let t = null;
    return function () {
      clearTimeout(t);
      t = setTimeout(fn, ms);
    };
  }

  async function loadCheckpoints() {
    const select = $('checkpoint');
    const data = await getJson('/api/sampler/checkpoints');
    select.replaceChildren();
    for (const c of data.checkpoints) {
      const o = document.createElement('option');
      o.value = c.id;
      o.textContent = c.id;
      select.appendChild(o);
    }
    if (data.checkpoints.length === 0) {
      $('model-line').textContent = 'No checkpoints are served here.';
      $('generate').disabled = true;
      return;
    }
    const wanted = new URLSearchParams(location.search).get('checkpoint');
    if (wanted && data.checkpoints.some((c) => c.id === wanted)) {
      select.value = wanted;
    }
    await chooseCheckpoint();
  }

  async function chooseCheckpoint() {
    state.checkpoint = $('checkpoint').value;
    state.model = null;
    $('model-line').textContent = 'Loading the generator…';
    $('generate').disabled = true;
    try {
      const m = await getJson('/api/sampler/model?checkpoint=' + encodeURIComponent(state.checkpoint));
      state.model = m;
      const parts = [m.architecture, m.resolution + ' px', m.classes > 0 ? m.classes + ' classes' : 'unconditional',
        m.weights + ', iteration ' + m.iteration];
      $('model-line').textContent = parts.join(' · ');
      configureForModel(m);
      $('generate').disabled = false;
      await Promise.all([search('a'), search('b')]);
    } catch (e) {
      $('model-line').textContent = 'Cannot load this checkpoint: ' + e.message;
      $('model-line').classList.add('error');
    }
  }

  function configureForModel(m) {
    const t = $('truncation');
    if (m.tabulatedTruncation) {
      // Imported BigGAN-deep: z = T * truncnorm(-2, 2), T in (0, 1]; 1 is no truncation.
      t.min = '0.05'; t.max = '1'; t.step = '0.05';
      $('truncation-note').textContent = 'This model takes a truncation in (0, 1]; 1 = none.';
    } else {
      t.min = '0'; t.max = '2'; t.step = '0.05';
      $('truncation-note').textContent = 'Resample every |z_i| above the threshold (BigGAN §3.1); 0 = none.';
    }
    if (Number(t.value) < Number(t.min)) {
      t.value = t.min;
    }
    showTruncation();
    for (const input of document.querySelectorAll('input[name=mode]')) {
      const needsMixing = input.value === 'class_interpolation' || input.value === 'mixture';
      input.disabled = needsMixing && !m.mixes;
      input.parentElement.classList.toggle('disabled', input.disabled);
      input.parentElement.title = input.disabled ? 'This generator has no shared class embedding.' : '';
    }
    if (document.querySelector('input[name=mode]:checked').disabled) {
      document.querySelector('input[name=mode][value=samples]').checked = true;
    }
    // Large models get larger tiles; small ones are scaled up, pixelated.
    $('gallery').style.setProperty('--tile', (m.resolution >= 128 ? 256 : 160) + 'px');
    $('count').max = String(m.maxImages);
    $('steps').max = String(m.maxImages);
    layout();
  }

  function layout() {
    const m = mode();
    const conditional = !state.model || state.model.classes > 0;
    const two = m === 'class_interpolation' || m === 'mixture';
    $('picker-a').hidden = !conditional;
    $('picker-b').hidden = !conditional || !two;
    $('label-a').textContent = two ? 'First class' : 'Class';
    $('count-row').hidden = !(m === 'samples' || m === 'mixture');
    $('steps-row').hidden = !(m === 'class_interpolation' || m === 'latent_interpolation');
    $('weight-row').hidden = m !== 'mixture';
    $('to-seed-row').hidden = m !== 'latent_interpolation';
  }

  async function search(which) {
    if (!state.model || state.model.classes === 0) {
      return;
    }
    const select = $('class-' + which);
    const keep = select.value;
    const q = $('search-' + which).value;
    const data = await getJson('/api/sampler/classes?checkpoint=' + encodeURIComponent(state.checkpoint)
      + '&q=' + encodeURIComponent(q));
    select.replaceChildren();
    for (const c of data.classes) {
      const o = document.createElement('option');
      o.value = String(c.id);
      o.textContent = c.label + ' (' + c.id + (c.wnid ? ', ' + c.wnid : '') + ')';
      o.title = c.synonyms.join(', ');
      select.appendChild(o);
    }
    if (data.classes.some((c) => String(c.id) === keep)) {
      select.value = keep;
    } else if (data.classes.length > 0) {
      // The second picker starts on another class than the first.
      const first = which === 'b' && data.classes.length > 1 && String(data.classes[0].id) === $('class-a').value;
      select.value = String(data.classes[first ? 1 : 0].id);
    }
    $('found-' + which).textContent = data.total > data.classes.length
      ? data.classes.length + ' of ' + data.total + ' classes shown; type to narrow.'
      : data.total + (data.total === 1 ? ' class' : ' classes');
  }

  function showTruncation() {
    const v = Number($('truncation').value);
    const tabulated = state.model && state.model.tabulatedTruncation;
    $('truncation-value').textContent = (!tabulated && v === 0) ? 'none' : v.toFixed(2);
  }

  function classValue(which) {
    const v = $('class-' + which).value;
    return v === '' ? null : Number(v);
  }

  async function generate() {
    if (!state.model) {
      return;
    }
    if (state.request) {
      state.request.abort(); // the server cancels it too: a client's new request replaces the old
    }
    const controller = new AbortController();
    state.request = controller;
    const conditional = state.model.classes > 0;
    const body = {
      checkpoint: state.checkpoint, client: client, mode: mode(),
      classA: conditional ? classValue('a') : null,
      classB: conditional && (mode() === 'class_interpolation' || mode() === 'mixture') ? classValue('b') : null,
      truncation: Number($('truncation').value), seed: Number($('seed').value), toSeed: Number($('to-seed').value),
      count: Number($('count').value), steps: Number($('steps').value), weight: Number($('weight').value)
    };
    setStatus('Generating…', false);
    $('generate').disabled = true;
    try {
      const r = await fetch('/api/sampler/generate', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
        signal: controller.signal
      });
      const answer = await r.json().catch(() => ({}));
      if (state.request !== controller) {
        return; // replaced while it ran
      }
      if (!r.ok) {
        setStatus(answer.error || ('HTTP ' + r.status), true);
        return;
      }
      show(answer);
      setStatus(answer.images.length + (answer.images.length === 1 ? ' image' : ' images') + ' in '
        + (answer.millis / 1000).toFixed(2) + ' s.', false);
    } catch (e) {
      if (e.name !== 'AbortError') {
        setStatus('The request failed: ' + e.message, true);
      }
    } finally {
      if (state.request === controller) {
        state.request = null;
        $('generate').disabled = false;
      }
    }
  }

  function dataUrl(image) {
    return 'data:image/png;base64,' + image.png;
  }

  function show(answer) {
    $('empty').hidden = true;
    const interpolation = answer.mode === 'class_interpolation' || answer.mode === 'latent_interpolation';
    $('gallery').hidden = interpolation;
    $('player').hidden = !interpolation;
    if (interpolation) {
      state.frames = answer.images.map(dataUrl);
      state.names = answer.images.map((i) => i.name);
      const strip = $('strip');
      strip.replaceChildren();
      state.frames.forEach((src, i) => {
        const img = document.createElement('img');
        img.src = src;
        img.alt = 'frame ' + (i + 1);
        img.addEventListener('click', () => {
          $('frame-slider').value = String(i);
          showFrame();
        });
        strip.appendChild(img);
      });
      $('frame-slider').max = String(state.frames.length - 1);
      $('frame-slider').value = '0';
      showFrame();
    } else {
      const gallery = $('gallery');
      gallery.replaceChildren();
      for (const image of answer.images) {
        const figure = document.createElement('figure');
        const img = document.createElement('img');
        img.src = dataUrl(image);
        img.alt = image.name;
        const caption = document.createElement('figcaption');
        const link = document.createElement('a');
        link.className = 'download';
        link.href = img.src;
        link.download = image.name;
        link.textContent = image.name;
        caption.appendChild(link);
        figure.append(img, caption);
        gallery.appendChild(figure);
      }
    }
    $('command-box').hidden = false;
    $('command').textContent = answer.command;
    $('summary').textContent = answer.summary;
  }

  function showFrame() {
    const i = Number($('frame-slider').value);
    $('frame').src = state.frames[i];
    $('frame-label').textContent = 'frame ' + (i + 1) + ' of ' + state.frames.length;
    $('frame-download').href = state.frames[i];
    $('frame-download').download = state.names[i];
    Array.from($('strip').children).forEach((img, k) => img.classList.toggle('current', k === i));
  }

  $('checkpoint').addEventListener('change', chooseCheckpoint);
  for (const input of document.querySelectorAll('input[name=mode]')) {
    input.addEventListener('change', layout);
  }
  $('search-a').addEventListener('input', debounce(() => search('a').catch((e) => setStatus(e.message, true)), 200));
  $('search-b').addEventListener('input', debounce(() => search('b').catch((e) => setStatus(e.message, true)), 200));
  $('truncation').addEventListener('input', showTruncation);
  $('weight').addEventListener('input', () => {
    $('weight-value').textContent = Number($('weight').value).toFixed(2);
  });
  // The mixture follows its slider: each change replaces the request still running.
  $('weight').addEventListener('change', () => {
    if (mode() === 'mixture') {
      generate();
    }
  });
  $('random-seed').addEventListener('click', () => {
    $('seed').value = String(Math.floor(Math.random() * 1000000));
    $('to-seed').value = String(Number($('seed').value) + 1);
  });
  $('generate').addEventListener('click', generate);
  $('frame-slider').addEventListener('input', showFrame);
  $('copy').addEventListener('click', () => {
    if (navigator.clipboard) {
      navigator.clipboard.writeText($('command').textContent).then(
        () => setStatus('Command copied.', false), () => setStatus('Select the command to copy it.', false));
    }
  });
  // A page that goes away cancels its request on the server (a fetch cannot outlive the page).
  window.addEventListener('pagehide', () => {
    navigator.sendBeacon('/api/sampler/cancel?client=' + encodeURIComponent(client));
  });

  $('weight-value').textContent = Number($('weight').value).toFixed(2);
  showTruncation();
  layout();
  loadCheckpoints().catch((e) => {
    $('model-line').textContent = 'Cannot list checkpoints: ' + e.message;
  });
})();
