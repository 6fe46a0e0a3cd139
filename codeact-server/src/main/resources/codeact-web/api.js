// The page's one way to the server: the token, every API call, server-sent event streams, and whether the server
// can be reached. Views never call fetch themselves.

const TOKEN_KEY = 'codeact.token';

/**
 * Keeps the token of the address codeact serve printed (http://127.0.0.1:8080/?token=...) for this tab, and takes
 * it out of the address bar, so that it is neither bookmarked nor shown on screen.
 */
export function takeTokenFromAddress() {
  const url = new URL(location.href);
  const token = url.searchParams.get('token');
  if (token) {
    sessionStorage.setItem(TOKEN_KEY, token);
    url.searchParams.delete('token');
    history.replaceState(history.state, '', url.pathname + url.search + url.hash);
  }
}

/** Keeps a token a person pasted (the page without one shows a field for it). */
export function keepToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token.trim());
}

export function hasToken() {
  return !!sessionStorage.getItem(TOKEN_KEY);
}

/** A failure the server answered, in its one error shape {"error": {"type", "message", "field"?}}. */
export class ApiError extends Error {
  constructor(status, type, message, field, retryAfter) {
    super(message);
    this.status = status;
    this.type = type;
    this.field = field ?? null;
    this.retryAfter = retryAfter ?? null;
  }
}

/** The server did not answer at all: it stopped, or the network is down. */
export class Unreachable extends Error {
  constructor() {
    super(`The server at ${location.host} cannot be reached: is codeact serve still running? `
      + 'The page tries again by itself.');
  }
}

/**
 * Tells the page about the connection: 'unauthorized' (a 401: no token, or not this server's), 'offline' (the
 * server cannot be reached; the page then asks every few seconds) and 'online' (it answers again).
 */
export const connection = new EventTarget();
let offline = false;

async function send(path, {method = 'GET', headers = {}, body, signal} = {}) {
  const all = new Headers(headers);
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) all.set('Authorization', `Bearer ${token}`);
  if (body !== undefined && !all.has('Content-Type')) all.set('Content-Type', 'application/json');
  let response;
  try {
    response = await fetch(path, {method, headers: all, signal, cache: 'no-store',
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)});
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    wentOffline();
    throw new Unreachable();
  }
  cameBack();
  if (!response.ok) throw await errorOf(response);
  return response;
}

async function errorOf(response) {
  let error = {type: 'http', message: `The server answered HTTP ${response.status}.`};
  try {
    error = (await response.json()).error ?? error;
  } catch (e) {
    // The page went elsewhere while the body was read (another 401 already showed the token page): nothing to say.
    if (e.name === 'AbortError') throw e;
    // Otherwise not the API's error shape (a proxy's page, say): the status says enough.
  }
  const failure = new ApiError(response.status, error.type, error.message, error.field,
    response.headers.get('Retry-After'));
  if (response.status === 401) {
    connection.dispatchEvent(new CustomEvent('unauthorized', {detail: failure}));
  }
  return failure;
}

/** Calls the API: the answer's JSON (null for 204); throws ApiError or Unreachable. */
export async function api(path, options = {}) {
  const response = await send(path, options);
  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') ?? '';
  return type.includes('json') ? response.json() : response.text();
}

/**
 * Reads a stream of server-sent events, calling onEvent({id, event, data}) for each (data parsed as JSON), until
 * the server ends it. lastEventId resumes after that event (the Last-Event-ID header). When the server answers
 * with JSON instead of a stream, that JSON is returned. A broken connection throws Unreachable.
 */
export async function readEvents(path, {method = 'GET', body, lastEventId, signal, onEvent}) {
  const headers = {Accept: 'text/event-stream'};
  if (lastEventId) headers['Last-Event-ID'] = String(lastEventId);
  const response = await send(path, {method, headers, body, signal});
  if (!(response.headers.get('Content-Type') ?? '').startsWith('text/event-stream')) {
    return response.json();
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const parser = new EventStreamParser(onEvent);
  try {
    for (;;) {
      const {value, done} = await reader.read();
      if (done) break;
      parser.push(value);
    }
  } catch (e) {
    if (e.name === 'AbortError' || signal?.aborted) throw e;
    wentOffline();
    throw new Unreachable();
  }
  parser.end();
  return null;
}

/** The event stream format of the HTML standard: fields on lines, an event ended by a blank line. */
class EventStreamParser {
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.buffer = '';
    this.lastId = null;
    this.reset();
  }

  reset() {
    this.type = '';
    this.data = [];
  }

  push(text) {
    this.buffer += text;
    for (;;) {
      const end = this.buffer.search(/[\r\n]/);
      // A CR at the very end may be the first half of a CRLF: wait for the next piece.
      if (end < 0 || (this.buffer[end] === '\r' && end === this.buffer.length - 1)) return;
      const line = this.buffer.slice(0, end);
      const skip = this.buffer.startsWith('\r\n', end) ? 2 : 1;
      this.buffer = this.buffer.slice(end + skip);
      this.line(line);
    }
  }

  end() {
    if (this.buffer) this.line(this.buffer);
    this.buffer = '';
  }

  line(line) {
    if (line === '') {
      this.dispatch();
      return;
    }
    if (line.startsWith(':')) return; // a comment, e.g. a keep-alive
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.type = value;
    else if (field === 'id' && !value.includes('\0')) this.lastId = value;
  }

  dispatch() {
    if (this.data.length === 0) {
      this.reset();
      return;
    }
    const text = this.data.join('\n');
    let data;
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
    const event = {id: this.lastId, event: this.type || 'message', data};
    this.reset();
    this.onEvent(event);
  }
}

function wentOffline() {
  if (offline) return;
  offline = true;
  connection.dispatchEvent(new Event('offline'));
  probe();
}

function cameBack() {
  if (!offline) return;
  offline = false;
  connection.dispatchEvent(new Event('online'));
}

export function isOffline() {
  return offline;
}

/** Asks the server every few seconds (backing off to ten) until it answers anything. */
async function probe() {
  let wait = 1000;
  while (offline) {
    await new Promise(resolve => setTimeout(resolve, wait));
    try {
      await fetch('/api/info', {cache: 'no-store'});
      cameBack();
    } catch {
      wait = Math.min(wait * 1.5, 10000);
    }
  }
}

/** Resolves when the server can be reached (at once when it can). */
export function whenOnline() {
  if (!offline) return Promise.resolve();
  return new Promise(resolve => connection.addEventListener('online', () => resolve(), {once: true}));
}
