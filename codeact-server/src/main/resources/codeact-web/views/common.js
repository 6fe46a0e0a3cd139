// What views share: how a failure is shown.

import {api, ApiError, Unreachable, whenOnline} from '../api.js';
import {h} from '../dom.js';

/**
 * A failure as a box a person can act on. When the server could not be reached and retry is given, it is called
 * again as soon as the server answers.
 */
export function failure(error, retry) {
  if (error instanceof Unreachable) {
    if (retry) whenOnline().then(retry);
    return h('p', {class: 'error-box', 'data-error': 'unreachable'}, error.message);
  }
  if (error instanceof ApiError) {
    const field = error.field ? ` (${error.field})` : '';
    const wait = error.retryAfter ? ` Try again in ${error.retryAfter} s.` : '';
    return h('p', {class: 'error-box', 'data-error': error.type}, `${error.message}${field}${wait}`);
  }
  console.error(error);
  return h('p', {class: 'error-box', 'data-error': 'page'}, `The page failed: ${error.message ?? error}`);
}

let info = null;

/** The server's settings (/api/info: models, default language, limits), asked once. */
export function serverInfo() {
  info ??= api('/api/info').catch(e => {
    info = null; // asked again next time
    throw e;
  });
  return info;
}

/** Ctrl-Enter (Cmd-Enter on a Mac) in a text area does what the form's button does. */
export function submitOnCtrlEnter(textarea, submit) {
  textarea.addEventListener('keydown', event => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      submit();
    }
  });
}
