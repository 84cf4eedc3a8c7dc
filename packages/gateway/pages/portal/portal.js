// The key holders' portal: sign in with a key, then see the account, its limits, its keys and its
// recent errors, and write a support report. Everything shown comes from the portal's JSON, which is
// about the signed-in account only.

import { ApiError, changeKeys, endSession, loadSettings, portalSettings, read, session, signIn } from './api.js';
import { applyStrings, currentLanguage, formatDuration, formatTime, loadStrings, t } from './i18n.js';
import { supportReport } from './report.js';

const $ = (id) => document.getElementById(id);
let account;
let recentErrors = [];
let reportedError;

function say(text, kind = 'info') {
  const status = $('status');
  status.textContent = text;
  status.dataset.kind = kind;
}

function sayFailure(error) {
  if (error instanceof ApiError && error.status === 401 && session() === undefined) return signedOut(t('sessionExpired'));
  say(t('failed', { message: error.message, id: error.correlationId ?? '-' }), 'error');
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className !== undefined) node.className = className;
  return node;
}

function button(text, onClick, className = 'secondary small') {
  const node = element('button', text, className);
  node.type = 'button';
  node.addEventListener('click', onClick);
  return node;
}

function signedOut(message) {
  endSession();
  account = undefined;
  $('signed-in').hidden = true;
  $('sign-out').hidden = true;
  $('sign-in').hidden = false;
  $('report').hidden = true;
  say(message ?? '');
  $('sign-in-key').focus();
}

async function showAccount() {
  const language = currentLanguage();
  const [overview, keys, errors] = await Promise.all([read('account'), read('keys'), read(`errors?lang=${encodeURIComponent(language)}`)]);
  account = overview;
  $('sign-in').hidden = true;
  $('signed-in').hidden = false;
  $('sign-out').hidden = false;
  $('account-name').textContent = overview.account.name === overview.account.id ? overview.account.id : `${overview.account.name} (${overview.account.id})`;
  $('account-plan').textContent = overview.account.plan;
  $('account-key').textContent = `${overview.key.name} (${overview.key.id})`;
  $('session-ends').textContent = formatTime(session()?.expiresAt);
  showLimits(overview.limits);
  showKeys(keys.keys);
  recentErrors = errors.errors;
  showErrors();
  if (reportedError !== undefined) writeReport();
}

function showLimits(limits) {
  const list = $('limits');
  list.replaceChildren();
  $('limits-none').hidden = limits.length > 0;
  for (const limit of limits) {
    const item = element('li', undefined, 'limit');
    const id = `limit-${list.children.length}`;
    const heading = element('div', undefined, 'limit-head');
    const name = element('span', limit.name, 'limit-name');
    name.id = id;
    heading.append(name, element('span', t('perWindow', { window: limit.window }), 'limit-window'));
    const bar = document.createElement('progress');
    bar.max = limit.limit;
    bar.value = limit.used ?? 0;
    bar.setAttribute('aria-labelledby', id);
    const detail =
      limit.used === null
        ? t('unavailable')
        : `${t('usedOf', { used: limit.used, limit: limit.limit })} · ${t('remaining', { remaining: limit.remaining, resetAt: formatTime(limit.resetAt) })}`;
    item.append(heading, bar, element('p', detail, 'limit-detail'));
    if (limit.used !== null && limit.used >= limit.limit * 0.8) item.classList.add('near');
    list.append(item);
  }
}

const statusText = { active: 'statusActive', rotated: 'statusRotated', revoked: 'statusRevoked' };

function showKeys(keys) {
  const settings = portalSettings();
  const body = $('keys');
  body.replaceChildren();
  const canChange = settings.keysApi !== null;
  $('create-form').hidden = !canChange;
  $('keys-readonly').hidden = canChange;
  for (const key of keys) {
    const row = document.createElement('tr');
    const name = element('td', key.name);
    if (key.current) name.append(' ', element('span', t('current'), 'badge'));
    row.append(name, element('td', key.display, 'mono'), element('td', t(statusText[key.status])), element('td', formatTime(key.createdAt)), element('td', formatTime(key.lastUsedAt)), element('td', formatTime(key.expiresAt)));
    const actions = element('td', undefined, 'actions');
    if (canChange) {
      if (key.status === 'active') actions.append(button(t('rotate'), () => rotateKey(key)));
      actions.append(button(t('revoke'), () => revokeKey(key), 'danger small'));
    }
    row.append(actions);
    body.append(row);
  }
}

function showErrors() {
  const body = $('errors');
  body.replaceChildren();
  $('errors-none').hidden = recentErrors.length > 0;
  $('errors-table').hidden = recentErrors.length === 0;
  for (const error of recentErrors) {
    const row = document.createElement('tr');
    const what = element('td');
    what.append(element('strong', error.title ?? error.code), element('span', error.code === '' ? '' : ` ${error.code}`, 'mono muted'));
    row.append(element('td', formatTime(error.at)), element('td', `${error.method} ${error.path}`, 'mono'), element('td', String(error.status)), what, element('td', error.correlationId, 'mono'));
    const actions = element('td', undefined, 'actions');
    actions.append(button(t('report'), () => startReport(error)));
    row.append(actions);
    body.append(row);
  }
}

function startReport(error) {
  reportedError = error;
  $('report').hidden = false;
  writeReport();
  $('report-intent').focus();
}

function writeReport() {
  const error = recentErrors.find((candidate) => candidate.correlationId === reportedError.correlationId) ?? reportedError;
  const settings = portalSettings();
  const credentialName = settings.credential.schemes[0] === 'header' ? settings.credential.header : 'Authorization';
  $('report-text').value = supportReport({ error, account: account.account.id, origin: location.origin, credentialName, intent: $('report-intent').value, own: [session()?.token] });
}

/** Asks for the key for one change; resolves with it, or undefined when cancelled. The key is not kept. */
function confirmWithKey(what) {
  const dialog = $('confirm');
  $('confirm-what').textContent = what;
  $('confirm-key').value = '';
  return new Promise((resolve) => {
    const done = (value) => {
      $('confirm-key').value = '';
      dialog.removeEventListener('close', onClose);
      resolve(value);
    };
    const onClose = () => done(dialog.returnValue === 'ok' ? pending : undefined);
    let pending;
    $('confirm-form').onsubmit = (event) => {
      event.preventDefault();
      pending = $('confirm-key').value;
      dialog.close('ok');
    };
    dialog.addEventListener('close', onClose);
    dialog.showModal();
    $('confirm-key').focus();
  });
}

function showSecret(secret) {
  $('new-secret').hidden = false;
  $('new-secret-value').value = secret;
  $('new-secret-value').focus();
  $('new-secret-value').select();
}

async function keyChange(what, request, done) {
  const key = await confirmWithKey(what);
  if (key === undefined || key === '') return;
  try {
    const answer = await changeKeys(key, request);
    // The keys API's answer has the deployment's shape: settings.json names the member with the secret.
    const member = portalSettings().keysApi.secretMember;
    if (member !== null && answer !== null && typeof answer === 'object' && typeof answer[member] === 'string') showSecret(answer[member]);
    say(done, 'ok');
    await showAccount();
  } catch (error) {
    sayFailure(error);
  }
}

function createKey(name) {
  const label = name === '' ? 'API key' : name;
  return keyChange(t('confirmCreate', { name: label }), { method: 'POST', body: name === '' ? {} : { name } }, t('created'));
}

function revokeKey(key) {
  return keyChange(t('confirmRevoke', { name: key.name, display: key.display }), { method: 'DELETE', suffix: `/${encodeURIComponent(key.id)}` }, t('revoked'));
}

function rotateKey(key) {
  const grace = formatDuration(portalSettings().keysApi.rotationGraceSeconds);
  return keyChange(t('confirmRotate', { name: key.name, display: key.display, grace }), { method: 'POST', suffix: `/${encodeURIComponent(key.id)}/rotate` }, t('rotated'));
}

async function copy(field) {
  await navigator.clipboard.writeText($(field).value).then(
    () => say(t('copied'), 'ok'),
    () => {
      $(field).select();
    },
  );
}

function textParams() {
  return { minutes: Math.round(portalSettings().sessionSeconds / 60) };
}

async function switchLanguage(language) {
  await loadStrings(language);
  applyStrings(textParams());
  $('language').value = currentLanguage();
  if (session() !== undefined) await showAccount().catch(sayFailure);
}

async function start() {
  await loadSettings();
  await loadStrings();
  applyStrings(textParams());
  $('language').value = currentLanguage();
  $('language').addEventListener('change', (event) => void switchLanguage(event.target.value));
  $('sign-in-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const field = $('sign-in-key');
    const key = field.value.trim();
    field.value = '';
    say(t('signingIn'));
    try {
      await signIn(key);
      await showAccount();
      say(t('signedIn'), 'ok');
      $('account-title').focus();
    } catch (error) {
      endSession();
      say(t('failed', { message: error.message, id: error.correlationId ?? '-' }), 'error');
    }
  });
  $('sign-out').addEventListener('click', () => signedOut(t('signedOut')));
  $('refresh').addEventListener('click', () => void showAccount().catch(sayFailure));
  $('create-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void createKey($('create-name').value.trim()).then(() => {
      $('create-name').value = '';
    });
  });
  $('copy-secret').addEventListener('click', () => void copy('new-secret-value'));
  $('hide-secret').addEventListener('click', () => {
    $('new-secret-value').value = '';
    $('new-secret').hidden = true;
  });
  $('copy-report').addEventListener('click', () => void copy('report-text'));
  $('report-intent').addEventListener('input', writeReport);
  $('confirm-cancel').addEventListener('click', () => $('confirm').close('cancel'));
  if (session() !== undefined) await showAccount().catch(sayFailure);
  else $('sign-in-key').focus();
}

void start();
