// The report's charts, drawn as inline SVG at the width they are shown at (and again when it changes), so that
// their text stays readable on a phone. Every mark has a <title>: hovering (or a long press) tells its value.

import {h, svg, replace} from './dom.js';

const HEIGHT = 220;
const PAD = {top: 12, right: 44, bottom: 28, left: 44};

/** Draws draw(width) into container now and whenever its width changes; returns the container. */
export function responsive(container, draw) {
  let drawn = 0;
  const paint = () => {
    const width = Math.max(260, Math.floor(container.clientWidth || 600));
    if (width === drawn) return;
    drawn = width;
    replace(container, draw(width));
  };
  new ResizeObserver(paint).observe(container);
  requestAnimationFrame(paint);
  return container;
}

/** A round upper bound for an axis, and its ticks: 0, 2, 4, ... or 0, 5, 10, ...; whole steps for counts. */
export function niceTicks(max, count = 4, whole = false) {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map(f => f * magnitude).filter(s => !whole || Number.isInteger(s))
    .find(s => s >= raw) ?? Math.ceil(raw);
  const ticks = [];
  for (let tick = 0; tick <= max + step * 1e-9; tick += step) ticks.push(tick);
  if (ticks[ticks.length - 1] < max) ticks.push(ticks[ticks.length - 1] + step);
  return ticks;
}

function frame(width, className, label) {
  return svg('svg', {class: `chart ${className}`, width, height: HEIGHT, viewBox: `0 0 ${width} ${HEIGHT}`,
    role: 'img', 'aria-label': label}, svg('title', {}, label));
}

function yAxis(chart, width, ticks, scale, format, side = 'left') {
  for (const tick of ticks) {
    const y = scale(tick);
    if (side === 'left') {
      chart.append(svg('line', {class: 'grid', x1: PAD.left, x2: width - PAD.right, y1: y, y2: y}));
      chart.append(svg('text', {class: 'axis', x: PAD.left - 6, y: y + 4, 'text-anchor': 'end'}, tick === 0 ? '0' : format(tick)));
    } else {
      chart.append(svg('text', {class: 'axis', x: width - PAD.right + 6, y: y + 4}, format(tick)));
    }
  }
}

function xLabels(chart, labels, center, width) {
  const every = Math.max(1, Math.ceil(labels.length / Math.max(1, Math.floor((width - PAD.left - PAD.right) / 48))));
  labels.forEach((label, i) => {
    if (i % every === 0) {
      chart.append(svg('text', {class: 'axis', x: center(i), y: HEIGHT - 8, 'text-anchor': 'middle'}, label));
    }
  });
}

/**
 * Bars of counts per category with a rate (0..1) as a line over them, its axis on the right:
 * runs per day and their success rate.
 */
export function barsWithRate({labels, bars, rates, barName, rateName, formatBar = String}) {
  return width => {
    const chart = frame(width, 'bars-with-rate', `${barName} and ${rateName}`);
    const inner = width - PAD.left - PAD.right;
    const band = inner / Math.max(1, labels.length);
    const ticks = niceTicks(Math.max(...bars, 1), 4, true);
    const top = ticks[ticks.length - 1];
    const y = value => PAD.top + (HEIGHT - PAD.top - PAD.bottom) * (1 - value / top);
    const yRate = rate => PAD.top + (HEIGHT - PAD.top - PAD.bottom) * (1 - rate);
    const center = i => PAD.left + band * (i + 0.5);
    yAxis(chart, width, ticks, y, formatBar);
    yAxis(chart, width, [0, 0.5, 1], yRate, rate => `${Math.round(rate * 100)}%`, 'right');
    bars.forEach((value, i) => {
      const barWidth = Math.max(2, Math.min(40, band * 0.7));
      chart.append(svg('rect', {class: 'bar', x: center(i) - barWidth / 2, y: y(value), width: barWidth,
        height: Math.max(0, y(0) - y(value))}, svg('title', {}, `${labels[i]}: ${formatBar(value)} ${barName}`)));
    });
    const points = rates.map((rate, i) => rate === null || rate === undefined ? null : [center(i), yRate(rate)]);
    chart.append(...path(points, 'line rate'));
    points.forEach((point, i) => point && chart.append(svg('circle', {class: 'dot rate', cx: point[0], cy: point[1], r: 3},
      svg('title', {}, `${labels[i]}: ${Math.round(rates[i] * 100)}% ${rateName}`))));
    xLabels(chart, labels, center, width);
    return [chart, legend([['bar', barName], ['rate', rateName]])];
  };
}

/** Lines of values per category, on one axis: the p50 and p95 durations per day. */
export function lines({labels, series, format = String, name}) {
  return width => {
    const chart = frame(width, 'lines', name);
    const inner = width - PAD.left - PAD.right;
    const band = inner / Math.max(1, labels.length);
    const all = series.flatMap(s => s.values).filter(value => value !== null && value !== undefined);
    const ticks = niceTicks(Math.max(...all, 1));
    const top = ticks[ticks.length - 1];
    const y = value => PAD.top + (HEIGHT - PAD.top - PAD.bottom) * (1 - value / top);
    const center = i => PAD.left + band * (i + 0.5);
    yAxis(chart, width, ticks, y, format);
    for (const {values, className, label} of series) {
      const points = values.map((value, i) => value === null || value === undefined ? null : [center(i), y(value)]);
      chart.append(...path(points, `line ${className}`));
      points.forEach((point, i) => point && chart.append(svg('circle', {class: `dot ${className}`, cx: point[0], cy: point[1], r: 3},
        svg('title', {}, `${labels[i]}: ${label} ${format(values[i])}`))));
    }
    xLabels(chart, labels, center, width);
    return [chart, legend(series.map(s => [s.className, s.label]))];
  };
}

/** A path through the points, broken where a point is missing (a day without runs); single points stay dots. */
function path(points, className) {
  const segments = [];
  let current = [];
  for (const point of [...points, null]) {
    if (point) {
      current.push(point);
    } else {
      if (current.length > 1) segments.push(current);
      current = [];
    }
  }
  return segments.map(segment => svg('path', {class: className,
    d: segment.map(([x, y], i) => `${i ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}));
}

/**
 * Horizontal bars, one per item, each of one or more parts stacked ({value, className, name}), longest scale
 * first: the common errors, the tokens by model.
 */
export function horizontalBars({items, format = String, name}) {
  return width => {
    const rowHeight = 30;
    const labelWidth = Math.min(180, Math.floor(width * 0.4));
    const height = PAD.top + items.length * rowHeight + 8;
    const chart = svg('svg', {class: 'chart horizontal-bars', width, height, viewBox: `0 0 ${width} ${height}`,
      role: 'img', 'aria-label': name}, svg('title', {}, name));
    const max = Math.max(...items.map(item => item.parts.reduce((sum, part) => sum + part.value, 0)), 1);
    const room = width - labelWidth - 8 - 70;
    items.forEach((item, row) => {
      const y = PAD.top + row * rowHeight;
      chart.append(svg('text', {class: 'label', x: labelWidth, y: y + 15, 'text-anchor': 'end'},
        shorten(item.label, Math.floor((labelWidth - 4) / 7.5)), svg('title', {}, item.title ?? item.label)));
      let x = labelWidth + 8;
      for (const part of item.parts) {
        const length = room * part.value / max;
        chart.append(svg('rect', {class: `bar ${part.className ?? ''}`, x, y: y + 4, width: Math.max(part.value > 0 ? 1 : 0, length),
          height: rowHeight - 12}, svg('title', {}, `${item.label}: ${format(part.value)}${part.name ? ` ${part.name}` : ''}`)));
        x += length;
      }
      const total = item.parts.reduce((sum, part) => sum + part.value, 0);
      chart.append(svg('text', {class: 'value', x: x + 6, y: y + 15}, format(total)));
    });
    const names = [...new Map(items.flatMap(item => item.parts).filter(part => part.name)
      .map(part => [part.className, part.name])).entries()];
    return names.length > 1 ? [chart, legend(names)] : chart;
  };
}

function shorten(text, length) {
  return text.length > length ? `${text.slice(0, Math.max(1, length - 1))}…` : text;
}

function legend(entries) {
  return h('ul', {class: 'legend'}, entries.map(([className, label]) =>
    h('li', {}, h('span', {class: `swatch ${className}`}), label)));
}
