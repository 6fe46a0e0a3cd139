// #/runs : the history, latest first, running runs included; filtered by text (q) and status, kept in the address
// so that a filtered list can be reloaded and shared. Refreshed while a run in it is under way.

import {api} from '../api.js';
import {h, replace, badge, duration, when} from '../dom.js';
import {failure} from './common.js';

const STATUSES = ['running', 'succeeded', 'failed', 'incomplete', 'cancelled'];
const LIMIT = 50;

export async function render(container, params, signal, query) {
  const q = h('input', {type: 'search', name: 'q', id: 'q', value: query.get('q') ?? '', placeholder: 'task, model or id contains…'});
  const status = h('select', {name: 'status', id: 'status'}, h('option', {value: ''}, 'any status'),
    STATUSES.map(value => h('option', {value, selected: query.get('status') === value}, value)));
  const filter = h('form', {class: 'filter', role: 'search'},
    h('label', {for: 'q', class: 'visually-hidden'}, 'Filter'), q, status,
    h('button', {type: 'submit'}, 'Filter'));
  const results = h('div', {class: 'history'});
  replace(container, h('section', {class: 'panel'}, h('h2', {}, 'History'), filter, results));

  const apply = () => {
    const next = new URLSearchParams();
    if (q.value.trim()) next.set('q', q.value.trim());
    if (status.value) next.set('status', status.value);
    location.hash = `#/runs${next.size ? `?${next}` : ''}`;
  };
  filter.addEventListener('submit', event => {
    event.preventDefault();
    apply();
  });
  status.addEventListener('change', apply);

  const search = new URLSearchParams({limit: String(LIMIT)});
  if (query.get('q')) search.set('q', query.get('q'));
  if (query.get('status')) search.set('status', query.get('status'));
  const load = async () => {
    let runs;
    try {
      ({runs} = await api(`/api/runs?${search}`, {signal}));
    } catch (e) {
      if (e.name !== 'AbortError') replace(results, failure(e, load));
      return;
    }
    replace(results, runs.length ? runTable(runs) : h('p', {class: 'empty'},
      query.size ? 'No run matches this filter.' : 'No runs yet. ', query.size ? null : h('a', {href: '#/'}, 'Start one.')));
    if (runs.some(run => run.status === 'running') && !signal.aborted) {
      setTimeout(() => signal.aborted || load(), 3000);
    }
  };
  await load();
}

/** The runs as a table; at a phone's width each row becomes a card (see app.css). */
function runTable(runs) {
  const header = ['status', 'model', 'started', 'duration', 'steps', 'task'];
  return h('table', {class: 'runs'},
    h('thead', {}, h('tr', {}, header.map(name =>
      h('th', {scope: 'col', class: name === 'duration' || name === 'steps' ? 'num' : null}, name)))),
    h('tbody', {}, runs.map(run => {
      const link = `#/runs/${encodeURIComponent(run.id)}`;
      return h('tr', {'data-run': run.id, class: 'run-row', onclick: event => {
        if (!event.target.closest('a')) location.hash = link;
      }},
      h('td', {'data-label': 'status'}, badge(run.status)),
      h('td', {'data-label': 'model', class: 'model'}, run.model ?? '–'),
      h('td', {'data-label': 'started', class: 'nowrap'}, when(run.startedAt)),
      h('td', {'data-label': 'duration', class: 'num'}, run.status === 'running' ? '…' : duration(run.durationMs)),
      h('td', {'data-label': 'steps', class: 'num'}, String(run.steps ?? 0)),
      h('td', {'data-label': 'task', class: 'task-cell'}, h('a', {href: link}, run.task)));
    })));
}
