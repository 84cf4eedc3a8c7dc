// The support report the seeds ask for: the request with its secret removed, every error message,
// and what the caller was trying to do, in the caller's language. Built from what the portal shows;
// the credential is never part of it, and anything secret-shaped typed into the box is removed too.

import { t } from './i18n.js';

export const redacted = '[redacted]';

/** Portier keys (also percent-encoded) and JWTs, wherever they appear. */
const secretShapes = [/pt(?:_|%5F)(?:live|test)(?:_|%5F)(?:[A-Za-z0-9_]|%5F)+/gi, /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g];

/** Text with secret-shaped values and every `own` secret (the session token) replaced. */
export function redactText(text, own = []) {
  let out = text;
  for (const secret of own) if (secret !== undefined && secret.length >= 8) out = out.split(secret).join(redacted);
  for (const shape of secretShapes) out = out.replace(shape, redacted);
  return out;
}

/**
 * The report for one recent error. `origin` is where the API is reached; `credentialName` the header
 * the key travels in (shown with its value removed).
 */
export function supportReport({ error, account, origin, credentialName, intent, own }) {
  const lines = [
    `${t('reportHeading')}`,
    '',
    t('reportRequest'),
    `  ${error.method} ${origin}${error.path}`,
    `  ${credentialName}: ${redacted} ${t('reportCredential')}`,
    '',
    t('reportResponse'),
    `  ${t('reportStatus')}: ${error.status}`,
    `  ${t('correlationId')}: ${error.correlationId}`,
    `  ${t('reportCode')}: ${error.code === '' ? '-' : error.code}`,
  ];
  if (error.title !== null) lines.push(`  ${t('reportErrorTitle')}: ${error.title}`);
  if (error.meaning !== null) lines.push(`  ${t('reportMeaning')}: ${error.meaning}`);
  if (error.troubleshooting.length > 0) lines.push(`  ${t('reportSteps')}:`, ...error.troubleshooting.map((step) => `    - ${step}`));
  lines.push(`  ${t('reportTime')}: ${error.at}`, `  ${t('reportAccount')}: ${account}`, `  ${t('reportKey')}: ${error.keyId === '' ? '-' : error.keyId}`, '');
  lines.push(t('reportIntentHeading'));
  const told = intent.trim();
  lines.push(...(told === '' ? [`  ${t('reportIntentEmpty')}`] : told.split('\n').map((line) => `  ${line}`)));
  lines.push('', t('reportFooter'));
  return redactText(lines.join('\n'), own);
}
