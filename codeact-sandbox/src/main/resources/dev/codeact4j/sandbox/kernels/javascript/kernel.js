'use strict';
// The JavaScript kernel of codeact4j: one persistent Node.js realm that runs the host's code, following
// docs/protocol.md (the host's side is dev.codeact4j.sandbox.protocol). Started as
//   node --expose-internals --max-old-space-size=MB kernel.js SOCKET_PATH CONFIG_PATH
// Code runs in the kernel's own realm, as the REPL's does: top-level declarations are the realm's and carry over.

const fs = require('fs');
const net = require('net');
const path = require('path');
const util = require('util');
const vm = require('vm');
const { createRequire } = require('module');
const { spawnSync } = require('child_process');
const { performance } = require('perf_hooks');

const PROTOCOL = 1;
const MAX_FRAME_BYTES = 64 * 1024 * 1024;
const INTERRUPTED = 'KeyboardInterrupt';

const [socketPath, configPath] = process.argv.slice(2);
const config = JSON.parse(fs.readFileSync(configPath, 'utf8'));
const maxOutputChars = config.maxOutputChars || 100000;

// Node's own rewrite of top-level await for its REPL (declarations hoisted so that they outlive the cell).
let processTopLevelAwait = null;
try {
  ({ processTopLevelAwait } = require('internal/repl/await'));
} catch {
  // without --expose-internals, or a Node that moved it: top-level await is then a syntax error
}

// --- limits: Node has no setrlimit, util-linux's prlimit sets them on this process ---------------------------------

function setLimits(limits) {
  const args = ['--pid', String(process.pid), '--core=0:0'];
  const set = (flag, value) => { if (value !== undefined && value !== null) args.push(`--${flag}=${value}:${value}`); };
  set('fsize', limits.maxFileSizeBytes);
  set('nofile', limits.maxOpenFiles);
  set('cpu', limits.cpuHardSeconds);
  set('as', limits.addressSpaceBytes);
  set('nproc', limits.maxProcesses);
  const run = spawnSync('prlimit', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (run.status !== 0) {
    process.stderr.write(`codeact kernel: prlimit failed, limits not set: ${run.error || run.stderr}\n`);
  }
  // Node ignores SIGXFSZ itself: a file over the size limit fails with EFBIG, as in Python.
}

// --- the module policy: a guard rail with a helpful message, not the boundary (that is the sandbox) ----------------

const allowed = new Set(config.allowedImports || []);
const allowAll = allowed.has('*');
const workdirRequire = createRequire(path.join(process.cwd(), '<codeact>'));

function topLevel(name) {
  const bare = name.startsWith('node:') ? name.slice(5) : name;
  const parts = bare.split('/');
  return bare.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function checkModule(name) {
  if (allowAll || typeof name !== 'string' || name.startsWith('.') || name.startsWith('/')) {
    return; // the code's own files
  }
  const top = topLevel(name);
  if (!allowed.has(top)) {
    const error = new Error(`import of '${top}' is not allowed by this session's module policy; allowed: `
      + `${[...allowed].sort().join(', ')}. To allow it: codeact exec --allow-import ${top}, `
      + `or SandboxPolicy.builder().allowImports("${top}")`);
    error.code = 'ERR_MODULE_NOT_ALLOWED';
    throw error;
  }
}

function guardedRequire(name) {
  checkModule(name);
  try {
    return workdirRequire(name);
  } catch (error) {
    if (error && error.code === 'MODULE_NOT_FOUND' && !name.startsWith('.') && !name.startsWith('/')
        && !process.env.NODE_PATH?.split(':').some((dir) => fs.existsSync(dir))) {
      error.message += ' (the JavaScript data stack is not installed: the codeact launcher installs it on first use;'
        + ' see scripts/lib.sh ensure_javascript)';
    }
    throw error;
  }
}
guardedRequire.resolve = (name) => { checkModule(name); return workdirRequire.resolve(name); };

/** Static imports become requires: a Script has no import declarations, and dynamic import() needs flags. */
function rewriteImports(code) {
  const from = /^([ \t]*)import\s+([^'";]+?)\s+from\s+(['"])([^'"]+)\3\s*;?[ \t]*$/gm;
  code = code.replace(from, (line, indent, clause, quote, name) => {
    const binding = clause.trim();
    const spec = JSON.stringify(name);
    const namespace = /^\*\s+as\s+([\w$]+)$/.exec(binding);
    if (namespace) return `${indent}var ${namespace[1]} = require(${spec});`;
    const parts = /^([\w$]+)?\s*,?\s*(\{[^}]*\})?\s*(?:,\s*\*\s+as\s+([\w$]+))?$/.exec(binding);
    if (!parts) return line;
    const out = [];
    if (parts[1]) out.push(`var ${parts[1]} = _codeact_default(require(${spec}));`);
    if (parts[2]) out.push(`var ${parts[2].replace(/([\w$]+)\s+as\s+([\w$]+)/g, '$1: $2')} = require(${spec});`);
    if (parts[3]) out.push(`var ${parts[3]} = require(${spec});`);
    return indent + out.join(' ');
  });
  return code.replace(/^([ \t]*)import\s+(['"])([^'"]+)\2\s*;?[ \t]*$/gm,
    (line, indent, quote, name) => `${indent}require(${JSON.stringify(name)});`);
}

function defaultExport(module) {
  return module && module.__esModule && 'default' in module ? module.default : module;
}

// --- frames ----------------------------------------------------------------------------------------------------

let socket = null;

function send(frame) {
  const body = Buffer.from(JSON.stringify(frame), 'utf8');
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length, 0);
  socket.write(Buffer.concat([header, body]));
}

function refuse(message) {
  send({ type: 'error', message });
  socket.end(() => process.exit(2));
  setTimeout(() => process.exit(2), 1000).unref();
  refused = true;
}
let refused = false;

// --- output ------------------------------------------------------------------------------------------------------

const original = { stdout: process.stdout.write.bind(process.stdout), stderr: process.stderr.write.bind(process.stderr) };

/** The output of one execution: the first half of the limit as it comes, then only the last half is kept. */
class OutputBudget {
  constructor(id) {
    this.id = id;
    this.sent = 0;
    this.tail = '';
    this.cut = 0;
  }

  write(name, text) {
    const head = Math.floor(maxOutputChars / 2);
    if (this.sent < head && this.cut === 0) {
      const now = text.slice(0, head - this.sent);
      this.sent += now.length;
      send({ type: 'stream', id: this.id, name, text: now });
      text = text.slice(now.length);
    }
    if (text.length > 0) {
      const keep = maxOutputChars - head;
      const tail = this.tail + text;
      this.cut += Math.max(0, tail.length - keep);
      this.tail = tail.slice(Math.max(0, tail.length - keep));
    }
  }

  get truncated() {
    return this.cut > 0;
  }

  finish() {
    if (this.truncated) {
      send({ type: 'stream', id: this.id, name: 'stdout', text: `\n[... ${this.cut} characters of output were cut `
        + `here: the limit is ${maxOutputChars} characters per execution; print less, or summarise ...]\n` + this.tail });
    } else if (this.tail) {
      send({ type: 'stream', id: this.id, name: 'stdout', text: this.tail });
    }
  }
}

function capture(budget) {
  for (const name of ['stdout', 'stderr']) {
    process[name].write = (chunk, encoding, callback) => {
      budget.write(name, typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      if (typeof encoding === 'function') encoding();
      else if (typeof callback === 'function') callback();
      return true;
    };
  }
}

function release() {
  process.stdout.write = original.stdout;
  process.stderr.write = original.stderr;
}

// --- values ------------------------------------------------------------------------------------------------------

function inspect(value) {
  return typeof value === 'string' ? util.inspect(value) : util.inspect(value, { depth: 4, maxArrayLength: 100 });
}

function middleCut(text) {
  if (text.length <= maxOutputChars) return text;
  const half = Math.floor(maxOutputChars / 2);
  return `${text.slice(0, half)} ... [${text.length - 2 * half} characters cut] ... ${text.slice(text.length - half)}`;
}

function typeName(value) {
  if (value === null) return 'null';
  if (typeof value !== 'object' && typeof value !== 'function') return typeof value;
  return value.constructor && value.constructor.name ? value.constructor.name : 'Object';
}

/** The protocol's value: text form, type, JSON form (left out when there is none; NaN and infinities have none). */
function toValue(value) {
  if (value === undefined || value === null) return null;
  const result = { repr: middleCut(inspect(value)), type: typeName(value) };
  try {
    let finite = true;
    const text = JSON.stringify(value, (key, item) => {
      if (typeof item === 'number' && !Number.isFinite(item)) finite = false;
      return item;
    });
    if (text !== undefined && finite && typeof value !== 'function' && typeof value !== 'symbol') {
      result.json = JSON.parse(text);
    }
  } catch {
    // a cycle or a BigInt: no JSON form
  }
  return result;
}

// --- what the code gets ------------------------------------------------------------------------------------------

class ToolError extends Error {
  constructor(message, type) {
    super(message);
    this.name = 'ToolError';
    this.type = type;
  }
}

/** Thrown by final_answer: ends the code at once; not an error. */
class FinalAnswer {
  constructor(value) {
    this.value = value;
  }
}

let current = null; // the running execution: { id, budget, final, interrupt }
let toolCalls = 0;
const waitingCalls = new Map(); // call number -> { resolve, reject }

function final_answer(value) {
  globalThis._final_answer = value;
  if (current) current.final = { value };
  throw new FinalAnswer(value);
}

function isRecords(value) {
  return Array.isArray(value) && value.length > 0
    && value.every((row) => row !== null && typeof row === 'object' && !Array.isArray(row));
}

function table(rows) {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cells = rows.map((row) => columns.map((column) => (row[column] === undefined ? '' : String(row[column]))));
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((row) => row[i].length)));
  const line = (values) => values.map((value, i) => value.padEnd(widths[i])).join('  ').trimEnd();
  return [line(columns), ...cells.map(line)].join('\n');
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

function display(...objects) {
  const id = current ? current.id : null;
  if (id === null) return;
  for (const value of objects) {
    if (typeof value === 'string' && /^\s*(<\?xml[^>]*>\s*)?<svg[\s>]/.test(value)) {
      send({ type: 'display', id, mime: 'image/svg+xml', data: value });
    } else if (value instanceof Uint8Array && Buffer.from(value.buffer, value.byteOffset, 4).equals(PNG)) {
      send({ type: 'display', id, mime: 'image/png', data: Buffer.from(value).toString('base64') });
    } else if (isRecords(value)) {
      send({ type: 'display', id, mime: 'text/plain', data: table(value) });
      send({ type: 'display', id, mime: 'application/json', data: JSON.stringify(value) });
    } else {
      send({ type: 'display', id, mime: 'text/plain', data: typeof value === 'string' ? value : inspect(value) });
    }
  }
}

function _codeact_call_tool(name, args) {
  if (!current) {
    return Promise.reject(new ToolError(`the tool ${name} was called when no code was running`, 'NoExecution'));
  }
  const call = ++toolCalls;
  return new Promise((resolve, reject) => {
    waitingCalls.set(call, { resolve, reject });
    send({ type: 'tool_call', id: current.id, call, name, args: args === undefined ? {} : args });
  });
}

Object.assign(globalThis, {
  require: guardedRequire,
  display,
  final_answer,
  finalAnswer: final_answer,
  ToolError,
  _codeact_call_tool,
  _codeact_default: defaultExport,
});

// A way around the policy: the kernel's own module and Node's raw bindings.
if (!allowAll) {
  const refused = (what) => () => { throw new Error(`${what} is not allowed by this session's module policy`); };
  process.binding = refused('process.binding');
  process._linkedBinding = refused('process._linkedBinding');
  process.dlopen = refused('process.dlopen');
}
Object.defineProperty(process, 'mainModule', { value: undefined, configurable: false, writable: false });

// --- errors ------------------------------------------------------------------------------------------------------

const sources = new Map(); // filename -> lines, for the line an error points at
const kernelFile = __filename;

function userFrames(stack) {
  return stack.split('\n').filter((line) => /^\s+at /.test(line)
    && !line.includes(kernelFile) && !line.includes('node:internal') && !line.includes('<codeact-host-')
    && !/\(node:\w+:\d+:\d+\)|at node:\w+:\d+/.test(line));
}

/** The error as the user should see it: where in their code (with the line), the type and message, their frames. */
function report(error) {
  if (!(error instanceof Error) && !(error && typeof error === 'object' && 'stack' in error)) {
    const message = typeof error === 'string' ? error : inspect(error);
    return { type: 'Error', message: `uncaught ${typeName(error)}: ${message}`, traceback: `Uncaught ${message}\n` };
  }
  const type = error.name || typeName(error);
  let message = String(error.message === undefined ? '' : error.message);
  if (error.cause instanceof Error && error.cause.message) {
    message += ` (cause: ${error.cause.message})`; // fetch's own message is only "fetch failed"
  }
  const hint = limitHint(error);
  if (hint) message = (message ? message + ' ' : '') + hint;
  const stack = String(error.stack || '');
  const frames = userFrames(stack);
  let where = '';
  const header = /^(<[^>\n]+>|[^\s:]+\.[cm]?js):(\d+)\n/.exec(stack); // a SyntaxError's own "file:line\ncode\n  ^"
  if (header) {
    where = stack.slice(0, stack.indexOf('\n\n') > 0 ? stack.indexOf('\n\n') : header[0].length) + '\n';
  } else {
    const at = frames.map((line) => /\(?([^()\s]+):(\d+):(\d+)\)?$/.exec(line)).find((m) => m && sources.has(m[1]));
    if (at) {
      const text = sources.get(at[1])[Number(at[2]) - 1];
      if (text !== undefined) where = `${at[1]}:${at[2]}\n${text}\n${' '.repeat(Number(at[3]) - 1)}^\n`;
    }
  }
  return { type, message, traceback: `${where}${type}: ${message}\n${frames.join('\n')}${frames.length ? '\n' : ''}` };
}

function limitHint(error) {
  if (error.code === 'EFBIG' && config.maxFileSizeMb) return `(the sandbox limits one file to ${config.maxFileSizeMb} MB)`;
  if (error.code === 'ENOSPC' && config.diskMb) {
    const where = config.workdirOnDisk ? 'its working directory and /tmp together'
      : '/tmp (the working directory you named is bounded by its own file system)';
    return `(no space left: the sandbox limits its disk to ${config.diskMb} MB, ${where}; delete files or ask for more with --disk)`;
  }
  if (error.code === 'ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING' || error.code === 'ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG') {
    return "(dynamic import() is not available here: use require('NAME') or import ... from 'NAME' on a line of its own)";
  }
  if (error instanceof RangeError && /allocation failed|Array buffer allocation|Invalid typed array length/.test(error.message)) {
    return '(the session ran out of memory; use less)';
  }
  return null;
}

function interrupted(where) {
  return { type: INTERRUPTED, message: 'the execution was interrupted', traceback: `${where}\n${INTERRUPTED}\n` };
}

// --- executions --------------------------------------------------------------------------------------------------

function compile(code, filename) {
  const options = { filename }; // no dynamic import(): it would need --experimental-vm-modules (limitHint says so)
  try {
    return { script: new vm.Script(code, options), wrapped: false };
  } catch (error) {
    // Top-level await (in a script, `await x` is an identifier and then a syntax error): the REPL's rewrite makes
    // the code an async function whose declarations live on. Code it cannot rewrite keeps its own error.
    if (error instanceof SyntaxError && /\bawait\b/.test(code) && processTopLevelAwait) {
      let rewritten = null;
      try {
        rewritten = processTopLevelAwait(code);
      } catch {
        // not parseable either way: the original error says where
      }
      if (rewritten !== null) return { script: new vm.Script(rewritten, options), wrapped: true };
    }
    throw error;
  }
}

let unhandled = null;
process.on('unhandledRejection', (reason) => {
  if (current && !unhandled) unhandled = { reason };
  else if (!current) original.stderr(`codeact kernel: an unhandled rejection between executions: ${inspect(reason)}\n`);
});
process.on('uncaughtException', (error) => {
  // From a timer or callback of the code's: the execution (if any) fails with it; the kernel goes on.
  if (error instanceof FinalAnswer) return;
  if (current && !unhandled) unhandled = { reason: error };
  else original.stderr(`codeact kernel: an uncaught exception outside any execution: ${inspect(error)}\n`);
});

/**
 * SIGINT, the protocol's interrupt. Node's SIGINT watchdog (the one behind vm's breakOnSigint, which the REPL keeps
 * running too) is started once and kept: a busy loop is then stopped without the cost of a watchdog thread per
 * execution, and a signal that comes while no script runs (while the code awaits, or as it ends) is kept pending
 * instead of lost, for the kernel to find. Without it (another Node), the process's SIGINT listener stands in.
 */
const sigint = (() => {
  try {
    const emitWarning = process.emitWarning;
    process.emitWarning = () => {}; // "for internal testing only": the kernel knows
    let binding;
    try {
      binding = require('internal/test/binding').internalBinding('contextify');
    } finally {
      process.emitWarning = emitWarning;
    }
    const { startSigintWatchdog, stopSigintWatchdog, watchdogHasPendingSigint } = binding;
    startSigintWatchdog();
    return {
      /** Whether a SIGINT came that no script was stopped by; reading it forgets it. */
      take() {
        if (!watchdogHasPendingSigint()) return false;
        stopSigintWatchdog();
        startSigintWatchdog();
        return true;
      },
    };
  } catch {
    let pending = false;
    process.on('SIGINT', () => {
      pending = true;
      if (current && current.interrupt) current.interrupt();
    });
    return { take() { const was = pending; pending = false; return was; } };
  }
})();

/** Resolves never, rejects when a SIGINT comes while the code awaits: polled, as the watchdog has no event. */
function interruption(execution) {
  return new Promise((resolve, reject) => {
    execution.interrupt = () => reject(Object.assign(new Error('interrupted'), { interrupted: true }));
    execution.poll = setInterval(() => {
      if (sigint.take()) execution.interrupt();
    }, 10);
  });
}

async function execute(frame) {
  const started = performance.now();
  const budget = new OutputBudget(frame.id);
  const execution = { id: frame.id, budget, final: null, interrupt: null, poll: null };
  sigint.take(); // one that came between executions is ignored
  current = execution;
  unhandled = null;
  if (!frame.host) sources.set(frame.filename, frame.code.split('\n'));
  capture(budget);
  let result = null;
  let error = null;
  try {
    const { script, wrapped } = compile(rewriteImports(frame.code), frame.filename);
    let value = script.runInThisContext({ breakOnSigint: true, displayErrors: false });
    if (sigint.take()) throw Object.assign(new Error('interrupted'), { interrupted: true }); // as the script ended
    if (wrapped || value instanceof Promise) {
      const stop = interruption(execution);
      stop.catch(() => {});
      // A trailing promise is awaited, so that `main()` of an async main is its value (or its failure).
      value = await Promise.race([value, stop]);
      if (wrapped) {
        value = value ? value.value : undefined;
        if (value instanceof Promise) value = await Promise.race([value, stop]);
      }
    }
    // Leave a rejection that came in the same turn a chance to be seen.
    await new Promise((resolve) => setImmediate(resolve));
    if (unhandled) throw unhandled.reason;
    result = toValue(value);
  } catch (thrown) {
    if (thrown instanceof FinalAnswer) {
      execution.final = { value: thrown.value };
    } else if (thrown && (thrown.interrupted || thrown.code === 'ERR_SCRIPT_EXECUTION_INTERRUPTED')) {
      error = interrupted(frame.filename);
    } else {
      error = report(thrown);
    }
  } finally {
    clearInterval(execution.poll);
    release();
    current = null;
    for (const waiting of waitingCalls.values()) {
      waiting.reject(new ToolError('the execution ended before the tool answered', 'Abandoned'));
    }
    waitingCalls.clear();
  }
  if (execution.final) {
    result = null;
    error = null;
  }
  budget.finish();
  send({
    type: 'done',
    id: frame.id,
    ok: error === null,
    result,
    final: execution.final ? (toValue(execution.final.value) ?? { repr: 'null', type: 'null', json: null }) : null,
    error,
    durationMs: Math.max(0.001, performance.now() - started),
    truncated: budget.truncated,
  });
}

// --- the channel -------------------------------------------------------------------------------------------------

function checkFields(frame, fields) {
  for (const [name, kind] of Object.entries(fields)) {
    const value = frame[name];
    const ok = kind === 'integer' ? Number.isInteger(value)
      : kind === 'any' ? value !== undefined
        : typeof value === kind;
    if (!ok) {
      refuse(`a frame of type ${frame.type} whose ${name} is not a ${kind === 'string' ? 'str' : kind}`);
      return false;
    }
  }
  return true;
}

let running = null; // the promise of the running execution
const queue = [];

function onFrame(frame) {
  if (frame === null || typeof frame !== 'object' || Array.isArray(frame) || typeof frame.type !== 'string') {
    refuse(`a frame that is not a JSON object with a string type (unknown type): ${JSON.stringify(frame).slice(0, 200)}`);
    return;
  }
  if (frame.type === 'tool_result') {
    if (!checkFields(frame, { id: 'string', call: 'integer' })) return;
    const waiting = waitingCalls.get(frame.call);
    if (!waiting) return; // the answer to a call an interrupt abandoned, or between executions
    waitingCalls.delete(frame.call);
    if (frame.error) {
      waiting.reject(new ToolError(String(frame.error.message), String(frame.error.type)));
    } else {
      waiting.resolve(frame.value === undefined ? null : frame.value);
    }
    return;
  }
  if (waitingCalls.size > 0) {
    refuse(`a frame of type ${frame.type} while the code waited for tool call ${[...waitingCalls.keys()][0]}`);
    return;
  }
  if (frame.type === 'execute') {
    if (!checkFields(frame, { id: 'string', code: 'string', filename: 'string', host: 'boolean' })) return;
    if (running) {
      queue.push(frame); // the host waits for done; a second execute would be its bug, run after
      return;
    }
    const next = (item) => {
      running = execute(item).then(() => {
        running = null;
        if (queue.length) next(queue.shift());
      });
    };
    next(frame);
    return;
  }
  refuse(`a frame of unknown type ${frame.type}`);
}

function readFrames() {
  let buffered = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    if (refused) return;
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    while (buffered.length >= 4 && !refused) {
      const length = buffered.readUInt32BE(0);
      if (length < 1 || length > MAX_FRAME_BYTES) {
        refuse(`a frame length of ${length} (from 1 to ${MAX_FRAME_BYTES})`);
        return;
      }
      if (buffered.length < 4 + length) return;
      const body = buffered.subarray(4, 4 + length).toString('utf8');
      buffered = buffered.subarray(4 + length);
      let frame;
      try {
        frame = JSON.parse(body);
      } catch (error) {
        refuse(`a body that is not JSON: ${error.message}`);
        return;
      }
      onFrame(frame);
    }
  });
  socket.on('end', () => process.exit(waitingCalls.size > 0 ? 3 : 0));
  socket.on('error', () => process.exit(waitingCalls.size > 0 ? 3 : 0));
}

// --- egress: a relay from the sandbox's loopback to the host's proxy -------------------------------------------

function startEgress(egress) {
  const server = net.createServer((client) => {
    const upstream = net.connect(egress.socket);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  server.listen(egress.port, '127.0.0.1');
  server.unref();
  // Node's fetch ignores HTTP(S)_PROXY; its bundled undici can be told to use the proxy for every request.
  try {
    const undici = require('internal/deps/undici/undici');
    const proxy = `http://127.0.0.1:${egress.port}`;
    if (undici.EnvHttpProxyAgent) { // Node 20.18+ and 22 bundle this one, not ProxyAgent
      undici.setGlobalDispatcher(new undici.EnvHttpProxyAgent({ httpProxy: proxy, httpsProxy: proxy, noProxy: '' }));
    } else if (undici.ProxyAgent) {
      undici.setGlobalDispatcher(new undici.ProxyAgent(proxy));
    }
  } catch {
    // no bundled undici reachable: fetch goes nowhere (the sandbox has no other network), http via HTTP_PROXY by hand
  }
}

// --- start -------------------------------------------------------------------------------------------------------

function workdirWritable() {
  try {
    fs.accessSync(process.cwd(), fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

// The first of the session's data paths (or what is inside them) this process cannot read, or null: directories must
// be readable and enterable, files readable; links are not followed; after `most` entries the rest is taken on trust.
function unreadableData(roots, most = 100000) {
  let seen = 0;
  for (const root of roots) {
    const pending = [root];
    while (pending.length > 0 && seen < most) {
      const entry = pending.pop();
      seen++;
      let stat;
      try {
        stat = entry !== root ? fs.lstatSync(entry) : fs.statSync(entry);
      } catch {
        return entry;
      }
      if (stat.isSymbolicLink()) continue;
      try {
        if (stat.isDirectory()) {
          fs.accessSync(entry, fs.constants.R_OK | fs.constants.X_OK);
          for (const name of fs.readdirSync(entry)) pending.push(path.join(entry, name));
        } else {
          fs.accessSync(entry, fs.constants.R_OK);
        }
      } catch {
        return entry;
      }
    }
  }
  return null;
}

function main() {
  const preloaded = [];
  for (const name of config.preload || []) {
    workdirRequire(name);
    preloaded.push(name);
  }
  setLimits(config.limits || {});
  if (config.egress) startEgress(config.egress);
  socket = net.connect(socketPath, () => {
    send({ type: 'hello', protocol: PROTOCOL, language: 'javascript', version: process.versions.node, preloaded,
      workdirWritable: workdirWritable(), unreadableData: unreadableData(config.data || []) });
    readFrames();
  });
  socket.on('error', (error) => {
    original.stderr(`codeact kernel: cannot reach the host at ${socketPath}: ${error.message}\n`);
    process.exit(1);
  });
}

main();
