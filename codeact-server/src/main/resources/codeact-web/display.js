// What code shows and what a run answers, as elements: figures, tables, text; answers as indented JSON, CSV as a
// table, text as text. Nothing a run produced is ever read as HTML into the page: images go through <img> (an SVG
// there runs no script), HTML displays into a sandboxed frame.

import {h} from './dom.js';

const MAX_ROWS = 500;

/** One display ({mime, data}; or a stored one: {mime, path} / {mime, error}). */
export function display({mime, data, path, error}) {
  if (error) return h('p', {class: 'display display-missing'}, `${mime}: ${error}`);
  if (path !== undefined && data === undefined) {
    return h('p', {class: 'display display-missing'}, `${mime} saved on the server as ${path}`);
  }
  if (mime === 'image/png' || mime === 'image/jpeg' || mime === 'image/gif') {
    return h('figure', {class: 'display display-image'},
      h('img', {src: `data:${mime};base64,${data}`, alt: 'a figure the code drew', loading: 'lazy'}));
  }
  if (mime === 'image/svg+xml') {
    return h('figure', {class: 'display display-image'},
      h('img', {src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(data)}`, alt: 'an SVG the code drew'}));
  }
  if (mime === 'application/json') {
    let value;
    try {
      value = JSON.parse(data);
    } catch {
      return h('pre', {class: 'display display-text'}, data);
    }
    return h('div', {class: 'display display-table'}, valueView(value));
  }
  if (mime === 'text/html') {
    // Sandboxed without scripts: a pandas Styler or a chart's HTML shows, but can reach neither the page nor the token.
    return h('iframe', {class: 'display display-html', sandbox: '', srcdoc: data, title: 'HTML the code displayed'});
  }
  return h('pre', {class: 'display display-text'}, typeof data === 'string' ? data : JSON.stringify(data, null, 2));
}

/**
 * A growing list of displays. A table arrives as text (its repr) then JSON (its records): the table replaces the
 * text just before it, so it is shown once, as a table.
 */
export class DisplayList {
  constructor(container) {
    this.container = container;
    this.lastText = null;
  }

  add(item) {
    const element = display(item);
    if (item.mime === 'application/json' && this.lastText && this.lastText.isConnected) {
      this.lastText.replaceWith(element);
    } else {
      this.container.append(element);
    }
    this.lastText = item.mime === 'text/plain' ? element : null;
  }
}

/** JSON records (an array of objects) as a table; an array of arrays as rows; anything else as indented JSON. */
export function valueView(value) {
  if (Array.isArray(value) && value.length > 0 && value.every(isRecord)) {
    const columns = [];
    for (const record of value) {
      for (const key of Object.keys(record)) if (!columns.includes(key)) columns.push(key);
    }
    return table(columns, value.map(record => columns.map(column => record[column])));
  }
  if (Array.isArray(value) && value.length > 0 && value.every(Array.isArray)) {
    return table(null, value);
  }
  return prettyJson(value);
}

function isRecord(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A scrollable table (the wrapper scrolls, never the page). */
export function table(columns, rows) {
  const shown = rows.slice(0, MAX_ROWS);
  return h('div', {class: 'table-wrap'},
    h('table', {class: 'data'},
      columns ? h('thead', {}, h('tr', {}, columns.map(column => h('th', {scope: 'col'}, column)))) : null,
      h('tbody', {}, shown.map(row => h('tr', {}, row.map(cell => h('td', {class: cellClass(cell)}, cellText(cell))))))),
    rows.length > shown.length ? h('p', {class: 'faint'}, `… and ${rows.length - shown.length} more rows`) : null);
}

function cellText(cell) {
  if (cell === null || cell === undefined) return '';
  return typeof cell === 'object' ? JSON.stringify(cell) : String(cell);
}

function cellClass(cell) {
  return typeof cell === 'number' || (typeof cell === 'string' && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(cell))
    ? 'num' : null;
}

/** A JSON value indented, its strings, numbers, literals and keys coloured. */
export function prettyJson(value) {
  const text = JSON.stringify(value, null, 2) ?? String(value);
  const parts = [];
  let last = 0;
  const tokens = /("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;
  for (const match of text.matchAll(tokens)) {
    if (match.index > last) parts.push(text.slice(last, match.index));
    if (match[1] !== undefined) {
      parts.push(h('span', {class: match[2] ? 'tok-key' : 'tok-string'}, match[1]));
      if (match[2]) parts.push(match[2]);
    } else if (match[3] !== undefined) {
      parts.push(h('span', {class: 'tok-keyword'}, match[3]));
    } else {
      parts.push(h('span', {class: 'tok-number'}, match[4]));
    }
    last = match.index + match[0].length;
  }
  parts.push(text.slice(last));
  return h('pre', {class: 'json'}, parts);
}

/** CSV (RFC 4180: quoted fields, doubled quotes, line breaks inside quotes) as rows of fields. */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      field += c;
    }
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/**
 * A run's answer ({answer, answerText, format, parseError}) as its format says: JSON indented, CSV as a table,
 * text as text. An answer that did not parse is shown as given, with why.
 */
export function answerView({answer, answerText, format, parseError}) {
  const parts = [];
  if (parseError) parts.push(h('p', {class: 'warning'}, `${parseError}; the answer is shown as given.`));
  if (format === 'json' && !parseError && answer !== null && answer !== undefined) {
    parts.push(prettyJson(answer));
  } else if (format === 'csv' && !parseError && answerText) {
    const rows = parseCsv(answerText.trim());
    parts.push(rows.length > 1 ? table(rows[0], rows.slice(1)) : h('pre', {class: 'answer-text'}, answerText));
  } else {
    const text = answerText ?? (typeof answer === 'string' ? answer : JSON.stringify(answer, null, 2));
    parts.push(h('pre', {class: 'answer-text'}, (text ?? '').trim()));
  }
  return parts;
}
