// #/ : a new run. Type a task, pick a model (those of the server's config, its default first), optionally the
// language, mode, step limit and answer format; start, and the run's own page follows it live.

import {api, ApiError} from '../api.js';
import {h, replace, badge, when} from '../dom.js';
import {failure, serverInfo, submitOnCtrlEnter} from './common.js';

export async function render(container, params, signal) {
  const task = h('textarea', {id: 'task', name: 'task', rows: 5, required: true,
    placeholder: 'What should the agent do? e.g. "Plot y = x² for x in 0..10 and return the largest y as JSON."'});
  const modelSlot = h('div', {class: 'field-control'});
  const language = select('language', [['', 'server default'], ['python', 'Python'], ['javascript', 'JavaScript']]);
  const mode = select('mode', [['', 'server default'], ['multi-step', 'multi-step'], ['simple', 'simple (one execution)']]);
  const maxSteps = h('input', {id: 'maxSteps', name: 'maxSteps', type: 'number', min: 1, max: 100, placeholder: 'default',
    inputmode: 'numeric'});
  const format = select('format', [['', 'detected'], ['json', 'JSON'], ['csv', 'CSV'], ['text', 'text']]);
  const start = h('button', {type: 'submit', class: 'primary', id: 'start'}, 'Start');
  const problem = h('div', {class: 'form-problem', role: 'alert'});
  const form = h('form', {class: 'new-run', novalidate: true},
    h('label', {for: 'task'}, 'Task'), task,
    h('div', {class: 'row'},
      h('div', {class: 'field'}, h('label', {for: 'model'}, 'Model'), modelSlot),
      h('div', {class: 'field field-button'}, start)),
    h('details', {class: 'options'}, h('summary', {}, 'Options'),
      h('div', {class: 'grid'},
        field('Language', language), field('Mode', mode), field('Max steps', maxSteps), field('Answer format', format))),
    problem);
  const recent = h('section', {class: 'recent'});
  replace(container, h('section', {class: 'panel'}, h('h2', {}, 'New run'), form), recent);

  let model = h('input', {id: 'model', name: 'model', placeholder: 'PROVIDER:MODEL, e.g. openrouter:google/gemini-2.5-flash'});
  replace(modelSlot, model);
  serverInfo().then(info => {
    if (info.models?.length) {
      model = select('model', info.models.map(name => [name, name === info.defaultModel ? `${name} (default)` : name]));
      replace(modelSlot, model);
    }
    language.options[0].textContent = `server default (${info.language})`;
  }).catch(e => replace(problem, failure(e)));

  const submit = async () => {
    replace(problem);
    form.querySelectorAll('[aria-invalid]').forEach(element => element.removeAttribute('aria-invalid'));
    if (!task.value.trim()) {
      task.setAttribute('aria-invalid', 'true');
      replace(problem, h('p', {class: 'error-box'}, 'Type a task first.'));
      task.focus();
      return;
    }
    const body = {task: task.value.trim()};
    if (model.value.trim()) body.model = model.value.trim();
    if (language.value) body.language = language.value;
    if (mode.value) body.mode = mode.value;
    if (maxSteps.value) body.maxSteps = Number(maxSteps.value);
    if (format.value) body.format = format.value;
    start.disabled = true;
    start.textContent = 'Starting…';
    try {
      const run = await api('/api/runs', {method: 'POST', body});
      location.hash = `#/runs/${encodeURIComponent(run.id)}`;
    } catch (e) {
      if (e instanceof ApiError && e.field) form.querySelector(`[name="${CSS.escape(e.field)}"]`)?.setAttribute('aria-invalid', 'true');
      replace(problem, failure(e));
    } finally {
      start.disabled = false;
      start.textContent = 'Start';
    }
  };
  form.addEventListener('submit', event => {
    event.preventDefault();
    submit();
  });
  submitOnCtrlEnter(task, submit);

  try {
    const {runs} = await api('/api/runs?limit=5', {signal});
    if (runs.length) {
      replace(recent, h('h2', {}, 'Recent runs'), h('ul', {class: 'recent-list'}, runs.map(run =>
        h('li', {}, badge(run.status), ' ', h('a', {href: `#/runs/${encodeURIComponent(run.id)}`}, run.task),
          h('span', {class: 'faint'}, ` ${when(run.startedAt)}`)))),
        h('p', {}, h('a', {href: '#/runs'}, 'All runs →')));
    }
  } catch {
    // the recent runs are a convenience: the history page says what is wrong
  }
}

function select(name, choices) {
  return h('select', {id: name, name}, choices.map(([value, label]) => h('option', {value}, label)));
}

function field(label, control) {
  return h('div', {class: 'field'}, h('label', {for: control.id}, label), control);
}
