// #/runs/{id}: a run with every step, as `codeact show` shows it; live from its event stream while it runs.

import {api, readEvents, whenOnline, ApiError, Unreachable} from '../api.js';
import {h, replace, badge, duration, when, tokens} from '../dom.js';
import {StepView} from '../steps.js';
import {answerView} from '../display.js';
import {failure} from './common.js';

export function render(container, {id}, signal) {
  const page = new RunPage(container, id, signal);
  page.load();
}

class RunPage {
  constructor(container, id, signal) {
    this.id = id;
    this.signal = signal;
    this.steps = new Map();
    this.language = 'python';
    this.status = h('span', {class: 'run-status'});
    this.facts = h('dl', {class: 'facts'});
    this.task = h('p', {class: 'task'});
    this.cancel = h('button', {type: 'button', class: 'danger', hidden: true, onclick: () => this.cancelRun()}, 'Cancel');
    this.notice = h('div', {class: 'notice', role: 'status', 'aria-live': 'polite'});
    this.stepList = h('div', {class: 'steps'});
    this.answer = h('section', {class: 'answer', hidden: true});
    replace(container, h('article', {class: 'run', 'data-run': id},
      h('header', {class: 'run-head'},
        h('div', {class: 'run-title'}, h('h2', {}, 'Run ', h('code', {}, id)), this.status, this.cancel),
        this.task, this.facts),
      this.notice, this.stepList, this.answer));
  }

  async load() {
    let run;
    try {
      run = await api(`/api/runs/${encodeURIComponent(this.id)}`, {signal: this.signal});
    } catch (e) {
      if (e.name === 'AbortError') return;
      if (e instanceof ApiError && e.status === 404) {
        replace(this.notice, h('p', {class: 'error-box'}, `No run ${this.id} on this server. `,
          h('a', {href: '#/runs'}, 'See the history.')));
        return;
      }
      replace(this.notice, failure(e, () => this.load()));
      return;
    }
    this.head(run);
    // Always from the event stream: while the server keeps a run's events (it runs, or ended lately) they replay
    // it whole, figures included; a run it knows only from the store comes as its end alone, the stored run.
    this.follow();
  }

  /** The run's facts: task, model, status, when, how long, how much. */
  head(run) {
    this.run = run;
    this.language = run.language ?? this.language;
    this.task.textContent = run.task ?? '';
    replace(this.status, badge(run.status));
    this.cancel.hidden = run.status !== 'running';
    const steps = (run.steps ?? []).filter(step => step.code).length;
    const facts = [
      ['model', `${run.model ?? '?'}${run.mode ? ` · ${run.mode}` : ''} · ${run.language ?? this.language}`],
      ['started', when(run.startedAt)],
      ['took', run.status === 'running' ? 'under way' : duration(run.durationMs)],
      ['steps', String(steps)],
      ['tokens', tokens(run.inputTokens, run.outputTokens)],
    ];
    if (run.reason && run.status !== 'running') facts.push(['ended', run.reason]);
    if (run.reusedFrom) facts.push(['reused', run.reusedFrom]);
    replace(this.facts, facts.filter(([, value]) => value !== '–').map(([name, value]) =>
      h('div', {}, h('dt', {}, name), h('dd', {}, value))));
  }

  /** A run that has ended: its stored steps, then its answer or why there is none. */
  showStored(run) {
    const lastWord = run.reason === 'max_steps' && run.steps?.length ? run.steps[run.steps.length - 1] : null;
    replace(this.stepList, (run.steps ?? []).map(step => StepView.stored(step, this.language,
      step === lastWord ? 'Step limit reached: the model\'s best answer' : undefined).element));
    this.showEnd(run);
  }

  showEnd(run) {
    this.answer.hidden = false;
    if (run.status === 'succeeded' && run.answerText !== null && run.answerText !== undefined) {
      replace(this.answer, h('h3', {}, `Answer${run.format ? ` (${run.format})` : ''}`), answerView(run));
    } else if (run.status === 'running') {
      this.answer.hidden = true;
    } else {
      replace(this.answer, h('h3', {}, 'No answer'), h('p', {class: 'error-box'}, whyNoAnswer(run)),
        run.status === 'failed' && run.answerText
          ? [h('p', {class: 'warning'}, 'The model\'s last word (not an answer, unchecked):'),
            h('pre', {class: 'answer-text'}, run.answerText.trim())]
          : null);
    }
  }

  /** Follows the event stream from its first event, and again after a break, from the last one seen. */
  async follow() {
    let lastEventId = 0;
    this.ended = false;
    replace(this.stepList);
    while (!this.ended && !this.signal.aborted) {
      try {
        replace(this.notice, this.run?.status === 'running' ? h('p', {class: 'live'}, h('span', {class: 'pulse'}), 'live') : null);
        await readEvents(`/api/runs/${encodeURIComponent(this.id)}/events`, {
          lastEventId, signal: this.signal,
          onEvent: event => {
            lastEventId = Number(event.id) || lastEventId;
            this.apply(event);
          },
        });
        if (!this.ended) await pause(1000, this.signal); // closed early: ask again, from where it stopped
      } catch (e) {
        if (e.name === 'AbortError' || this.signal.aborted) return;
        if (e instanceof Unreachable) {
          replace(this.notice, h('p', {class: 'warning'}, 'The connection was lost; the run goes on on the server. '
            + 'Reconnecting…'));
          await whenOnline();
        } else {
          // The stream is no more (a server started anew does not know the run): the store says how it ended.
          await this.reread(e);
          return;
        }
      }
    }
    if (this.ended) replace(this.notice);
  }

  async reread(streamFailure) {
    try {
      const run = await api(`/api/runs/${encodeURIComponent(this.id)}`, {signal: this.signal});
      this.head(run);
      if (run.status !== 'running') {
        replace(this.notice);
        this.showStored(run);
        return;
      }
    } catch (e) {
      if (e.name === 'AbortError') return;
    }
    replace(this.notice, failure(streamFailure));
  }

  step(index) {
    let view = this.steps.get(index);
    if (!view) {
      view = new StepView(index, this.language);
      view.setState('running');
      this.steps.set(index, view);
      this.stepList.append(view.element);
    }
    return view;
  }

  apply({event, data}) {
    switch (event) {
      case 'run-started':
        this.language = data.language ?? this.language;
        this.task.textContent = data.task ?? this.task.textContent;
        break;
      case 'step-started': this.step(data.step); break;
      case 'model-text': this.step(data.step).streamed(data.text); break;
      case 'model-replied': this.step(data.step).replied(data); break;
      case 'code': this.step(data.step).codeReady(data.code, data.language); break;
      case 'output': this.step(data.step).printed(data.stream, data.text); break;
      case 'display': this.step(data.step).display(data); break;
      case 'tool-call': this.step(data.step).toolCall(data); break;
      case 'observation': this.step(data.step).observed(data); break;
      case 'step-finished': this.step(data.step ?? data.index).finished(data); break;
      case 'answer':
        this.answer.hidden = false;
        replace(this.answer, h('h3', {}, `Answer${data.format ? ` (${data.format})` : ''}`), answerView(data));
        break;
      case 'error':
        if (data.step !== undefined && data.step !== null && this.steps.has(data.step)) this.step(data.step).problem(data.message);
        else this.notice.append(h('p', {class: 'warning'}, `! ${data.message}`));
        break;
      case 'end': {
        this.ended = true;
        // What the end says wins; what only the store knew (when it started) stays.
        const run = Object.assign({}, this.run, ...Object.entries(data.run ?? {})
          .filter(([, value]) => value !== null && value !== undefined).map(([key, value]) => ({[key]: value})),
        {status: data.status});
        this.head(run);
        if (this.steps.size === 0) {
          this.showStored(run); // no events but the end: the run as the store has it
          break;
        }
        for (const view of this.steps.values()) {
          // a step still under way at the end is where the run stopped
          if (view.element.dataset.state === 'running') view.setState(data.status === 'succeeded' ? 'ok' : 'failed');
        }
        this.showEnd(run);
        break;
      }
      default:
        break; // a kind this page does not know yet
    }
  }

  async cancelRun() {
    this.cancel.disabled = true;
    this.cancel.textContent = 'Cancelling…';
    try {
      await api(`/api/runs/${encodeURIComponent(this.id)}`, {method: 'DELETE'});
    } catch (e) {
      this.cancel.textContent = 'Cancel';
      this.cancel.disabled = false;
      this.notice.append(failure(e));
    }
  }
}

function whyNoAnswer(run) {
  switch (run.status) {
    case 'cancelled': return 'The run was cancelled.';
    case 'incomplete': return 'The run never finished: the server stopped before it did.';
    case 'failed':
      if (run.error) return `✗ ${run.error}${run.reason ? ` (${run.reason})` : ''}`;
      if (run.reason === 'max_steps') return '✗ The step limit was reached before an answer.';
      if (run.reason === 'execution_failed') return '✗ The code failed (simple mode runs it once).';
      return `✗ The run failed${run.reason ? ` (${run.reason})` : ''}.`;
    default: return `No answer (${run.status}).`;
  }
}

function pause(ms, signal) {
  return new Promise(resolve => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, {once: true});
  });
}
