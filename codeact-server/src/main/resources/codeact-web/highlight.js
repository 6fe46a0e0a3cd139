// A light colouring of Python and JavaScript: comments, strings, keywords, built-ins and numbers, read with one
// regular expression per language (the tokens of the CLI's CodeHighlighter). Enough for code a person reads; not a
// parser.

import {h} from './dom.js';

function tokens(comment, string, keywords, builtin, numberSuffix) {
  return new RegExp(`(?<comment>${comment})`
    + `|(?<string>${string})`
    + `|(?<keyword>\\b(?:${keywords})\\b)`
    + `|(?<builtin>\\b${builtin})`
    + `|(?<number>\\b\\d[\\d_]*(?:\\.\\d*)?(?:[eE][+-]?\\d+)?${numberSuffix}?\\b)`, 'g');
}

const PYTHON = tokens('#[^\\n]*',
  '[rRbBuUfF]{0,2}(?:"""[\\s\\S]*?(?:"""|$)|\'\'\'[\\s\\S]*?(?:\'\'\'|$)'
    + '|"(?:\\\\.|[^"\\\\\\n])*"?|\'(?:\\\\.|[^\'\\\\\\n])*\'?)',
  'False|None|True|and|as|assert|async|await|break|class|continue|def|del|elif|else|except|finally|for|'
    + 'from|global|if|import|in|is|lambda|nonlocal|not|or|pass|raise|return|try|while|with|yield|match|case',
  // a built-in only where it is called: list, type and id are also names of variables
  '(?:print|len|range|enumerate|zip|sorted|sum|min|max|abs|round|int|float|str|list|dict|set|tuple|bool|'
    + 'isinstance|any|all|map|filter|open|type|super|final_answer|display)\\b(?=\\s*\\()',
  'j');

const JAVASCRIPT = tokens('//[^\\n]*|/\\*[\\s\\S]*?(?:\\*/|$)',
  '`(?:\\\\.|[^`\\\\])*`?|"(?:\\\\.|[^"\\\\\\n])*"?|\'(?:\\\\.|[^\'\\\\\\n])*\'?',
  'async|await|break|case|catch|class|const|continue|default|delete|do|else|export|extends|false|finally|'
    + 'for|from|function|if|import|in|instanceof|let|new|null|of|return|switch|this|throw|true|try|'
    + 'typeof|undefined|var|void|while|yield',
  '(?:console|require|Math|JSON|Object|Array|String|Number|Promise|parseInt|parseFloat|final_answer|'
    + 'finalAnswer|display)\\b',
  'n');

/** The code's pieces: [text, kind], kind null for plain text. */
export function pieces(code, language) {
  const pattern = language === 'javascript' ? JAVASCRIPT : PYTHON;
  const found = [];
  let last = 0;
  for (const match of code.matchAll(pattern)) {
    if (match[0] === '') continue;
    if (match.index > last) found.push([code.slice(last, match.index), null]);
    const kind = Object.entries(match.groups).find(([, text]) => text !== undefined)[0];
    found.push([match[0], kind]);
    last = match.index + match[0].length;
  }
  if (last < code.length) found.push([code.slice(last), null]);
  return found;
}

/** The code as a numbered, coloured block: <pre class="code"> with one element per line. */
export function highlighted(code, language) {
  const lines = [[]];
  for (const [text, kind] of pieces(code.replace(/\s+$/, ''), language)) {
    text.split('\n').forEach((part, i) => {
      if (i > 0) lines.push([]);
      if (part) lines[lines.length - 1].push(kind ? h('span', {class: `tok-${kind}`}, part) : part);
    });
  }
  return h('pre', {class: 'code', 'data-language': language ?? 'python'},
    h('code', {}, lines.map(line => h('span', {class: 'line'}, line, '\n'))));
}
