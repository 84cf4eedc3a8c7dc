// The operators' dashboard: signs in with the admin token (kept in sessionStorage only), polls
// GET /admin/dashboard/summary every few seconds (pausable), draws the charts and their tables, and
// searches one request's story by correlation ID. Everything shown is set as text, never as markup.

import { horizontalBars, legend, logLines, sparkline, stackedColumns } from './charts.js';

const tokenKey = 'portier.adminToken';
const refreshMs = 5000;
const statusClasses = [
  { key: '2xx', label: '2xx success', className: 'tone-ok' },
  { key: '3xx', label: '3xx redirect', className: 'tone-neutral' },
  { key: '4xx', label: '4xx refused', className: 'tone-warn' },
  { key: '5xx', label: '5xx failed', className: 'tone-bad' },
];
const ownerClasses = { client: 'owner-client', gateway: 'owner-gateway', config: 'owner-config', upstream: 'owner-upstream', capacity: 'owner-capacity' };
const percentileSeries = [
  { key: 'p50', label: 'p50', className: 'tone-p50' },
  { key: 'p90', label: 'p90', className: 'tone-p90' },
  { key: 'p99', label: 'p99', className: 'tone-p99' },
];

const byId = (id) => document.getElementById(id);
let timer;
let paused = false;
/** The last summary drawn: a resize draws it again at the new width. */
let shown;

/** Thrown for a 401: the token is wrong or gone, so the sign-in form comes back. */
class SignedOut extends Error {}

async function getJson(path) {
  const token = sessionStorage.getItem(tokenKey);
  if (token === null) throw new SignedOut('Sign in first.');
  const response = await fetch(path, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, cache: 'no-store', credentials: 'omit' });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) throw new SignedOut(body.detail ?? 'The admin token was refused.');
  if (!response.ok) throw new Error(`${body.title ?? `HTTP ${response.status}`}: ${body.detail ?? ''} (correlation ID ${body.correlationId ?? 'none'})`);
  return body;
}

function element(name, attributes = {}, ...children) {
  const node = document.createElement(name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

/** A table with a caption, header cells with scope, and one row per item. */
function table(caption, headings, rows, options = {}) {
  const head = element('tr', {}, ...headings.map((heading) => element('th', { scope: 'col' }, heading)));
  const body = element('tbody');
  for (const row of rows) {
    const cells = row.cells.map((cell, i) => (i === 0 ? element('th', { scope: 'row' }, cell) : element('td', {}, cell)));
    body.append(element('tr', row.attributes ?? {}, ...cells));
  }
  if (rows.length === 0) body.append(element('tr', {}, element('td', { colspan: headings.length, class: 'empty' }, options.empty ?? 'Nothing in this range.')));
  return element('table', { class: options.numeric === false ? '' : 'numbers' }, element('caption', {}, caption), element('thead', {}, head), body);
}

function clock(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function ms(value) {
  if (value === null || value === undefined) return '–';
  return value >= 1000 ? `≤ ${value / 1000} s` : `≤ ${value} ms`;
}

/** The width a chart gets: its box's, so that its text keeps the page's size. */
function widthOf(id) {
  return Math.max(280, byId(id).clientWidth || 720);
}

function show(id, ...nodes) {
  byId(id).replaceChildren(...nodes);
}

function drawUsage(usage, minutesShown, names) {
  const nameOf = (id) => names[id] ?? id;
  const byClass = statusClasses.map((one) => ({ ...one, values: usage.byClass[one.key].perMinute }));
  show(
    'requests-chart',
    stackedColumns({
      width: widthOf('requests-chart'),
      minutes: usage.minutes,
      series: byClass,
      title: `Requests per minute over the last ${minutesShown} minutes`,
      description: `${usage.requests.total} requests: ${byClass.map((one) => `${usage.byClass[one.key].total} ${one.label}`).join(', ')}.`,
    }),
    legend(byClass),
  );
  const minuteRows = usage.minutes
    .map((minute, i) => ({ minute, i, total: usage.requests.perMinute[i] }))
    .filter((row) => row.total > 0)
    .map(({ minute, i, total }) => ({ cells: [clock(minute), total, ...statusClasses.map((one) => usage.byClass[one.key].perMinute[i]), usage.errors.perMinute[i]] }));
  show('requests-table', table('Requests per minute (minutes without requests left out)', ['Minute', 'Requests', ...statusClasses.map((one) => one.key), 'Errors'], minuteRows));

  const owners = usage.errorsByOwner.map((one) => ({ label: one.owner, className: ownerClasses[one.owner], values: one.perMinute, total: one.total }));
  show(
    'owners-chart',
    stackedColumns({
      width: widthOf('owners-chart'),
      minutes: usage.minutes,
      series: owners,
      title: 'Errors per minute by owner',
      description: `${usage.errors.total} errors: ${owners.map((one) => `${one.total} ${one.label}`).join(', ')}.`,
    }),
    legend(owners),
  );
  show('owners-table', table('Errors by owner over the range', ['Owner', 'Errors'], owners.map((one) => ({ cells: [one.label, one.total], attributes: { 'data-owner': one.label } }))));

  const codes = usage.errorsByCode.map((one) => ({ label: one.code, value: one.total, className: ownerClasses[one.owner] ?? 'owner-upstream' }));
  show('codes-chart', horizontalBars({ width: widthOf('codes-chart'), items: codes, title: 'Errors by code', description: codes.map((one) => `${one.label} ${one.value}`).join(', ') || 'No errors.' }));
  show(
    'codes-table',
    table(
      'Errors by catalog code, with their minutes',
      ['Code', 'Owner', 'Errors', 'Per minute'],
      usage.errorsByCode.map((one) => ({ cells: [one.code, one.owner || 'upstream', one.total, sparkline([{ values: one.perMinute, className: 'tone-bad' }])], attributes: { 'data-code': one.code } })),
      { empty: 'No errors in this range.' },
    ),
  );

  const latency = percentileSeries.map((one) => ({ ...one, values: usage.latency.perMinute.map((minute) => minute[one.key]) }));
  const overall = usage.latency.overall;
  show(
    'latency-chart',
    logLines({
      width: widthOf('latency-chart'),
      minutes: usage.minutes,
      series: latency,
      title: 'Latency percentiles per minute',
      description: overall.count === 0 ? 'No requests timed in this range.' : `Over the range: p50 ${ms(overall.p50)}, p90 ${ms(overall.p90)}, p99 ${ms(overall.p99)} (${overall.count} requests).`,
    }),
    legend(latency),
  );
  show(
    'latency-table',
    table(
      'Latency percentiles per minute',
      ['Minute', 'Requests', 'p50', 'p90', 'p99'],
      [
        ...usage.latency.perMinute.filter((minute) => minute.count > 0).map((minute) => ({ cells: [clock(minute.minute), minute.count, ms(minute.p50), ms(minute.p90), ms(minute.p99)] })),
        ...(overall.count === 0 ? [] : [{ cells: ['Whole range', overall.count, ms(overall.p50), ms(overall.p90), ms(overall.p99)], attributes: { class: 'sum' } }]),
      ],
    ),
  );

  const routeMax = Math.max(1, ...usage.byRoute.map((route) => route.requests));
  show(
    'routes-table',
    table(
      'Requests, errors and mean time per route; the small lines are requests (green) and errors (red) per minute',
      ['Route', 'Requests', 'Errors', 'Mean', 'Per minute', 'Share'],
      usage.byRoute.map((route) => ({
        cells: [
          route.route || '(no route)',
          route.requests,
          route.errors,
          `${route.meanMs} ms`,
          sparkline([
            { values: route.requestsPerMinute, className: 'tone-ok' },
            { values: route.errorsPerMinute, className: 'tone-bad' },
          ]),
          meter(route.requests, route.errors, routeMax),
        ],
        attributes: { 'data-route': route.route },
      })),
    ),
  );

  const refusals = usage.refusalsByAccount.flatMap((one) => [
    { label: `${nameOf(one.account)} · 429`, value: one.rateLimited, className: 'tone-warn' },
    { label: `${nameOf(one.account)} · 402`, value: one.paymentRequired, className: 'tone-bad' },
  ]).filter((item) => item.value > 0);
  show('refusals-chart', horizontalBars({ width: widthOf('refusals-chart'), items: refusals, title: '429 and 402 answers by account', description: refusals.map((one) => `${one.label}: ${one.value}`).join(', ') || 'None.' }));
  show('refusals-table', table('429 and 402 answers by account', ['Account', 'Id', '429 rate limited', '402 plan'], usage.refusalsByAccount.map((one) => ({ cells: [nameOf(one.account), one.account, one.rateLimited, one.paymentRequired], attributes: { 'data-account': one.account } })), { empty: 'No 429 or 402 in this range.' }));

  const accounts = usage.topAccounts.map((one) => ({ label: nameOf(one.account), value: one.requests, className: 'tone-1' }));
  show('accounts-chart', horizontalBars({ width: widthOf('accounts-chart'), items: accounts, title: 'Accounts with the most requests', description: accounts.map((one) => `${one.label}: ${one.value}`).join(', ') || 'None.' }));
  show('accounts-table', table('Accounts with the most requests', ['Account', 'Id', 'Requests', 'Errors'], usage.topAccounts.map((one) => ({ cells: [nameOf(one.account), one.account, one.requests, one.errors], attributes: { 'data-account': one.account } }))));

  show(
    'recent-errors',
    table(
      'The newest error answers',
      ['Correlation ID', 'When', 'Request', 'Status', 'Code', 'Account'],
      usage.recentErrors.map((one) => ({ cells: [searchButton(one.correlationId), new Date(one.at).toLocaleTimeString(), `${one.method} ${one.path}`, one.status, one.code || '–', one.account === '' ? '–' : nameOf(one.account)] })),
      { empty: 'No error answers kept.', numeric: false },
    ),
  );
}

/** A small bar of a route's requests with its error share, in a table cell (decorative: the numbers are beside it). */
function meter(requests, errors, max) {
  const bar = element('span', { class: 'meter', 'aria-hidden': 'true' });
  const ok = element('span', { class: 'meter-ok' });
  const bad = element('span', { class: 'meter-bad' });
  bar.style.width = `${Math.max(2, (requests / max) * 100)}%`;
  ok.style.flexGrow = String(requests - errors);
  bad.style.flexGrow = String(errors);
  bar.append(ok, bad);
  return bar;
}

function searchButton(correlationId) {
  const button = element('button', { type: 'button', class: 'link', 'data-correlation-id': correlationId }, correlationId);
  button.addEventListener('click', () => {
    byId('correlation-id').value = correlationId;
    void search(correlationId);
  });
  return button;
}

function drawStatus(summary) {
  const circuits = summary.upstreams.map((one) => ({
    cells: [one.name, element('span', { class: `badge circuit-${one.circuit}` }, one.circuit), one.opens],
    attributes: { 'data-upstream': one.name },
  }));
  show('upstreams', table('Upstream circuits', ['Upstream', 'Circuit', 'Times opened'], circuits, { empty: 'No upstream.' }));
  if (summary.operations === null) show('queue', element('p', { class: 'note' }, 'No route is async: there is no queue.'));
  else {
    const queue = summary.operations;
    show(
      'queue',
      table('Async queue', ['Operations', 'Count'], [
        ...Object.entries(queue.byStatus).map(([status, count]) => ({ cells: [status, count], attributes: { 'data-status': status } })),
        { cells: ['running now', queue.running] },
        { cells: ['oldest pending', `${queue.oldestPendingSeconds} s`] },
        { cells: ['webhooks pending', queue.webhooksPending] },
      ]),
    );
  }
  const limits = summary.rateLimits;
  show('limits', element('p', { class: 'note' }, `Rate-limit store: ${limits.store}, ${limits.available ? 'answering' : 'not answering (limits follow whenStoreDown)'}; ${limits.fallbackDecisions} decisions without it since start.`));
  const open = summary.upstreams.filter((one) => one.circuit !== 'closed').length;
  setTotal('open-circuits', `${open} of ${summary.upstreams.length}`, open > 0 ? 'bad' : '');
  const ring = summary.recentLog;
  byId('ring-note').textContent =
    ring === null ? '' : `Searches the last ${ring.lines} log lines kept in memory (at most ${ring.maxLines} lines or ${Math.round(ring.maxBytes / 1048576)} MiB), and the error answers usage metering keeps.`;
}

function setTotal(name, text, tone = '') {
  const cell = document.querySelector(`[data-total="${name}"]`);
  cell.textContent = text;
  cell.className = tone;
}

function drawTotals(usage) {
  byId('usage-off').hidden = usage !== null;
  if (usage === null) return;
  setTotal('requests', usage.requests.total.toLocaleString('en'));
  setTotal('errors', usage.errors.total.toLocaleString('en'), usage.errors.total > 0 ? 'warn' : '');
  setTotal('error-rate', usage.requests.total === 0 ? '–' : `${((100 * usage.errors.total) / usage.requests.total).toFixed(1)} %`);
  setTotal('p50', ms(usage.latency.overall.p50));
  setTotal('p99', ms(usage.latency.overall.p99));
}

function draw(summary, minutes) {
  shown = { summary, minutes };
  drawTotals(summary.usage);
  if (summary.usage !== null) drawUsage(summary.usage, minutes, summary.accountNames);
  drawStatus(summary);
}

async function refresh() {
  clearTimeout(timer);
  const minutes = byId('range').value;
  try {
    const summary = await getJson(`/admin/dashboard/summary?minutes=${encodeURIComponent(minutes)}`);
    draw(summary, minutes);
    byId('load-error').textContent = '';
    byId('updated').textContent = `Updated ${new Date(summary.generatedAt).toLocaleTimeString()}${paused ? ' (paused)' : ''}`;
    document.body.dataset.loaded = String(summary.generatedAt);
  } catch (error) {
    if (error instanceof SignedOut) return signOut(error.message);
    byId('load-error').textContent = `Could not load the dashboard: ${error.message}`;
  }
  if (!paused) timer = setTimeout(refresh, refreshMs);
}

async function search(correlationId) {
  const target = byId('story');
  target.replaceChildren(element('p', {}, 'Searching…'));
  try {
    const found = await getJson(`/admin/dashboard/requests/${encodeURIComponent(correlationId)}`);
    const parts = [element('h3', {}, `Request ${found.correlationId}`)];
    if (found.story.length === 0 && found.errors.length === 0) parts.push(element('p', { class: 'note' }, 'No log line in memory and no kept error answer has this correlation ID. It may be older than the ring keeps, or from another gateway.'));
    if (found.story.length > 0) parts.push(element('ol', { class: 'story' }, ...found.story.map((line) => element('li', {}, line))));
    if (found.errors.length > 0) {
      parts.push(table('Error answers usage metering kept for it', ['When', 'Request', 'Status', 'Code', 'Account', 'Key'], found.errors.map((one) => ({ cells: [new Date(one.at).toISOString(), `${one.method} ${one.path}`, one.status, one.code || '–', one.account || '–', one.keyId || '–'] })), { numeric: false }));
    }
    target.replaceChildren(...parts);
  } catch (error) {
    if (error instanceof SignedOut) return signOut(error.message);
    target.replaceChildren(element('p', { class: 'problem', role: 'alert' }, error.message));
  }
}

function signOut(message = '') {
  clearTimeout(timer);
  sessionStorage.removeItem(tokenKey);
  byId('main').hidden = true;
  byId('controls').hidden = true;
  byId('sign-in').hidden = false;
  byId('sign-in-error').textContent = message;
  byId('token').focus();
}

function signedIn() {
  byId('sign-in').hidden = true;
  byId('main').hidden = false;
  byId('controls').hidden = false;
  void refresh();
}

function start() {
  byId('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = byId('token');
    sessionStorage.setItem(tokenKey, input.value.trim());
    input.value = '';
    signedIn();
  });
  byId('sign-out').addEventListener('click', () => signOut());
  byId('pause').addEventListener('click', (event) => {
    paused = !paused;
    event.currentTarget.setAttribute('aria-pressed', String(paused));
    event.currentTarget.textContent = paused ? 'Resume' : 'Pause';
    if (paused) {
      clearTimeout(timer);
      byId('updated').textContent = `${byId('updated').textContent.replace(' (paused)', '')} (paused)`;
    } else void refresh();
  });
  byId('range').addEventListener('change', () => void refresh());
  byId('search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const value = byId('correlation-id').value.trim();
    if (value !== '') void search(value);
  });
  let resizing;
  window.addEventListener('resize', () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => shown !== undefined && draw(shown.summary, shown.minutes), 150);
  });
  // A hidden tab stops polling; it catches up when shown again.
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) clearTimeout(timer);
    else if (!paused && sessionStorage.getItem(tokenKey) !== null) void refresh();
  });
  if (sessionStorage.getItem(tokenKey) === null) signOut();
  else signedIn();
}

start();
