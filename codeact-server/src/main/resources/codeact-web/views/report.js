// #/report : the report (GET /api/report) as headline figures and charts: runs and success rate per day, the
// duration percentiles, the common errors, the tokens by model.

import {api} from '../api.js';
import {h, replace, duration, count, percent} from '../dom.js';
import {responsive, barsWithRate, lines, horizontalBars} from '../charts.js';
import {failure, serverInfo} from './common.js';

const PERIODS = [['1d', 'last day'], ['7d', 'last 7 days'], ['30d', 'last 30 days'], ['90d', 'last 90 days'],
  ['365d', 'last year']];

export async function render(container, params, signal, query) {
  const since = query.get('since') ?? '7d';
  const model = query.get('model') ?? '';
  const period = h('select', {name: 'since', id: 'since'},
    PERIODS.map(([value, label]) => h('option', {value, selected: value === since}, label)));
  const models = h('select', {name: 'model', id: 'report-model'}, h('option', {value: ''}, 'every model'),
    model ? h('option', {value: model, selected: true}, model) : null);
  const body = h('div', {class: 'report'});
  replace(container, h('section', {class: 'panel'}, h('div', {class: 'panel-head'}, h('h2', {}, 'Report'),
    h('form', {class: 'filter'}, period, models)), body));
  const apply = () => {
    const next = new URLSearchParams({since: period.value});
    if (models.value) next.set('model', models.value);
    location.hash = `#/report?${next}`;
  };
  period.addEventListener('change', apply);
  models.addEventListener('change', apply);
  serverInfo().then(info => {
    for (const name of info.models ?? []) if (name !== model) models.append(h('option', {value: name}, name));
  }).catch(() => {});

  const search = new URLSearchParams({since});
  if (model) search.set('model', model);
  const load = async () => {
    let report;
    try {
      report = await api(`/api/report?${search}`, {signal});
    } catch (e) {
      if (e.name !== 'AbortError') replace(body, failure(e, load));
      return;
    }
    replace(body, ...reportView(report));
  };
  await load();
}

function reportView(report) {
  if (!report.runs) return [h('p', {class: 'empty'}, 'No runs in this period. ', h('a', {href: '#/'}, 'Start one.'))];
  const figures = [
    ['runs', count(report.runs)],
    ['succeeded', `${count(report.succeeded)} (${percent(report.successRate)})`],
    ['p50 duration', duration(report.p50DurationMs)],
    ['p95 duration', duration(report.p95DurationMs)],
    ['average steps', report.averageSteps?.toFixed?.(1) ?? '–'],
    ['code time', duration(report.executionTimeMs)],
    ['tokens', `${count(report.inputTokens)} in · ${count(report.outputTokens)} out`],
    ['cache hits', count(report.cacheHits)],
  ];
  const days = fillDays(report.byDay ?? []);
  const labels = days.map(day => day.day.slice(5));
  const charts = [];
  if (days.length) {
    charts.push(chart('Runs and success rate per day', barsWithRate({labels, bars: days.map(day => day.runs),
      rates: days.map(day => day.runs ? day.successRate : null), barName: 'runs', rateName: 'success rate'})));
    charts.push(chart('Duration percentiles per day', lines({labels, name: 'p50 and p95 duration', format: duration,
      series: [
        {label: 'p50', className: 'p50', values: days.map(day => day.runs ? day.p50DurationMs : null)},
        {label: 'p95', className: 'p95', values: days.map(day => day.runs ? day.p95DurationMs : null)},
      ]})));
  } else {
    charts.push(chart('Duration percentiles', horizontalBars({name: 'p50 and p95 duration', format: duration,
      items: [{label: 'p50', parts: [{value: report.p50DurationMs ?? 0, className: 'p50'}]},
        {label: 'p95', parts: [{value: report.p95DurationMs ?? 0, className: 'p95'}]}]})));
  }
  const errors = report.commonErrors ?? [];
  charts.push(chart('Common errors', errors.length
    ? horizontalBars({name: 'common errors', items: errors.map(error =>
      ({label: error.type, title: `${error.type}: ${error.example ?? ''}`, parts: [{value: error.count, className: 'error'}]}))})
    : null, 'No errors in this period.'));
  const byModel = Object.entries(report.byModel ?? {});
  charts.push(chart('Tokens by model', byModel.length
    ? horizontalBars({name: 'tokens by model', format: count, items: byModel.map(([name, figures]) => ({label: name,
      parts: [{value: figures.inputTokens, className: 'input', name: 'in'},
        {value: figures.outputTokens, className: 'output', name: 'out'}]}))})
    : null, 'No tokens counted.'));
  return [
    h('dl', {class: 'headline'}, figures.map(([name, value]) => h('div', {}, h('dt', {}, name), h('dd', {}, value)))),
    h('div', {class: 'charts'}, charts),
  ];
}

function chart(title, draw, empty) {
  const area = h('div', {class: 'chart-area'});
  if (draw) responsive(area, draw);
  else area.append(h('p', {class: 'empty'}, empty));
  return h('figure', {class: 'chart-box'}, h('figcaption', {}, title), area);
}

/** The days from the first to the last, those without runs included (as zero), so that time reads evenly. */
function fillDays(byDay) {
  if (byDay.length === 0) return [];
  const known = new Map(byDay.map(day => [day.day, day]));
  const sorted = [...known.keys()].sort();
  const days = [];
  const last = new Date(`${sorted[sorted.length - 1]}T00:00:00Z`);
  for (let date = new Date(`${sorted[0]}T00:00:00Z`); date <= last && days.length < 400;
    date.setUTCDate(date.getUTCDate() + 1)) {
    const day = date.toISOString().slice(0, 10);
    days.push(known.get(day) ?? {day, runs: 0, succeeded: 0, successRate: null, p50DurationMs: null, p95DurationMs: null});
  }
  return days;
}
