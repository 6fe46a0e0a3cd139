// Building the page's elements from data: text always goes in as text (never as HTML), so that whatever a run
// prints or a model writes is shown, not interpreted.

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An element: h('p', {class: 'note'}, 'text', child, [more, children]); null and false children are skipped. */
export function h(tag, attributes = {}, ...children) {
  return fill(document.createElement(tag), attributes, children);
}

/** An SVG element, as h() makes an HTML one. */
export function svg(tag, attributes = {}, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attributes, children);
}

function fill(element, attributes, children) {
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (name === 'dataset') {
      Object.assign(element.dataset, value);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) {
      append(element, child);
    } else {
      element.append(child instanceof Node ? child : String(child));
    }
  }
}

/** Replaces an element's children. */
export function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/** "1.2 s", "850 ms", "3 min 5 s": a duration for people. */
export function duration(ms) {
  if (ms === null || ms === undefined) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** A whole number with thousands grouped: 12 345. */
export function count(n) {
  return n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US').replaceAll(',', ' ');
}

/** "0.75" as "75 %". */
export function percent(rate) {
  return rate === null || rate === undefined || Number.isNaN(rate) ? '–' : `${Math.round(rate * 100)} %`;
}

/** An instant (ISO 8601) as the local date and time to the second, as the CLI's history shows it. */
export function when(iso) {
  if (!iso) return '–';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = n => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} `
    + `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** "1 234 in · 56 out" tokens. */
export function tokens(input, output) {
  return `${count(input ?? 0)} in · ${count(output ?? 0)} out tokens`;
}

/** A status badge: running, succeeded, failed, incomplete, cancelled (and the page's own "starting"). */
export function badge(status) {
  return h('span', {class: `badge badge-${status ?? 'unknown'}`, 'data-status': status ?? 'unknown'}, status ?? '?');
}
