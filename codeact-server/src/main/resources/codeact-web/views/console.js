// #/console : sandbox sessions. Create one (its language), type code (Ctrl/Cmd-Enter runs it), see its output as it
// is printed, its figures and tables, its result or its error with the traceback; the state stays between
// executions until the session is closed (or idles past the server's TTL).

import {api, readEvents, ApiError} from '../api.js';
import {h, replace, duration, when} from '../dom.js';
import {highlighted} from '../highlight.js';
import {DisplayList} from '../display.js';
import {errorView} from '../steps.js';
import {failure, serverInfo, submitOnCtrlEnter} from './common.js';

export async function render(container, {id}, signal) {
  if (id) await sessionPage(container, id, signal);
  else await sessionList(container, signal);
}

async function sessionList(container, signal) {
  const language = h('select', {id: 'session-language', name: 'language'},
    h('option', {value: 'python'}, 'Python'), h('option', {value: 'javascript'}, 'JavaScript'));
  const create = h('button', {type: 'submit', class: 'primary', id: 'new-session'}, 'New session');
  const problem = h('div', {role: 'alert'});
  const form = h('form', {class: 'filter'}, h('label', {for: 'session-language'}, 'Language'), language, create);
  const list = h('div', {class: 'sessions'});
  replace(container, h('section', {class: 'panel'}, h('h2', {}, 'Console'),
    h('p', {class: 'faint'}, 'A session is a sandboxed interpreter whose variables stay between executions.'),
    form, problem, list));
  serverInfo().then(info => {
    language.value = info.language ?? 'python';
  }).catch(() => {});
  form.addEventListener('submit', async event => {
    event.preventDefault();
    create.disabled = true;
    replace(problem);
    try {
      const session = await api('/api/sessions', {method: 'POST', body: {language: language.value}});
      location.hash = `#/console/${encodeURIComponent(session.id)}`;
    } catch (e) {
      replace(problem, failure(e));
    } finally {
      create.disabled = false;
    }
  });
  const load = async () => {
    try {
      const {sessions} = await api('/api/sessions', {signal});
      replace(list, sessions.length ? h('ul', {class: 'session-list'}, sessions.map(session =>
        h('li', {}, h('a', {href: `#/console/${encodeURIComponent(session.id)}`}, h('code', {}, session.id)),
          ` ${session.language} · ${session.executions} executions · since ${when(session.createdAt)}`
          + ` · closes after ${when(session.expiresAt)} unless used`)))
        : h('p', {class: 'empty'}, 'No session is open.'));
    } catch (e) {
      if (e.name !== 'AbortError') replace(list, failure(e, load));
    }
  };
  await load();
}

async function sessionPage(container, id, signal) {
  const head = h('div', {class: 'panel-head'}, h('h2', {}, 'Session ', h('code', {}, id)));
  const facts = h('p', {class: 'faint session-facts'});
  const cells = h('div', {class: 'cells'});
  const code = h('textarea', {id: 'code', name: 'code', rows: 6, spellcheck: 'false', autocapitalize: 'off',
    autocomplete: 'off', class: 'code-input', placeholder: 'Code to run; Ctrl-Enter (⌘-Enter) runs it'});
  const run = h('button', {type: 'submit', class: 'primary', id: 'run-code'}, 'Run');
  const close = h('button', {type: 'button', class: 'danger', id: 'close-session'}, 'Close session');
  const editor = h('form', {class: 'editor'}, code,
    h('div', {class: 'row'}, run, h('span', {class: 'faint hint'}, 'Ctrl-Enter runs'), h('span', {class: 'grow'}), close));
  const problem = h('div', {role: 'alert'});
  replace(container, h('section', {class: 'panel console'}, head, facts, cells, problem, editor));

  let language = 'python';
  try {
    const {sessions} = await api('/api/sessions', {signal});
    const session = sessions.find(s => s.id === id);
    if (!session) {
      replace(container, h('section', {class: 'panel'}, h('p', {class: 'error-box'},
        `No session ${id}: it was closed, or it idled past the server's time limit. `,
        h('a', {href: '#/console'}, 'Open a new one.'))));
      return;
    }
    language = session.language;
    facts.textContent = `${session.language} · ${session.timeoutSeconds} s per execution · ${session.memoryMb} MB`
      + ` · ${session.executions} executions so far`;
  } catch (e) {
    if (e.name === 'AbortError') return;
    replace(problem, failure(e));
  }

  let busy = false;
  const execute = async () => {
    const source = code.value;
    if (busy || !source.trim()) return;
    busy = true;
    run.disabled = true;
    replace(problem);
    const cell = new Cell(language, source);
    cells.append(cell.element);
    cell.element.scrollIntoView({block: 'nearest'});
    try {
      const result = await readEvents(`/api/sessions/${encodeURIComponent(id)}/execute`, {method: 'POST',
        body: {code: source}, onEvent: ({event, data}) => cell.apply(event, data)});
      if (result) cell.apply('result', result); // a server that answered with JSON, not a stream
      code.value = '';
    } catch (e) {
      cell.failed();
      if (e instanceof ApiError && e.status === 404) {
        replace(problem, h('p', {class: 'error-box'}, 'This session has ended (closed, or idle past the server\'s '
          + 'time limit); its variables are gone. ', h('a', {href: '#/console'}, 'Open a new one.')));
      } else {
        replace(problem, failure(e));
      }
    } finally {
      busy = false;
      run.disabled = false;
      code.focus();
    }
  };
  editor.addEventListener('submit', event => {
    event.preventDefault();
    execute();
  });
  submitOnCtrlEnter(code, execute);
  close.addEventListener('click', async () => {
    close.disabled = true;
    try {
      await api(`/api/sessions/${encodeURIComponent(id)}`, {method: 'DELETE'});
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) {
        close.disabled = false;
        replace(problem, failure(e));
        return;
      }
    }
    location.hash = '#/console';
  });
  code.focus();
}

/** One execution: the code, its output as printed, its displays, then its result or error. */
class Cell {
  constructor(language, source) {
    this.output = h('pre', {class: 'output', hidden: true});
    this.displayBox = h('div', {class: 'displays'});
    this.displays = new DisplayList(this.displayBox);
    this.outcome = h('div', {class: 'cell-outcome'}, h('p', {class: 'faint running'}, 'running…'));
    this.streamed = false;
    this.element = h('article', {class: 'cell'}, highlighted(source, language), this.output, this.displayBox, this.outcome);
  }

  apply(event, data) {
    if (event === 'output') {
      this.streamed = true;
      this.print(data.stream, data.text);
    } else if (event === 'display') {
      this.streamed = true;
      this.displays.add(data);
    } else if (event === 'result') {
      this.finish(data);
    }
  }

  print(stream, text) {
    this.output.hidden = false;
    const last = this.output.lastElementChild;
    if (last && last.dataset.stream === stream) last.append(text);
    else this.output.append(h('span', {class: `stream-${stream}`, 'data-stream': stream}, text));
  }

  /** The execution's JSON (as `codeact exec --json`): what did not stream is shown from it. */
  finish(result) {
    if (!this.streamed) {
      if (result.stdout) this.print('stdout', result.stdout);
      if (result.stderr) this.print('stderr', result.stderr);
      for (const item of result.displays ?? []) this.displays.add(item);
    }
    const notes = [];
    if (result.timedOut) notes.push('timed out');
    if (result.restarted) notes.push('the interpreter was restarted: variables are gone, files are kept');
    if (result.truncated) notes.push('output truncated');
    replace(this.outcome,
      result.error ? errorView(result.error) : null,
      result.final ? h('pre', {class: 'result'}, h('span', {class: 'faint'}, 'final answer: '), result.final.repr) : null,
      !result.error && result.result ? h('pre', {class: 'result'}, h('span', {class: 'faint'}, '=> '), result.result.repr) : null,
      h('p', {class: 'faint cell-meta'}, `${result.ok ? '✓' : '✗'} ${duration(result.durationMs)}`,
        notes.length ? ` · ${notes.join(' · ')}` : ''));
    this.element.dataset.state = result.ok ? 'ok' : 'failed';
  }

  failed() {
    replace(this.outcome, h('p', {class: 'error-text'}, '✗ not run'));
    this.element.dataset.state = 'failed';
  }
}
