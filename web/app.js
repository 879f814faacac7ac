// Restora's web page: pick an operation, drop images, compare before and after, paint masks.
// It speaks only the server's JSON API (docs/HTTP_API.md); nothing is loaded from elsewhere.
'use strict';

const $ = (id) => document.getElementById(id);
const canvas = $('viewer');
const context = canvas.getContext('2d');

const state = {
  operations: [],
  limits: {},
  items: [],          // {name, file | path, before, after, job, status, mask, ...}
  selected: null,
  view: { scale: 1, x: 0, y: 0 },  // image pixel (u, v) is drawn at (x + u·scale, y + v·scale)
  split: 0.5,         // the compare line, as a fraction of the canvas width
  lens: false,
  original: false,    // held: show the input alone
  pointer: null,      // {x, y} in CSS pixels over the canvas
  tool: 'brush',
  brush: 24,          // brush diameter in screen pixels
  painting: false,    // the mask is being edited (else a result is compared)
};

// ---------------------------------------------------------------------------------------------
// The catalogue and the controls

function operation() {
  return state.operations.find((op) => op.command === $('operation').value);
}

async function loadCatalogue() {
  const [operations, limits] = await Promise.all([
    fetch('/api/operations').then((r) => r.json()),
    fetch('/api/limits').then((r) => r.json()),
  ]);
  state.operations = operations;
  state.limits = limits;
  for (const op of operations) $('operation').add(new Option(op.label, op.command));
  $('folder-box').hidden = !limits.root;
  operationChanged();
}

function operationChanged() {
  const op = operation();
  const model = $('model');
  model.length = 0;
  model.add(new Option(`default (${op.default_model || 'none'})`, ''));
  for (const m of op.models) {
    const option = new Option(m.name, m.name);
    option.title = `${m.description}${m.scores ? ' — ' + m.scores : ''}`;
    model.add(option);
  }
  const box = $('options');
  box.textContent = '';
  for (const option of op.options) {
    const label = document.createElement('label');
    label.title = option.help;
    label.append(option.label + ' ');
    let control;
    if (option.kind === 'choice') {
      control = document.createElement('select');
      for (const value of option.choices) control.add(new Option(String(value), String(value)));
      if (option.default !== null) control.value = String(option.default);
    } else {
      control = document.createElement('input');
      control.type = 'number';
      control.min = option.range[0];
      control.max = option.range[1];
      control.step = option.kind === 'integer' ? 1 : 'any';
      control.placeholder = option.default === null ? 'auto' : String(option.default);
    }
    control.dataset.option = option.name;
    label.append(control);
    box.append(label);
  }
  $('mask-tools').hidden = !op.needs_mask;
  state.painting = op.needs_mask;
  $('auto-mask').hidden = !state.operations.some((o) => o.finds_damage && o.models.length);
  updateButtons();
  draw();
}

// The request's options: the model, the precision and every option that was given.
function parameters() {
  const values = {};
  if ($('model').value) values.model = $('model').value;
  if ($('precision').value !== 'auto') values.precision = $('precision').value;
  for (const control of $('options').querySelectorAll('[data-option]')) {
    if (control.value === '') continue;
    values[control.dataset.option] = Number(control.value);
  }
  return values;
}

function setStatus(text, error = false) {
  $('status').textContent = text;
  $('status').classList.toggle('error', error);
}

function updateButtons() {
  const item = state.selected;
  const busy = item && item.status && ['queued', 'running'].includes(item.status.state);
  $('run').disabled = !item || busy;
  $('run-all').disabled = state.items.length < 2;
  $('cancel').disabled = !busy;
  $('undo').disabled = !item || !item.undo || !item.undo.length;
  $('redo').disabled = !item || !item.redo || !item.redo.length;
}

// ---------------------------------------------------------------------------------------------
// Items: uploaded files and images under the root

function loadImage(url) {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error('the browser cannot show this image'));
    image.src = url;
  });
}

function addItem(item) {
  item.element = document.createElement('li');
  item.element.textContent = item.name;
  item.stateLabel = document.createElement('span');
  item.stateLabel.className = 'state';
  item.element.prepend(item.stateLabel);
  item.element.onclick = () => select(item);
  $('items').append(item.element);
  state.items.push(item);
  if (!state.selected) select(item);
  updateButtons();
}

function addFiles(files) {
  for (const file of files) addItem({ name: file.name, file });
}

async function select(item) {
  if (state.selected) state.selected.element.classList.remove('selected');
  state.selected = item;
  item.element.classList.add('selected');
  $('hint').hidden = true;
  if (!item.before) {
    const url = item.file ? URL.createObjectURL(item.file)
                          : `/api/file?path=${encodeURIComponent(item.path)}`;
    try {
      item.before = await loadImage(url);
    } catch (error) {
      setStatus(`${item.name}: ${error.message}`, true);
      return;
    }
    if (state.selected === item) fit();
  }
  showJob(item);
  draw();
}

function ensureMask(item) {
  if (item.mask || !item.before) return;
  item.mask = document.createElement('canvas');
  item.mask.width = item.before.naturalWidth;
  item.mask.height = item.before.naturalHeight;
  item.undo = [];
  item.redo = [];
}

// ---------------------------------------------------------------------------------------------
// Jobs

async function submit(item, op = operation(), values = parameters()) {
  const form = new FormData();
  form.append('operation', op.command);
  form.append('options', JSON.stringify(values));
  if (item.file) form.append('image', item.file, item.name);
  else form.append('path', item.path);
  if (op.needs_mask) {
    ensureMask(item);
    const stem = item.name.replace(/^.*\//, '').replace(/\.[^.]*$/, '');
    form.append('mask', await maskBlob(item), `${stem}-mask.png`);
  }
  for (;;) {
    const response = await fetch('/api/jobs', { method: 'POST', body: form });
    const body = await response.json();
    if (response.status === 429) {  // the queue is full: wait for a place
      await new Promise((resolve) => setTimeout(resolve, 1000));
      continue;
    }
    if (!response.ok) throw new Error(body.error);
    return body;
  }
}

// Follows a job's events until it ends -> its last status.
function follow(id, onStatus) {
  return new Promise((resolve) => {
    const events = new EventSource(`/api/jobs/${id}/events`);
    events.addEventListener('status', (event) => {
      const status = JSON.parse(event.data);
      onStatus(status);
      if (!['queued', 'running'].includes(status.state)) {
        events.close();
        resolve(status);
      }
    });
    events.onerror = () => {  // the server went away or forgot the job: ask once more
      events.close();
      fetch(`/api/jobs/${id}`).then((r) => r.json()).then((status) => {
        onStatus(status);
        resolve(status);
      });
    };
  });
}

async function run(item) {
  const op = operation();
  if (item.after && state.selected === item) {  // back to the input's frame
    const ratio = item.after.naturalWidth / item.before.naturalWidth;
    item.after = null;
    state.view.scale *= ratio;
  }
  item.after = null;
  item.status = { state: 'queued', progress: 0 };
  showJob(item);
  try {
    item.status = await submit(item, op);
  } catch (error) {
    item.status = { state: 'failed', error: error.message };
    showJob(item);
    return;
  }
  showJob(item);
  const status = await follow(item.status.id, (s) => { item.status = s; showJob(item); });
  if (status.state === 'done') {
    const before = frame(item).width;
    item.after = await loadImage(status.result);
    // An upscaled result has more pixels: keep what is on screen where it was.
    const ratio = before / item.after.naturalWidth;
    if (state.selected === item && ratio !== 1) state.view.scale *= ratio;
    if (state.selected === item) {
      state.painting = false;  // show the result; the brush goes back to the mask
      draw();
    }
  }
  showJob(item);
}

function showJob(item) {
  const status = item.status;
  item.stateLabel.textContent = status ? status.state : '';
  item.element.className = (status ? status.state : '') + (state.selected === item ? ' selected' : '');
  if (item !== state.selected) return;
  updateButtons();
  $('progress').value = status ? status.progress || 0 : 0;
  $('command').textContent = status && status.command ? status.command : '';
  $('copy').hidden = !(status && status.command);
  const download = $('download');
  download.hidden = !(status && status.state === 'done');
  if (!download.hidden) {
    download.href = status.result;
    download.download = status.result_name;
  }
  if (!status) setStatus('');
  else if (status.error) setStatus(`${status.state}: ${status.error}`, true);
  else if (status.state === 'done')
    setStatus(`done in ${status.seconds.toFixed(2)} s · ${status.model} · ` +
              `${status.output.width}×${status.output.height}`);
  else setStatus(`${status.state} ${Math.round((status.progress || 0) * 100)} %`);
}

async function runAll() {
  await Promise.all(state.items.map((item) => run(item)));
}

async function detectDamage(item) {
  const repair = state.operations.find((o) => o.finds_damage);
  setStatus('finding damage…');
  try {
    const job = await submit(item, repair, {});
    const status = await follow(job.id, (s) => { $('progress').value = s.progress || 0; });
    if (status.state !== 'done') throw new Error(status.error || status.state);
    pushUndo(item);
    await drawMaskImage(item, await loadImage(status.mask));
    setStatus('damage marked: correct it with the brush, then Run');
  } catch (error) {
    setStatus(`damage detection: ${error.message}`, true);
  }
}

// ---------------------------------------------------------------------------------------------
// The mask: painted red over the image (white = missing in the PNG that is sent or saved)

function pushUndo(item) {
  ensureMask(item);
  const mask = item.mask.getContext('2d');
  item.undo.push(mask.getImageData(0, 0, item.mask.width, item.mask.height));
  if (item.undo.length > 30) item.undo.shift();
  item.redo = [];
  updateButtons();
}

function undoRedo(from, to) {
  const item = state.selected;
  if (!item || !item[from] || !item[from].length) return;
  const mask = item.mask.getContext('2d');
  item[to].push(mask.getImageData(0, 0, item.mask.width, item.mask.height));
  mask.putImageData(item[from].pop(), 0, 0);
  updateButtons();
  draw();
}

async function drawMaskImage(item, image) {
  ensureMask(item);
  const scratch = document.createElement('canvas');
  scratch.width = item.mask.width;
  scratch.height = item.mask.height;
  const drawing = scratch.getContext('2d');
  drawing.drawImage(image, 0, 0, scratch.width, scratch.height);
  const pixels = drawing.getImageData(0, 0, scratch.width, scratch.height);
  const data = pixels.data;
  for (let i = 0; i < data.length; i += 4) {
    const on = data[i] + data[i + 1] + data[i + 2] > 3 * 127;
    data[i] = 255; data[i + 1] = 0; data[i + 2] = 0; data[i + 3] = on ? 255 : 0;
  }
  item.mask.getContext('2d').putImageData(pixels, 0, 0);
  draw();
}

function maskBlob(item) {
  const out = document.createElement('canvas');
  out.width = item.mask.width;
  out.height = item.mask.height;
  const drawing = out.getContext('2d');
  const source = item.mask.getContext('2d').getImageData(0, 0, out.width, out.height);
  const pixels = drawing.createImageData(out.width, out.height);
  for (let i = 0; i < pixels.data.length; i += 4) {
    const value = source.data[i + 3] > 127 ? 255 : 0;
    pixels.data[i] = pixels.data[i + 1] = pixels.data[i + 2] = value;
    pixels.data[i + 3] = 255;
  }
  drawing.putImageData(pixels, 0, 0);
  return new Promise((resolve) => out.toBlob(resolve, 'image/png'));
}

function paintTo(item, from, to) {
  const mask = item.mask.getContext('2d');
  const width = state.brush / state.view.scale;
  mask.globalCompositeOperation = state.tool === 'eraser' ? 'destination-out' : 'source-over';
  mask.strokeStyle = mask.fillStyle = '#f00';
  mask.lineWidth = width;
  mask.lineCap = mask.lineJoin = 'round';
  mask.beginPath();
  mask.moveTo(from.u, from.v);
  mask.lineTo(to.u, to.v);
  mask.stroke();
  mask.beginPath();
  mask.arc(to.u, to.v, width / 2, 0, 2 * Math.PI);
  mask.fill();
  mask.globalCompositeOperation = 'source-over';
}

// Painting the mask: an operation that needs one, until its result arrives (the brush, the
// eraser or their keys paint again).
function masking() {
  const op = operation();
  return op && op.needs_mask && state.painting && state.selected && state.selected.before;
}

// ---------------------------------------------------------------------------------------------
// The viewer

// The size both sides are drawn at: the result's (an upscale shows its own pixels), else the
// input's. Masks are painted in the input's pixels (inpainting keeps the size).
function frame(item) {
  const image = item.after || item.before;
  return { width: image.naturalWidth, height: image.naturalHeight };
}

function toImage(x, y) {
  return { u: (x - state.view.x) / state.view.scale, v: (y - state.view.y) / state.view.scale };
}

function fit() {
  const item = state.selected;
  if (!item || !item.before) return;
  const box = canvas.getBoundingClientRect();
  const size = frame(item);
  const scale = Math.min(box.width / size.width, box.height / size.height, 1);
  zoomTo(scale, box.width / 2, box.height / 2, true);
}

// Sets the scale, keeping the image point under (x, y) there (or centring the image).
function zoomTo(scale, x, y, centre = false) {
  const item = state.selected;
  if (!item || !item.before) return;
  scale = Math.min(64, Math.max(0.02, scale));
  if (centre) {
    const size = frame(item);
    state.view = { scale, x: x - (size.width * scale) / 2, y: y - (size.height * scale) / 2 };
  } else {
    const point = toImage(x, y);
    state.view = { scale, x: x - point.u * scale, y: y - point.v * scale };
  }
  draw();
}

function drawImageSide(image, width, height, clip) {
  context.save();
  if (clip) {
    context.beginPath();
    context.rect(clip.x, clip.y, clip.width, clip.height);
    context.clip();
  }
  context.drawImage(image, 0, 0, width, height);
  context.restore();
}

function draw() {
  const ratio = window.devicePixelRatio || 1;
  const box = canvas.getBoundingClientRect();
  if (canvas.width !== Math.round(box.width * ratio) || canvas.height !== Math.round(box.height * ratio)) {
    canvas.width = Math.round(box.width * ratio);
    canvas.height = Math.round(box.height * ratio);
  }
  context.setTransform(1, 0, 0, 1, 0, 0);
  context.clearRect(0, 0, canvas.width, canvas.height);
  const item = state.selected;
  if (!item || !item.before) return;
  const { width, height } = frame(item);
  const { scale, x, y } = state.view;
  const compare = item.after && !state.original && !masking();
  const splitX = state.split * box.width;
  const placeImage = (s, ox, oy) => {
    context.setTransform(ratio * s, 0, 0, ratio * s, ratio * ox, ratio * oy);
    context.imageSmoothingEnabled = s < 2;  // pixels stay pixels when zoomed in
  };
  placeImage(scale, x, y);
  const splitU = (splitX - x) / scale;
  if (compare) {
    drawImageSide(item.before, width, height, { x: 0, y: 0, width: Math.max(0, splitU), height });
    drawImageSide(item.after, width, height,
                  { x: Math.max(0, splitU), y: 0, width: width - Math.max(0, splitU), height });
  } else {
    drawImageSide(state.original || !item.after || masking() ? item.before : item.after, width, height);
  }
  if (masking() && item.mask) {
    context.globalAlpha = 0.5;
    context.drawImage(item.mask, 0, 0, width, height);
    context.globalAlpha = 1;
  }
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  if (compare) {
    context.fillStyle = '#fff';
    context.fillRect(splitX - 1, 0, 2, box.height);
    context.beginPath();
    context.arc(splitX, box.height / 2, 9, 0, 2 * Math.PI);
    context.fill();
    context.fillStyle = '#000';
    context.font = '11px system-ui';
    context.textAlign = 'center';
    context.fillText('⇔', splitX, box.height / 2 + 4);
  }
  const pointer = state.pointer;
  if (pointer && state.lens && !masking()) {
    // A circle showing 4× the current zoom around the pointer, of the side it is on.
    const radius = 90, zoom = 4;
    const point = toImage(pointer.x, pointer.y);
    context.save();
    context.beginPath();
    context.arc(pointer.x, pointer.y, radius, 0, 2 * Math.PI);
    context.clip();
    context.fillStyle = '#111';
    context.fillRect(pointer.x - radius, pointer.y - radius, 2 * radius, 2 * radius);
    const lensScale = scale * zoom;
    placeImage(lensScale, pointer.x - point.u * lensScale, pointer.y - point.v * lensScale);
    const side = item.after && !state.original && pointer.x >= splitX ? item.after : item.before;
    context.drawImage(side, 0, 0, width, height);
    context.restore();
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.strokeStyle = '#fff';
    context.lineWidth = 2;
    context.beginPath();
    context.arc(pointer.x, pointer.y, radius, 0, 2 * Math.PI);
    context.stroke();
  }
  if (pointer && masking()) {
    context.strokeStyle = state.tool === 'eraser' ? '#8cf' : '#fff';
    context.lineWidth = 1.5;
    context.beginPath();
    context.arc(pointer.x, pointer.y, state.brush / 2, 0, 2 * Math.PI);
    context.stroke();
  }
}

// Pointer: drag the compare line, pan, or paint the mask.
let drag = null;

canvas.addEventListener('pointerdown', (event) => {
  const item = state.selected;
  if (!item || !item.before) return;
  canvas.setPointerCapture(event.pointerId);
  const x = event.offsetX, y = event.offsetY;
  const box = canvas.getBoundingClientRect();
  const pan = event.button === 1 || event.shiftKey;
  if (masking() && event.button === 0 && !pan) {
    pushUndo(item);
    const point = toImage(x, y);
    paintTo(item, point, point);
    drag = { kind: 'paint', last: point };
  } else if (item.after && !masking() && Math.abs(x - state.split * box.width) < 12 && !pan) {
    drag = { kind: 'split' };
  } else {
    drag = { kind: 'pan', x, y, view: { ...state.view } };
  }
  draw();
});

canvas.addEventListener('pointermove', (event) => {
  const x = event.offsetX, y = event.offsetY;
  state.pointer = { x, y };
  const box = canvas.getBoundingClientRect();
  if (drag && drag.kind === 'split') {
    state.split = Math.min(1, Math.max(0, x / box.width));
  } else if (drag && drag.kind === 'pan') {
    state.view = { ...drag.view, x: drag.view.x + x - drag.x, y: drag.view.y + y - drag.y };
  } else if (drag && drag.kind === 'paint') {
    const point = toImage(x, y);
    paintTo(state.selected, drag.last, point);
    drag.last = point;
  }
  const nearSplit = state.selected && state.selected.after && !masking() &&
                    Math.abs(x - state.split * box.width) < 12;
  canvas.style.cursor = masking() ? 'none' : nearSplit ? 'ew-resize' : drag ? 'grabbing' : 'grab';
  draw();
});

canvas.addEventListener('pointerup', () => { drag = null; draw(); });
canvas.addEventListener('pointerleave', () => { state.pointer = null; draw(); });

canvas.addEventListener('wheel', (event) => {
  event.preventDefault();
  const factor = Math.exp(-event.deltaY * 0.0015);
  if (masking() && !event.ctrlKey) {
    state.brush = Math.min(200, Math.max(1, Math.round(state.brush * factor)));
    $('brush-size').value = state.brush;
    draw();
  } else {
    zoomTo(state.view.scale * factor, event.offsetX, event.offsetY);
  }
}, { passive: false });

// ---------------------------------------------------------------------------------------------
// Wiring

function setTool(tool) {
  state.tool = tool;
  const op = operation();
  state.painting = Boolean(op && op.needs_mask);
  draw();
  $('brush').setAttribute('aria-pressed', String(tool === 'brush'));
  $('eraser').setAttribute('aria-pressed', String(tool === 'eraser'));
}

function holdOriginal(on) {
  state.original = on;
  draw();
}

function toggleLens() {
  state.lens = !state.lens;
  $('lens').setAttribute('aria-pressed', String(state.lens));
  draw();
}

$('operation').onchange = operationChanged;
$('files').onchange = (event) => addFiles(event.target.files);
$('run').onclick = () => state.selected && run(state.selected);
$('run-all').onclick = runAll;
$('cancel').onclick = () => {
  const status = state.selected && state.selected.status;
  if (status && status.id) fetch(`/api/jobs/${status.id}`, { method: 'DELETE' });
};
$('fit').onclick = fit;
$('one').onclick = () => {
  const box = canvas.getBoundingClientRect();
  zoomTo(1, box.width / 2, box.height / 2);
};
$('lens').onclick = toggleLens;
$('original').onpointerdown = () => holdOriginal(true);
$('original').onpointerup = $('original').onpointerleave = () => holdOriginal(false);
$('brush').onclick = () => setTool('brush');
$('eraser').onclick = () => setTool('eraser');
$('brush-size').oninput = (event) => { state.brush = Number(event.target.value); };
$('undo').onclick = () => undoRedo('undo', 'redo');
$('redo').onclick = () => undoRedo('redo', 'undo');
$('clear-mask').onclick = () => {
  const item = state.selected;
  if (!item || !item.before) return;
  pushUndo(item);
  item.mask.getContext('2d').clearRect(0, 0, item.mask.width, item.mask.height);
  draw();
};
$('load-mask').onchange = async (event) => {
  const item = state.selected;
  const file = event.target.files[0];
  event.target.value = '';
  if (!item || !item.before || !file) return;
  pushUndo(item);
  await drawMaskImage(item, await loadImage(URL.createObjectURL(file)));
};
$('save-mask').onclick = async () => {
  const item = state.selected;
  if (!item || !item.before) return;
  ensureMask(item);
  const link = document.createElement('a');
  link.href = URL.createObjectURL(await maskBlob(item));
  link.download = item.name.replace(/^.*\//, '').replace(/\.[^.]*$/, '') + '-mask.png';
  link.click();
};
$('auto-mask').onclick = () => state.selected && detectDamage(state.selected);
$('copy').onclick = () => navigator.clipboard.writeText($('command').textContent);
$('folder-form').onsubmit = async (event) => {
  event.preventDefault();
  const response = await fetch(`/api/files?dir=${encodeURIComponent($('folder').value)}`);
  const listing = await response.json();
  if (!response.ok) return setStatus(listing.error, true);
  const folders = $('folders');
  folders.textContent = '';
  for (const folder of listing.folders) {
    const link = document.createElement('a');
    link.textContent = folder + '/';
    link.onclick = () => { $('folder').value = folder; $('folder-form').requestSubmit(); };
    folders.append(link);
  }
  for (const image of listing.images) addItem({ name: image.path, path: image.path });
  setStatus(`${listing.images.length} images in ${listing.dir}`);
};

window.addEventListener('keydown', (event) => {
  if (event.target.matches('input, select')) return;
  if (event.key === ' ' && !event.repeat) { event.preventDefault(); holdOriginal(true); }
  else if (event.key === 'l' || event.key === 'L') toggleLens();
  else if (event.key === 'b' || event.key === 'B') setTool('brush');
  else if (event.key === 'e' || event.key === 'E') setTool('eraser');
  else if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'z')
    event.shiftKey ? undoRedo('redo', 'undo') : undoRedo('undo', 'redo');
  else if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'y') undoRedo('redo', 'undo');
});
window.addEventListener('keyup', (event) => { if (event.key === ' ') holdOriginal(false); });
window.addEventListener('resize', draw);
for (const name of ['dragenter', 'dragover']) {
  document.addEventListener(name, (event) => { event.preventDefault(); document.body.classList.add('over'); });
}
document.addEventListener('dragleave', (event) => {
  if (!event.relatedTarget) document.body.classList.remove('over');
});
document.addEventListener('drop', (event) => {
  event.preventDefault();
  document.body.classList.remove('over');
  addFiles(event.dataTransfer.files);
});

loadCatalogue().catch((error) => setStatus(`cannot reach the server: ${error.message}`, true));
