// Cadenza studio: talks to the server's /v1 API (docs/SERVER.md), streams notes over the
// WebSocket, draws them on a piano roll, plays them with a small Web Audio synth and offers
// the MIDI and a rendered WAV for download. Plain JS, no dependencies: it must work offline.
'use strict';
(() => {
  // ---- Instruments -------------------------------------------------------------------------
  // One entry per General MIDI family of 8 programs (program >> 3), then drums (program 128).
  // Colours are saturated and the roll's background is grey, so notes are easy to tell apart
  // (the browser test counts saturated pixels). Voices: oscillator type, ADSR in seconds
  // (sustain as a fraction of the peak), a low-pass cutoff as a multiple of the pitch, loudness.
  const FAMILIES = [
    { name: 'Piano', color: '#4f8cff', wave: 'triangle', a: 0.005, d: 1.2, s: 0.0, r: 0.25, cut: 8, gain: 0.9 },
    { name: 'Chromatic perc.', color: '#00c2d1', wave: 'sine', a: 0.002, d: 0.6, s: 0.0, r: 0.2, cut: 0, gain: 0.9 },
    { name: 'Organ', color: '#b06cff', wave: 'square', a: 0.02, d: 0.1, s: 0.8, r: 0.08, cut: 6, gain: 0.4 },
    { name: 'Guitar', color: '#ff9f1c', wave: 'sawtooth', a: 0.004, d: 0.9, s: 0.0, r: 0.15, cut: 5, gain: 0.6 },
    { name: 'Bass', color: '#ff4d6d', wave: 'sawtooth', a: 0.006, d: 0.5, s: 0.4, r: 0.1, cut: 4, gain: 0.8 },
    { name: 'Strings', color: '#2ec27e', wave: 'sawtooth', a: 0.12, d: 0.3, s: 0.8, r: 0.3, cut: 4, gain: 0.45 },
    { name: 'Ensemble', color: '#7bd389', wave: 'sawtooth', a: 0.15, d: 0.3, s: 0.8, r: 0.35, cut: 3, gain: 0.45 },
    { name: 'Brass', color: '#ffcc00', wave: 'sawtooth', a: 0.04, d: 0.2, s: 0.7, r: 0.12, cut: 6, gain: 0.5 },
    { name: 'Reed', color: '#ff7ac6', wave: 'square', a: 0.03, d: 0.2, s: 0.7, r: 0.1, cut: 4, gain: 0.4 },
    { name: 'Pipe', color: '#5ce1e6', wave: 'sine', a: 0.04, d: 0.2, s: 0.8, r: 0.15, cut: 0, gain: 0.8 },
    { name: 'Synth lead', color: '#ff5e00', wave: 'sawtooth', a: 0.01, d: 0.2, s: 0.7, r: 0.1, cut: 10, gain: 0.45 },
    { name: 'Synth pad', color: '#8e7dff', wave: 'triangle', a: 0.3, d: 0.5, s: 0.8, r: 0.6, cut: 0, gain: 0.6 },
    { name: 'Synth FX', color: '#c6ff00', wave: 'square', a: 0.05, d: 0.5, s: 0.5, r: 0.5, cut: 3, gain: 0.35 },
    { name: 'Ethnic', color: '#e0a458', wave: 'triangle', a: 0.004, d: 0.7, s: 0.1, r: 0.2, cut: 0, gain: 0.8 },
    { name: 'Percussive', color: '#e07a5f', wave: 'sine', a: 0.002, d: 0.3, s: 0.0, r: 0.1, cut: 0, gain: 0.9 },
    { name: 'Sound FX', color: '#9ef01a', wave: 'sawtooth', a: 0.05, d: 0.4, s: 0.5, r: 0.3, cut: 2, gain: 0.3 },
  ];
  const DRUMS = { name: 'Drums', color: '#f72585' };
  const family = (program) => (program >= 128 ? DRUMS : FAMILIES[(program >> 3) & 15]);

  // The instrument choices offered as checkboxes: a representative GM program per family.
  const CHOICES = [
    ['Piano', 0], ['Organ', 19], ['Guitar', 25], ['Bass', 33], ['Strings', 48], ['Brass', 61],
    ['Reed / sax', 65], ['Flute', 73], ['Synth lead', 81], ['Synth pad', 89], ['Drums', 128],
  ];

  // ---- State (mirrored on window.cadenzaStudio for tests) ----------------------------------
  const studio = {
    state: 'loading', notes: [], midi: null, error: null, models: [],
    renderWAV: () => renderWAV(),
  };
  window.cadenzaStudio = studio;

  const $ = (id) => document.getElementById(id);
  // A new element with properties and children (strings become text nodes).
  const make = (tag, props = {}, ...children) => {
    const node = Object.assign(document.createElement(tag), props);
    node.append(...children);
    return node;
  };
  const swatch = (color) => {
    const node = make('span', { className: 'swatch' });
    node.style.background = color;
    node.setAttribute('aria-hidden', 'true');
    return node;
  };
  const el = {
    genre: $('genre'), guidance: $('guidance'), temperature: $('temperature'), bars: $('bars'),
    seed: $('seed'), randomSeed: $('random-seed'), instruments: $('instruments'), tempo: $('tempo'),
    generate: $('generate'), stop: $('stop'), play: $('play'), pause: $('pause'),
    downloadMIDI: $('download-midi'), downloadWAV: $('download-wav'), roll: $('roll'),
    rollWrap: $('roll-wrap'), playhead: $('playhead'), status: $('status'), legend: $('legend'),
    modelInfo: $('model-info'), controls: $('controls'), keyPanel: $('key-panel'),
    keyForm: $('key-form'), keyInput: $('api-key'),
  };

  let socket = null;          // the live stream, while generating
  let stopRequested = false;
  let piece = null;           // {genre, seed, bars} of the current/last generation
  let midiURL = null;         // object URL behind #download-midi
  let rendering = false;

  function setState(state) {
    studio.state = state;
    document.body.dataset.state = state;
    updateControls();
    if (studio.notes.length === 0) drawRoll(); // the empty roll's hint depends on the state
  }

  function setStatus(text) { el.status.textContent = text; }

  function formatError(err) {
    let text = 'Error: ' + (err.message || 'something went wrong');
    if (err.field) text += ` (field “${err.field}”)`;
    if (err.hint) text += ` — ${err.hint}`;
    return text;
  }

  function fail(err) {
    studio.error = err;
    setState('error');
    setStatus(formatError(err));
  }

  function updateControls() {
    const s = studio.state;
    el.generate.disabled = s === 'generating' || s === 'loading' || el.genre.options.length === 0;
    el.stop.disabled = s !== 'generating';
    el.play.disabled = studio.notes.length === 0 || player.playing;
    el.pause.disabled = !player.playing;
    const hasMIDI = studio.midi !== null && midiURL !== null;
    el.downloadMIDI.setAttribute('aria-disabled', String(!hasMIDI));
    el.downloadMIDI.tabIndex = hasMIDI ? 0 : -1;
    if (hasMIDI) el.downloadMIDI.href = midiURL; else el.downloadMIDI.removeAttribute('href');
    el.downloadWAV.disabled = !hasMIDI || rendering;
  }

  // ---- API access and the key --------------------------------------------------------------
  const apiKey = () => { try { return localStorage.getItem('cadenzaApiKey') || ''; } catch { return ''; } };

  async function api(path, init = {}) {
    const headers = new Headers(init.headers || {});
    const key = apiKey();
    if (key) headers.set('Authorization', 'Bearer ' + key);
    const response = await fetch(path, { ...init, headers });
    if (response.status === 401) showKeyPanel();
    return response;
  }

  // The API's error body is {"error": {status, code, field, message, hint}}.
  async function errorFrom(response) {
    try {
      const json = await response.json();
      if (json && json.error) return json.error;
    } catch { /* not JSON: fall through */ }
    return { status: response.status, message: `${response.status} ${response.statusText}`.trim() };
  }

  function showKeyPanel() {
    el.keyPanel.hidden = false;
    el.keyInput.value = apiKey();
    el.keyInput.focus();
  }

  el.keyForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = el.keyInput.value.trim();
    if (!key) return;
    try { localStorage.setItem('cadenzaApiKey', key); } catch { /* private mode: key lasts this page */ }
    el.keyPanel.hidden = true;
    loadModels();
  });

  function streamURL() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const key = apiKey();
    return `${scheme}//${location.host}/v1/stream` + (key ? `?key=${encodeURIComponent(key)}` : '');
  }

  // ---- Models and controls ------------------------------------------------------------------
  async function loadModels() {
    setState('loading');
    setStatus('Loading models…');
    try {
      const response = await api('/v1/models');
      if (!response.ok) {
        const err = await errorFrom(response);
        if (response.status === 401) err.hint = err.hint || 'enter the API key above';
        el.modelInfo.textContent = 'No model loaded';
        return fail(err);
      }
      const json = await response.json();
      studio.models = Array.isArray(json.models) ? json.models : [];
      const model = studio.models[0];
      if (!model) return fail({ message: 'The server serves no model' });
      const previous = el.genre.value;
      // Real genres first; the pre-training genre last, as "any style".
      const genres = (model.genres || []).filter((g) => g !== 'unconditional');
      const options = genres.map((g) => new Option(g, g));
      if ((model.genres || []).includes('unconditional')) options.push(new Option('any style (unconditional)', 'unconditional'));
      el.genre.replaceChildren(...options);
      if ((model.genres || []).includes(previous)) el.genre.value = previous;
      el.modelInfo.replaceChildren((model.description || model.id) + ' · ', make('code', { textContent: model.identifier || model.id }));
      studio.error = null;
      setState('idle');
      setStatus('Ready: choose a genre and press Generate.');
    } catch (e) {
      el.modelInfo.textContent = 'Server unreachable';
      fail({ message: 'Could not reach the server: ' + e.message, hint: 'is `cadenza serve` running?' });
    }
  }

  function buildInstrumentChoices() {
    for (const [name, program] of CHOICES) {
      const box = make('input', { type: 'checkbox', name: 'instrument', value: String(program) });
      el.instruments.append(make('label', {}, box, swatch(family(program).color), name));
    }
  }

  function showSliderValues() {
    $('guidance-value').textContent = Number(el.guidance.value).toFixed(1);
    $('temperature-value').textContent = Number(el.temperature.value).toFixed(2);
  }

  // The generate body (docs/SERVER.md); null (with the error shown) when a field is unusable.
  function buildBody() {
    const integer = (input, field, lo, hi) => {
      const value = Number(input.value);
      if (input.value.trim() === '' || !Number.isInteger(value) || value < lo || value > hi) {
        fail({ field, message: `${field} must be a whole number from ${lo} to ${hi}`, hint: `got “${input.value}”` });
        input.focus();
        return null;
      }
      return value;
    };
    const bars = integer(el.bars, 'bars', 1, Number(el.bars.max) || 64);
    if (bars === null) return null;
    const seed = integer(el.seed, 'seed', 0, Number.MAX_SAFE_INTEGER);
    if (seed === null) return null;
    const body = {
      genre: el.genre.value, bars, seed,
      temperature: Number(el.temperature.value), guidance: Number(el.guidance.value), pace: 'asap',
    };
    if (studio.models[0]) body.model = studio.models[0].id;
    const programs = [...el.instruments.querySelectorAll('input:checked')].map((b) => Number(b.value));
    if (programs.length > 0) body.instruments = programs;
    if (el.tempo.value.trim() !== '') {
      const tempo = Number(el.tempo.value);
      if (!Number.isFinite(tempo) || tempo <= 0) {
        fail({ field: 'tempo', message: 'tempo must be a positive number of beats per minute', hint: 'leave it blank to let the model choose' });
        return null;
      }
      body.tempo = tempo;
    }
    return body;
  }

  // ---- Generation over the live stream ------------------------------------------------------
  function generate() {
    if (studio.state === 'generating' || studio.state === 'loading' || !el.genre.value) return;
    const body = buildBody();
    if (!body) return;
    player.stop(true);
    resetPiece();
    piece = { genre: body.genre, seed: body.seed, bars: body.bars };
    stopRequested = false;
    setState('generating');
    setStatus(`Generating ${body.bars} bars of ${body.genre}…`);

    const ws = new WebSocket(streamURL());
    socket = ws;
    let heard = false;
    let ended = false;
    ws.onopen = () => ws.send(JSON.stringify(body));
    // A socket replaced by a newer generation is ignored: its late events must not touch this one.
    ws.onmessage = (event) => {
      if (socket !== ws) return;
      heard = true;
      let message;
      try { message = JSON.parse(event.data); } catch {
        ended = true;
        ws.close();
        return fail({ message: 'The server sent a message that is not JSON' });
      }
      switch (message.type) {
        case 'started':
          piece = { genre: message.genre || body.genre, seed: message.seed ?? body.seed, bars: message.bars ?? body.bars };
          setStatus(`Generating ${piece.bars} bars of ${piece.genre}, seed ${piece.seed}…`);
          break;
        case 'note': {
          const { type, ...note } = message;
          addNote(note);
          setStatus(`Generating ${piece.bars} bars of ${piece.genre}, seed ${piece.seed}… ${studio.notes.length} notes`);
          break;
        }
        case 'finished':
          ended = true;
          finish(message);
          break;
        case 'error': {
          ended = true;
          const { type, ...err } = message;
          fail(err);
          break;
        }
        default: break; // later protocol versions may add messages; ignore them
      }
    };
    ws.onclose = async (event) => {
      if (socket !== ws) return;
      socket = null;
      if (ended) return updateControls();
      if (stopRequested) {
        setState('idle');
        return setStatus(`Stopped after ${studio.notes.length} notes (the server sent no MIDI file).`);
      }
      if (!heard) {
        // Browsers hide the upgrade's status; ask a plain route whether the key is the problem.
        try {
          const probe = await api('/v1/models');
          if (probe.status === 401) return fail(await errorFrom(probe));
        } catch { /* reported below */ }
        return fail({ message: 'Could not open the live stream', hint: `the connection closed (code ${event.code})` });
      }
      fail({ message: 'The connection closed before the piece was finished', hint: `close code ${event.code}; try again` });
    };
  }

  function stopGeneration() {
    if (!socket) return;
    stopRequested = true;
    setStatus('Stopping…');
    const ws = socket;
    try { ws.send(JSON.stringify({ type: 'stop' })); } catch { ws.close(); }
    // The server stops at the next note and closes; do not wait for it forever.
    setTimeout(() => { if (ws.readyState !== WebSocket.CLOSED) ws.close(); }, 3000);
  }

  function resetPiece() {
    studio.notes = [];
    studio.midi = null;
    studio.error = null;
    if (midiURL) URL.revokeObjectURL(midiURL);
    midiURL = null;
    seenFamilies.clear();
    el.legend.replaceChildren();
    drawRoll();
  }

  function base64ToBytes(text) {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  function finish(message) {
    try {
      studio.midi = base64ToBytes(message.midi || '');
    } catch {
      return fail({ message: 'The finished message carried no valid MIDI (bad base64)' });
    }
    midiURL = URL.createObjectURL(new Blob([studio.midi], { type: 'audio/midi' }));
    el.downloadMIDI.download = `cadenza-${piece.genre}-${piece.seed}.mid`;
    drawRoll();
    const seconds = typeof message.seconds === 'number' ? ` in ${message.seconds.toFixed(1)} s` : '';
    setState('finished');
    setStatus(`Finished: ${message.notes ?? studio.notes.length} notes, ${message.bars ?? piece.bars} bars${seconds}.`);
  }

  async function renderWAV() {
    if (!studio.midi) throw new Error('no finished piece to render');
    const response = await api('/v1/render', {
      method: 'POST', headers: { 'Content-Type': 'audio/midi', Accept: 'audio/wav' }, body: studio.midi,
    });
    if (!response.ok) {
      const err = await errorFrom(response);
      throw Object.assign(new Error(err.message), { api: err });
    }
    return new Uint8Array(await response.arrayBuffer());
  }

  async function downloadWAV() {
    if (!studio.midi || rendering) return;
    rendering = true;
    updateControls();
    const previous = el.status.textContent;
    setStatus('Rendering WAV…');
    try {
      const bytes = await renderWAV();
      const url = URL.createObjectURL(new Blob([bytes], { type: 'audio/wav' }));
      const link = make('a', { href: url, download: `cadenza-${piece.genre}-${piece.seed}.wav` });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      setStatus(previous);
    } catch (e) {
      setStatus(formatError(e.api || { message: 'Rendering failed: ' + e.message }));
    } finally {
      rendering = false;
      updateControls();
    }
  }

  // ---- Notes and the piano roll --------------------------------------------------------------
  // Time in seconds; startQuarters at 120 BPM when a note carries no seconds.
  const noteStart = (n) => (typeof n.startSeconds === 'number' ? n.startSeconds : n.startQuarters * 0.5);
  const noteLength = (n) => (typeof n.durationSeconds === 'number' ? n.durationSeconds : n.durationQuarters * 0.5);
  const seenFamilies = new Set();
  let drawPending = false;
  let view = { left: 0, scale: 1, total: 4 };

  function addNote(note) {
    studio.notes.push(note);
    const fam = family(note.program);
    if (!seenFamilies.has(fam)) {
      seenFamilies.add(fam);
      el.legend.append(make('li', {}, swatch(fam.color), fam.name));
    }
    player.noteArrived();
    if (studio.notes.length === 1) updateControls();
    if (!drawPending) {
      drawPending = true;
      requestAnimationFrame(() => { drawPending = false; drawRoll(); });
    }
  }

  const isBlackKey = (pitch) => [1, 3, 6, 8, 10].includes(pitch % 12);

  function drawRoll() {
    const canvas = el.roll;
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, canvas.clientWidth), height = Math.max(1, canvas.clientHeight);
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    const g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.fillStyle = '#0c0e12';
    g.fillRect(0, 0, width, height);

    const notes = studio.notes;
    let lo = 127, hi = 0, end = 0, drums = false;
    for (const n of notes) {
      end = Math.max(end, noteStart(n) + noteLength(n));
      if (n.program >= 128) { drums = true; continue; }
      lo = Math.min(lo, n.pitch);
      hi = Math.max(hi, n.pitch);
    }
    if (lo > hi) { lo = 48; hi = 84; }
    // At least two octaves on screen, centred on the music, so a few notes do not fill it.
    const missing = Math.max(0, 24 - (hi - lo));
    lo = Math.max(0, lo - Math.ceil(missing / 2) - 1);
    hi = Math.min(127, hi + Math.floor(missing / 2) + 1);

    const left = 34, axis = 18, top = 4;
    const laneHeight = drums ? Math.max(28, height * 0.16) : 0;
    const bottom = height - axis - laneHeight;
    const row = (bottom - top) / (hi - lo + 1);
    const total = Math.max(4, end * 1.03);
    const scale = (width - left - 4) / total;
    view = { left, scale, total };

    // Key rows and C labels.
    g.font = '10px system-ui, sans-serif';
    g.textBaseline = 'middle';
    for (let p = lo; p <= hi; p++) {
      const y = bottom - (p - lo + 1) * row;
      if (isBlackKey(p)) { g.fillStyle = '#13161c'; g.fillRect(left, y, width - left, row); }
      if (p % 12 === 0) {
        g.fillStyle = '#2a2f38';
        g.fillRect(left, y + row - 1, width - left, 1);
        if (row * 12 > 40) { g.fillStyle = '#7a808a'; g.fillText(`C${p / 12 - 1}`, 4, y + row / 2); }
      }
    }
    // Time grid: the smallest step that leaves at least 60 px between lines.
    const step = [0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120].find((s) => s * scale >= 60) || 300;
    g.textBaseline = 'top';
    for (let t = 0; t <= total; t += step) {
      const x = left + t * scale;
      g.fillStyle = '#22262e';
      g.fillRect(x, top, 1, height - axis - top);
      g.fillStyle = '#7a808a';
      const label = `${Math.floor(t / 60)}:${String(Math.floor(t % 60)).padStart(2, '0')}${step < 1 ? '.' + String(Math.round((t % 1) * 100)).padStart(2, '0') : ''}`;
      if (x + g.measureText(label).width + 3 < width) g.fillText(label, x + 3, height - axis + 4);
    }
    if (drums) {
      g.fillStyle = '#171a20';
      g.fillRect(left, bottom, width - left, laneHeight);
      g.fillStyle = '#2a2f38';
      g.fillRect(left, bottom, width - left, 1);
      g.fillStyle = '#7a808a';
      g.textBaseline = 'middle';
      g.fillText('drums', 2, bottom + laneHeight / 2);
    }
    if (notes.length === 0) {
      g.fillStyle = '#6b7280';
      g.textAlign = 'center';
      g.font = '14px system-ui, sans-serif';
      g.fillText(studio.state === 'generating' ? 'Waiting for the first note…' : 'Choose a genre and press Generate',
        left + (width - left) / 2, (top + bottom) / 2);
      g.textAlign = 'start';
      return;
    }
    for (const n of notes) {
      const x = left + noteStart(n) * scale;
      g.globalAlpha = 0.45 + 0.55 * Math.min(1, (n.velocity ?? 100) / 127);
      g.fillStyle = family(n.program).color;
      if (n.program >= 128) {
        // Drum keys 35…81 (GM) spread over the lane, drawn as diamonds: hits, not held notes.
        const r = Math.max(2.5, Math.min(5, laneHeight / 8));
        const y = bottom + r + 2 + (1 - (Math.min(81, Math.max(35, n.pitch)) - 35) / 46) * (laneHeight - 2 * r - 4);
        g.beginPath();
        g.moveTo(x, y - r); g.lineTo(x + r, y); g.lineTo(x, y + r); g.lineTo(x - r, y);
        g.closePath();
        g.fill();
      } else {
        const y = bottom - (n.pitch - lo + 1) * row;
        g.fillRect(x, y + 0.5, Math.max(2, noteLength(n) * scale - 1), Math.max(1.5, row - 1));
      }
    }
    g.globalAlpha = 1;
    player.drawPlayhead();
  }

  new ResizeObserver(() => drawRoll()).observe(el.rollWrap);

  // ---- Playback: a small Web Audio synth ----------------------------------------------------
  const player = (() => {
    const LOOKAHEAD = 0.25; // seconds of notes scheduled ahead of the clock
    let audio = null, master = null, noise = null;
    let timer = null, frame = 0;
    let origin = 0;    // audio time at which the piece's 0 s sounds
    let offset = 0;    // piece time to resume from after a pause
    let next = 0;      // index into studio.notes of the next note to schedule
    const voices = new Set();
    const self = { playing: false };

    function setup() {
      if (audio) return;
      audio = new (window.AudioContext || window.webkitAudioContext)();
      const compressor = audio.createDynamicsCompressor();
      master = audio.createGain();
      master.gain.value = 0.35;
      master.connect(compressor).connect(audio.destination);
      noise = audio.createBuffer(1, audio.sampleRate, audio.sampleRate);
      const data = noise.getChannelData(0);
      for (let i = 0; i < data.length; i++) data[i] = Math.random() * 2 - 1;
    }

    function track(source, stopAt) {
      voices.add(source);
      source.onended = () => voices.delete(source);
      source.stop(stopAt);
    }

    function tone(n, t) {
      const f = family(n.program);
      const level = f.gain * Math.pow((n.velocity ?? 100) / 127, 1.5) * 0.5;
      const freq = 440 * Math.pow(2, (n.pitch - 69) / 12);
      const end = t + Math.max(noteLength(n), f.a + 0.03);
      const osc = audio.createOscillator();
      osc.type = f.wave;
      osc.frequency.value = freq;
      const env = audio.createGain();
      env.gain.setValueAtTime(0, t);
      env.gain.linearRampToValueAtTime(level, t + f.a);
      env.gain.setTargetAtTime(level * f.s, t + f.a, f.d / 3);
      env.gain.setTargetAtTime(0, end, f.r / 3);
      let head = osc;
      if (f.cut > 0) {
        const filter = audio.createBiquadFilter();
        filter.type = 'lowpass';
        filter.frequency.value = Math.min(16000, freq * f.cut);
        head = osc.connect(filter);
      }
      head.connect(env).connect(master);
      osc.start(t);
      track(osc, end + f.r * 2);
    }

    function drum(n, t) {
      const k = n.pitch, level = Math.pow((n.velocity ?? 100) / 127, 1.3);
      const thud = (from, to, length) => {
        const osc = audio.createOscillator();
        const env = audio.createGain();
        osc.frequency.setValueAtTime(from, t);
        osc.frequency.exponentialRampToValueAtTime(to, t + length * 0.6);
        env.gain.setValueAtTime(level, t);
        env.gain.exponentialRampToValueAtTime(0.001, t + length);
        osc.connect(env).connect(master);
        osc.start(t);
        track(osc, t + length + 0.02);
      };
      const hiss = (type, freq, length, gain) => {
        const src = audio.createBufferSource();
        src.buffer = noise;
        const filter = audio.createBiquadFilter();
        filter.type = type;
        filter.frequency.value = freq;
        const env = audio.createGain();
        env.gain.setValueAtTime(level * gain, t);
        env.gain.exponentialRampToValueAtTime(0.001, t + length);
        src.connect(filter).connect(env).connect(master);
        src.start(t, Math.random() * 0.5);
        track(src, t + length + 0.02);
      };
      if (k === 35 || k === 36) thud(150, 45, 0.35);
      else if (k === 38 || k === 40) { hiss('bandpass', 1800, 0.18, 0.9); thud(220, 160, 0.08); }
      else if (k === 37 || k === 39) hiss('bandpass', 1500, 0.09, 0.9);
      else if (k === 42 || k === 44) hiss('highpass', 7000, 0.05, 0.5);
      else if (k === 46) hiss('highpass', 7000, 0.3, 0.45);
      else if ([49, 52, 55, 57].includes(k)) hiss('highpass', 5000, 1.2, 0.4);
      else if ([51, 53, 59].includes(k)) hiss('highpass', 6000, 0.45, 0.3);
      else if ([41, 43, 45, 47, 48, 50].includes(k)) thud(80 + (k - 41) * 15, 50 + (k - 41) * 8, 0.3);
      else hiss('bandpass', 2500, 0.1, 0.6);
    }

    // Schedules every note due within the look-ahead window. Notes arrive in start order, so one
    // index suffices; a note that arrives after its time has passed is skipped, not played late.
    function pump() {
      const position = audio.currentTime - origin;
      const notes = studio.notes;
      while (next < notes.length && noteStart(notes[next]) < position + LOOKAHEAD) {
        const n = notes[next++];
        const start = noteStart(n);
        if (start < position - 0.05) continue;
        const at = Math.max(audio.currentTime, origin + start);
        if (n.program >= 128) drum(n, at); else tone(n, at);
      }
      const end = notes.reduce((m, n) => Math.max(m, noteStart(n) + noteLength(n)), 0);
      if (studio.state !== 'generating' && next >= notes.length && position > end + 0.3) self.stop(true);
    }

    function animate() {
      if (!self.playing) return;
      self.drawPlayhead();
      frame = requestAnimationFrame(animate);
    }

    self.position = () => (self.playing ? Math.max(0, audio.currentTime - origin) : offset);

    self.drawPlayhead = () => {
      const position = self.position();
      el.playhead.hidden = !self.playing && position === 0;
      const x = view.left + Math.min(position, view.total) * view.scale;
      el.playhead.style.transform = `translateX(${x}px)`;
    };

    self.play = () => {
      if (self.playing || studio.notes.length === 0) return;
      setup();
      audio.resume().catch(() => setStatus('The browser blocked audio: press Play again.'));
      origin = audio.currentTime + 0.08 - offset;
      next = 0;
      self.playing = true;
      pump();
      timer = setInterval(pump, 50);
      frame = requestAnimationFrame(animate);
      updateControls();
    };

    // Stops sound; `rewind` returns to the start, otherwise the next play resumes here.
    self.stop = (rewind) => {
      if (self.playing) {
        offset = rewind ? 0 : self.position();
        clearInterval(timer);
        cancelAnimationFrame(frame);
        for (const v of voices) { try { v.stop(); } catch { /* already stopped */ } }
        voices.clear();
        self.playing = false;
      } else if (rewind) {
        offset = 0;
      }
      self.drawPlayhead();
      updateControls();
    };

    self.noteArrived = () => { if (self.playing) pump(); };
    return self;
  })();

  // ---- Wiring ---------------------------------------------------------------------------------
  el.controls.addEventListener('submit', (event) => { event.preventDefault(); generate(); });
  el.stop.addEventListener('click', stopGeneration);
  el.play.addEventListener('click', () => player.play());
  el.pause.addEventListener('click', () => player.stop(false));
  el.downloadWAV.addEventListener('click', downloadWAV);
  el.downloadMIDI.addEventListener('keydown', (event) => {
    // It is an <a role="button">: Space activates buttons, so make it do so here too.
    if (event.key === ' ' && el.downloadMIDI.hasAttribute('href')) { event.preventDefault(); el.downloadMIDI.click(); }
  });
  el.downloadMIDI.addEventListener('click', (event) => { if (!el.downloadMIDI.hasAttribute('href')) event.preventDefault(); });
  el.randomSeed.addEventListener('click', () => { el.seed.value = String(Math.floor(Math.random() * 2 ** 31)); });
  el.guidance.addEventListener('input', showSliderValues);
  el.temperature.addEventListener('input', showSliderValues);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) { event.preventDefault(); generate(); }
    if (event.key === 'Escape' && studio.state === 'generating') stopGeneration();
  });

  buildInstrumentChoices();
  showSliderValues();
  drawRoll();
  loadModels();
})();
