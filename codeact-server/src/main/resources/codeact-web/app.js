// The page of codeact serve: hash routes, one view at a time, the token, and what the page says when the server
// refuses it or cannot be reached.

import {connection, takeTokenFromAddress, keepToken, hasToken} from './api.js';
import {h, replace} from './dom.js';
import {serverInfo} from './views/common.js';
import * as newRun from './views/new-run.js';
import * as history from './views/history.js';
import * as run from './views/run.js';
import * as report from './views/report.js';
import * as consoleView from './views/console.js';

const ROUTES = [
  [/^\/?$/, newRun, 'new'],
  [/^\/runs$/, history, 'runs'],
  [/^\/runs\/(?<id>[^/]+)$/, run, 'runs'],
  [/^\/report$/, report, 'report'],
  [/^\/console$/, consoleView, 'console'],
  [/^\/console\/(?<id>[^/]+)$/, consoleView, 'console'],
];

const main = document.getElementById('view');
const banner = document.getElementById('banner');
let current = null;

function route() {
  current?.abort();
  current = new AbortController();
  if (!hasToken()) {
    tokenPage(null);
    return;
  }
  const hash = location.hash.replace(/^#/, '');
  const mark = hash.indexOf('?');
  const path = mark < 0 ? hash : hash.slice(0, mark);
  const query = new URLSearchParams(mark < 0 ? '' : hash.slice(mark + 1));
  for (const [pattern, view, section] of ROUTES) {
    const match = pattern.exec(path);
    if (match) {
      markNav(section);
      const params = Object.fromEntries(Object.entries(match.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]));
      Promise.resolve(view.render(main, params, current.signal, query)).catch(e => {
        if (e.name !== 'AbortError') replace(main, h('p', {class: 'error-box'}, `The page failed: ${e.message}`));
      });
      main.focus({preventScroll: true});
      return;
    }
  }
  markNav(null);
  replace(main, h('section', {class: 'panel'}, h('h2', {}, 'No such page'),
    h('p', {}, `Nothing is at #${path}. `, h('a', {href: '#/'}, 'Start a run'), ' or see the ',
      h('a', {href: '#/runs'}, 'history'), '.')));
}

function markNav(section) {
  for (const link of document.querySelectorAll('nav a')) {
    if (link.dataset.section === section) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

/** What the page shows without its token, or with one the server refuses (a 401). */
function tokenPage(error) {
  current?.abort();
  markNav(null);
  const input = h('input', {id: 'token-input', name: 'token', type: 'password', autocomplete: 'off',
    placeholder: 'the token codeact serve printed'});
  const form = h('form', {class: 'filter'}, h('label', {for: 'token-input'}, 'Token'), input,
    h('button', {type: 'submit', class: 'primary'}, 'Use it'));
  form.addEventListener('submit', event => {
    event.preventDefault();
    if (!input.value.trim()) return;
    keepToken(input.value);
    route();
  });
  replace(main, h('section', {class: 'panel token-page', id: 'unauthorized'},
    h('h2', {}, 'This page needs its token'),
    h('p', {}, 'Open the address with the token that ', h('code', {}, 'codeact serve'), ' printed when it started, ',
      'like ', h('code', {}, `${location.origin}/?token=…`), '. The token is kept in this tab only.'),
    error ? h('p', {class: 'error-box'}, error.message) : null,
    h('p', {class: 'faint'}, 'Or paste the token (or start the server with --token to choose one):'), form));
}

connection.addEventListener('unauthorized', event => tokenPage(event.detail));
connection.addEventListener('offline', () => {
  replace(banner, h('p', {}, `The server at ${location.host} cannot be reached: is codeact serve still running? `
    + 'The page tries again every few seconds.'));
  banner.hidden = false;
});
connection.addEventListener('online', () => {
  banner.hidden = true;
  showInfo();
});

function showInfo() {
  serverInfo().then(info => {
    const recording = info.recording ? 'runs recorded' : 'runs not recorded (no run store)';
    replace(document.getElementById('server-info'),
      `${info.defaultModel ? `default model ${info.defaultModel}` : 'no default model'} · ${info.language} · ${recording}`);
  }).catch(() => {});
}

takeTokenFromAddress();
window.addEventListener('hashchange', route);
route();
if (hasToken()) showInfo();
