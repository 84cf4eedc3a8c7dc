// Hand-written SVG charts for the dashboard: every element is built with createElementNS and every
// data value goes in as text, never as markup. Each chart is an image with a title and a description
// that says what it shows in words; the page puts the numbers in a table beside it.

const svgNs = 'http://www.w3.org/2000/svg';
/** Drawn at the width of its box, so that text stays at its CSS size whatever the screen. */
const defaultWidth = 720;
const margin = { top: 12, right: 16, bottom: 28, left: 48 };

let chartCount = 0;

/** An SVG element with attributes. */
function svg(name, attributes = {}, text) {
  const element = document.createElementNS(svgNs, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/** The root: role img, labelled by its own title and described by its own desc. */
function chartRoot(width, height, title, description) {
  const id = `chart-${++chartCount}`;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': `${id}-title ${id}-desc`, class: 'chart-svg' });
  root.append(svg('title', { id: `${id}-title` }, title), svg('desc', { id: `${id}-desc` }, description));
  return root;
}

/** A round number at or above `value` (1, 2 or 5 times a power of ten), for the top of an axis. */
export function niceCeiling(value) {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function clock(ms) {
  const date = new Date(ms);
  return `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
}

/** Time labels along the bottom: about six, on whole minutes. */
function timeAxis(root, minutes, x, bottom, slot) {
  const every = Math.max(1, Math.ceil(minutes.length / 6));
  minutes.forEach((minute, i) => {
    if (i % every !== 0) return;
    root.append(svg('text', { x: x(i) + slot / 2, y: bottom + 18, class: 'axis-label', 'text-anchor': 'middle' }, clock(minute)));
  });
}

/** Horizontal grid lines with their values on the left. */
function valueAxis(root, width, top, bottom, ceiling, format = String) {
  for (let step = 0; step <= 4; step++) {
    const value = (ceiling * step) / 4;
    const y = bottom - ((bottom - top) * step) / 4;
    root.append(svg('line', { x1: margin.left, x2: width - margin.right, y1: y, y2: y, class: step === 0 ? 'axis' : 'grid' }));
    root.append(svg('text', { x: margin.left - 6, y: y + 4, class: 'axis-label', 'text-anchor': 'end' }, format(value)));
  }
}

/**
 * Stacked columns, one per minute: `series` is [{ label, className, values }], each value one minute.
 * Every column piece has a tooltip (its SVG title) with the minute, the label and the count.
 */
export function stackedColumns({ minutes, series, title, description, height = 220, width = defaultWidth }) {
  const root = chartRoot(width, height, title, description);
  const top = margin.top;
  const bottom = height - margin.bottom;
  const totals = minutes.map((_, i) => series.reduce((sum, one) => sum + (one.values[i] ?? 0), 0));
  const ceiling = niceCeiling(Math.max(...totals, 1));
  valueAxis(root, width, top, bottom, ceiling, (value) => (Number.isInteger(value) ? String(value) : value.toFixed(1)));
  const plotWidth = width - margin.left - margin.right;
  const slot = plotWidth / Math.max(minutes.length, 1);
  const barWidth = Math.max(1, slot * 0.72);
  const x = (i) => margin.left + i * slot;
  minutes.forEach((minute, i) => {
    let base = bottom;
    for (const one of series) {
      const value = one.values[i] ?? 0;
      if (value === 0) continue;
      const h = ((bottom - top) * value) / ceiling;
      const piece = svg('rect', { x: x(i) + (slot - barWidth) / 2, y: base - h, width: barWidth, height: h, class: `fill ${one.className}` });
      piece.append(svg('title', {}, `${clock(minute)} ${one.label}: ${value}`));
      root.append(piece);
      base -= h;
    }
  });
  timeAxis(root, minutes, x, bottom, slot);
  return root;
}

/** Horizontal bars, one per item ([{ label, value, className }]), the value written at the bar's end. */
export function horizontalBars({ items, title, description, width = defaultWidth }) {
  const rowHeight = 26;
  const labelWidth = Math.min(220, width * 0.4);
  const height = Math.max(1, items.length) * rowHeight + 8;
  const root = chartRoot(width, height, title, description);
  const ceiling = Math.max(...items.map((item) => item.value), 1);
  const room = width - labelWidth - 70;
  items.forEach((item, i) => {
    const y = 4 + i * rowHeight;
    const label = item.label.length > 30 ? `${item.label.slice(0, 29)}…` : item.label;
    root.append(svg('text', { x: labelWidth - 8, y: y + 17, class: 'bar-label', 'text-anchor': 'end' }, label));
    const barLength = Math.max(2, (room * item.value) / ceiling);
    const bar = svg('rect', { x: labelWidth, y: y + 4, width: barLength, height: rowHeight - 8, rx: 3, class: `fill ${item.className ?? 'tone-1'}` });
    bar.append(svg('title', {}, `${item.label}: ${item.value}`));
    root.append(bar, svg('text', { x: labelWidth + barLength + 6, y: y + 17, class: 'bar-value' }, String(item.value)));
  });
  if (items.length === 0) root.append(svg('text', { x: width / 2, y: 18, class: 'axis-label', 'text-anchor': 'middle' }, 'Nothing in this range'));
  return root;
}

/** Lines over the minutes on a logarithmic ms axis (latency): `series` is [{ label, className, values (null = no data) }]. */
export function logLines({ minutes, series, title, description, height = 220, width = defaultWidth }) {
  const root = chartRoot(width, height, title, description);
  const top = margin.top;
  const bottom = height - margin.bottom;
  const known = series.flatMap((one) => one.values.filter((value) => value !== null));
  const highest = Math.max(...known, 10);
  const decades = Math.max(1, Math.ceil(Math.log10(highest)));
  const y = (ms) => bottom - ((bottom - top) * Math.log10(Math.max(ms, 1))) / decades;
  for (let decade = 0; decade <= decades; decade++) {
    const value = 10 ** decade;
    root.append(svg('line', { x1: margin.left, x2: width - margin.right, y1: y(value), y2: y(value), class: decade === 0 ? 'axis' : 'grid' }));
    root.append(svg('text', { x: margin.left - 6, y: y(value) + 4, class: 'axis-label', 'text-anchor': 'end' }, value >= 1000 ? `${value / 1000} s` : `${value} ms`));
  }
  const slot = (width - margin.left - margin.right) / Math.max(minutes.length, 1);
  const x = (i) => margin.left + i * slot;
  for (const one of series) {
    // A gap where a minute had no request: the line stops rather than inventing a value.
    let path = '';
    let pen = false;
    one.values.forEach((value, i) => {
      if (value === null) {
        pen = false;
        return;
      }
      path += `${pen ? 'L' : 'M'}${(x(i) + slot / 2).toFixed(1)} ${y(value).toFixed(1)} `;
      pen = true;
      const dot = svg('circle', { cx: x(i) + slot / 2, cy: y(value), r: 3, class: `dot ${one.className}` });
      dot.append(svg('title', {}, `${clock(minutes[i])} ${one.label}: ≤ ${value} ms`));
      root.append(dot);
    });
    if (path !== '') root.insertBefore(svg('path', { d: path.trim(), class: `line ${one.className}` }), root.querySelector('circle'));
  }
  timeAxis(root, minutes, x, bottom, slot);
  return root;
}

/** A legend under a chart: a swatch and a label per series. */
export function legend(series) {
  const list = document.createElement('ul');
  list.className = 'legend';
  for (const one of series) {
    const item = document.createElement('li');
    const swatch = document.createElement('span');
    swatch.className = `swatch ${one.className}`;
    swatch.setAttribute('aria-hidden', 'true');
    item.append(swatch, document.createTextNode(one.label));
    list.append(item);
  }
  return list;
}

/**
 * A small line per table row (a route's or a code's minutes): decorative, since the row's numbers are
 * beside it, so it is hidden from screen readers. `lines` is [{ values, className }] on one scale.
 */
export function sparkline(lines, { width: boxWidth = 160, height = 28 } = {}) {
  const root = svg('svg', { viewBox: `0 0 ${boxWidth} ${height}`, class: 'sparkline', 'aria-hidden': 'true', focusable: 'false' });
  const ceiling = Math.max(1, ...lines.flatMap((line) => line.values));
  for (const line of lines) {
    const step = boxWidth / Math.max(1, line.values.length - 1);
    const points = line.values.map((value, i) => `${(i * step).toFixed(1)},${(height - 2 - ((height - 4) * value) / ceiling).toFixed(1)}`).join(' ');
    root.append(svg('polyline', { points, class: `spark ${line.className}` }));
  }
  return root;
}
