// A run's steps, as `codeact show` lays them out: the model's thought, the code, what it printed, its figures and
// tables, the tools it called, and how the step ended. A step is built from a stored run's JSON, or piece by piece
// from the live events of a run under way.

import {h, replace, duration, tokens} from './dom.js';
import {highlighted} from './highlight.js';
import {DisplayList} from './display.js';

/** One step of a run, updated in place as its events arrive. */
export class StepView {
  constructor(index, language, title) {
    this.index = index;
    this.language = language;
    this.modelText = '';
    this.header = h('h3', {}, title ?? `Step ${index + 1}`);
    this.state = h('span', {class: 'step-state running', title: 'under way'}, '…');
    this.metrics = h('span', {class: 'step-metrics faint'});
    this.thought = h('div', {class: 'thought'});
    this.code = h('div', {class: 'step-code'});
    this.tools = h('ul', {class: 'tool-calls'});
    this.output = h('pre', {class: 'output', hidden: true});
    this.displayBox = h('div', {class: 'displays'});
    this.displays = new DisplayList(this.displayBox);
    this.result = h('div', {class: 'step-result'});
    this.outcome = h('div', {class: 'step-outcome'});
    this.element = h('section', {class: 'step', 'data-step': index},
      h('header', {class: 'step-head'}, this.state, this.header, this.metrics),
      this.thought, this.code, this.tools, this.output, this.displayBox, this.result, this.outcome);
  }

  /** A stored step ({index, thought, code, observation, error, stdout, stderr, result, toolCalls, figures...}). */
  static stored(step, language, title) {
    const view = new StepView(step.index, language, title);
    view.finished(step);
    for (const call of step.toolCalls ?? []) view.toolCall(call);
    if (step.stdout) view.printed('stdout', step.stdout);
    if (step.stderr) view.printed('stderr', step.stderr);
    if (step.result !== undefined && step.result !== null) view.showResult(step.result);
    for (const path of step.figures ?? []) view.display({mime: 'image/png', path}); // null: figures are not kept
    return view;
  }

  /** A piece of the model's reply as it streams in. */
  streamed(text) {
    this.modelText += text;
    replace(this.thought, h('p', {class: 'model-text'}, this.modelText));
  }

  replied({durationMs, inputTokens, outputTokens}) {
    this.metrics.textContent = `model ${duration(durationMs)}, ${tokens(inputTokens, outputTokens)}`;
  }

  /** The code to run: what the model wrote before it stays as the thought. */
  codeReady(code, language) {
    this.language = language ?? this.language;
    replace(this.code, highlighted(code, this.language));
    const fence = this.modelText.indexOf('```');
    if (fence >= 0) this.showThought(this.modelText.slice(0, fence));
  }

  showThought(thought) {
    const text = (thought ?? '').trim();
    replace(this.thought, text ? h('p', {class: 'model-text'}, text) : null);
  }

  /** Output as the code prints it: stdout plain, stderr marked. */
  printed(stream, text) {
    this.output.hidden = false;
    const last = this.output.lastElementChild;
    if (last && last.dataset.stream === stream) {
      last.append(text);
    } else {
      this.output.append(h('span', {class: `stream-${stream}`, 'data-stream': stream}, text));
    }
  }

  display(item) {
    this.displays.add(item);
  }

  toolCall({name, arguments: args, ok, result, error, durationMs}) {
    const failed = ok === false || (ok === undefined && error);
    this.tools.append(h('li', {class: failed ? 'tool-call failed' : 'tool-call'},
      h('span', {class: 'tool-name'}, `${name}(`), h('code', {}, JSON.stringify(args ?? {})), ')',
      failed ? h('span', {class: 'error-text'}, ` ✗ ${error}`)
        : h('span', {}, ' → ', h('code', {}, JSON.stringify(result ?? null))),
      durationMs !== undefined ? h('span', {class: 'faint'}, ` ${duration(durationMs)}`) : null));
  }

  showResult(repr) {
    replace(this.result, h('pre', {class: 'result'}, h('span', {class: 'faint'}, '=> '), repr));
  }

  /** What the model is told of the step; an error with its traceback. */
  observed({text, error}) {
    if (error) {
      this.setState('failed');
      replace(this.outcome, h('pre', {class: 'observation error-text'}, text));
    } else {
      this.setState('ok');
      replace(this.outcome, h('details', {class: 'observation'}, h('summary', {}, 'observation'), h('pre', {}, text)));
    }
  }

  /** Something went wrong that the run goes on from (a reply without code, an answer the checks refused). */
  problem(message) {
    if (this.element.dataset.state !== 'failed') this.setState('warning');
    this.outcome.append(h('p', {class: 'warning'}, `! ${message}`));
  }

  /** The step's final object (as in the run's JSON): fills in what the live events did not bring. */
  finished(step) {
    if (step.thought !== undefined) this.showThought(step.thought);
    if (step.code && !this.code.firstChild) replace(this.code, highlighted(step.code, this.language));
    const cost = `code ${duration(step.executionMs)} · model ${duration(step.modelMs)}, `
      + tokens(step.inputTokens, step.outputTokens);
    this.metrics.textContent = step.code ? cost : `model ${duration(step.modelMs)}, ${tokens(step.inputTokens, step.outputTokens)}`;
    if (step.error) {
      this.setState('failed');
      replace(this.outcome, errorView(step.error));
    } else if (!step.code) {
      this.setState('warning');
      replace(this.outcome, h('p', {class: 'warning'}, `! ${step.observation ?? 'no code in the reply'}`));
    } else if (step.observation?.startsWith('Final answer')) {
      this.setState('answered');
      replace(this.outcome, h('p', {class: 'ok-text'}, '✓ final answer'));
    } else if (step.observation && !step.observation.startsWith('Observation:')) {
      this.setState('warning');
      replace(this.outcome, h('p', {class: 'warning'}, `! ${step.observation}`));
    } else {
      this.setState('ok');
      const observation = step.observation
        ? h('details', {class: 'observation'}, h('summary', {}, 'observation'), h('pre', {}, step.observation)) : null;
      replace(this.outcome, h('p', {class: 'ok-text'}, '✓ ran'), observation);
    }
  }

  setState(state) {
    const marks = {running: '…', ok: '✓', answered: '✓', failed: '✗', warning: '!'};
    this.state.className = `step-state ${state}`;
    this.state.textContent = marks[state] ?? '·';
    this.state.title = state;
    this.element.dataset.state = state;
  }
}

/**
 * An execution error: its traceback, then the error. A Python traceback ends with the error as Python words it
 * (as `codeact show` does, that line closes the block, so the error is said once).
 */
export function errorView(error) {
  const lines = (error.traceback ?? '').trimEnd().split('\n').filter(line => line !== '');
  const last = lines.length ? lines[lines.length - 1].trim() : '';
  const endsWithTheError = last === error.type || last.startsWith(`${error.type}:`) || last.includes(`.${error.type}:`);
  const summary = endsWithTheError ? last : `${error.type}${error.message ? `: ${error.message}` : ''}`;
  const traceback = endsWithTheError ? lines.slice(0, -1) : lines;
  return [
    traceback.length ? h('pre', {class: 'traceback error-text'}, traceback.join('\n')) : null,
    h('p', {class: 'error-text error-summary'}, `✗ ${summary}`),
  ];
}
