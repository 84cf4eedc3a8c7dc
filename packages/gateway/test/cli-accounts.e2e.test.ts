import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers/cli.js';

function deployment(sqlitePath?: (dir: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'portier-cli-accounts-'));
  const file = join(dir, 'portier.yaml');
  writeFileSync(
    file,
    `auth:
  instance: eu1
  maxKeysPerAccount: 2
  store: { sqlitePath: ${sqlitePath?.(dir) ?? join(dir, 'portier.db')} }
plans:
  free: {}
  pro: { features: [hourly] }
upstreams: { app: { url: "http://127.0.0.1:9" } }
routes: [{ id: rows, path: /rows, upstream: app, auth: { scopes: [rows:read] } }]
`,
  );
  return file;
}

describe('portier accounts and keys', () => {
  it('accounts and keys: create an account and a key, print the key once, and list it without the secret', async () => {
    const config = deployment();
    const created = await runCli(['accounts', 'create', '--name', 'Acme', '--plan', 'free', '--config', config, '--json']);
    expect(created.code).toBe(0);
    const account = JSON.parse(created.stdout) as { id: string; plan: string; status: string };
    expect(account).toMatchObject({ plan: 'free', status: 'active' });

    const key = await runCli(['keys', 'create', '--account', account.id, '--name', 'ci', '--scopes', 'rows:read,rows:write', '--config', config]);
    expect(key.code).toBe(0);
    const secret = key.stdout.split('\n')[0] as string;
    expect(secret).toMatch(/^pt_live_eu1_[0-9A-Za-z]{38}$/);
    expect(key.stdout).toContain('This is the only time the key is shown');

    const listed = await runCli(['keys', 'list', '--account', account.id, '--config', config]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('rows:read,rows:write');
    expect(listed.stdout).toContain('never');
    expect(listed.stdout).not.toContain(secret);

    const shown = await runCli(['accounts', 'show', account.id, '--config', config, '--json']);
    expect(JSON.stringify(JSON.parse(shown.stdout))).not.toContain(secret.slice(20));
  });

  it('accounts and keys: revoke a key, move an account to another plan, disable it, and record it all in the audit trail', async () => {
    const config = deployment();
    const account = JSON.parse((await runCli(['accounts', 'create', '--name', 'Acme', '--plan', 'free', '--config', config, '--json'])).stdout) as { id: string };
    const issued = JSON.parse((await runCli(['keys', 'create', '--account', account.id, '--name', 'ci', '--config', config, '--json'])).stdout) as { key: { id: string } };
    const revoked = await runCli(['keys', 'revoke', issued.key.id, '--config', config]);
    expect(revoked.stdout).toBe(`key ${issued.key.id} is revoked\n`);
    expect((await runCli(['accounts', 'set-plan', account.id, 'pro', '--config', config])).stdout).toContain('is on plan pro');
    expect((await runCli(['accounts', 'disable', account.id, '--config', config])).stdout).toContain('is disabled');
    const audit = await runCli(['audit', '--config', config]);
    for (const action of ['account.create', 'key.create', 'key.revoke', 'account.update']) expect(audit.stdout).toContain(action);
    expect(audit.stdout).toMatch(/cli:\S+/);
  });

  it('accounts and keys: exit 1 with the catalog code when the account does not exist', async () => {
    const result = await runCli(['keys', 'list', '--account', 'acc_missing', '--config', deployment()]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('account_not_found: There is no account acc_missing.\n');
  });

  it('accounts and keys: exit 2 on a malformed expiry date or a config without auth', async () => {
    const config = deployment();
    const account = JSON.parse((await runCli(['accounts', 'create', '--name', 'A', '--plan', 'free', '--config', config, '--json'])).stdout) as { id: string };
    const badDate = await runCli(['keys', 'create', '--account', account.id, '--name', 'x', '--expires', 'next tuesday', '--config', config]);
    expect(badDate.code).toBe(2);
    expect(badDate.stderr).toContain('is not an ISO 8601 date');

    const plain = join(mkdtempSync(join(tmpdir(), 'portier-cli-noauth-')), 'portier.yaml');
    writeFileSync(plain, 'upstreams: { app: { url: "http://127.0.0.1:9" } }\nroutes: [{ id: a, path: /a, upstream: app }]\n');
    const noAuth = await runCli(['accounts', 'list', '--config', plain]);
    expect(noAuth.code).toBe(2);
    expect(noAuth.stderr).toContain('has no auth section');
  });

  it('accounts and keys: the SQLite file\'s folder is created when missing (the docs\' /var/lib/portier/portier.db on a new host)', async () => {
    let db = '';
    const config = deployment((dir) => (db = join(dir, 'var', 'lib', 'portier', 'portier.db')));
    const created = await runCli(['accounts', 'create', '--name', 'Acme', '--plan', 'free', '--config', config]);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(existsSync(db)).toBe(true);
  });

  it('accounts and keys, start: a SQLite file that cannot be created is one line naming it, exit 1, no stack', async () => {
    // A folder that cannot be made, even as root: its parent is a file.
    let db = '';
    const config = deployment((dir) => {
      writeFileSync(join(dir, 'not-a-folder'), '');
      return (db = join(dir, 'not-a-folder', 'portier.db'));
    });
    const admin = await runCli(['accounts', 'list', '--config', config]);
    expect(admin.code).toBe(1);
    expect(admin.stderr.split('\n')).toEqual([expect.stringMatching(/^cannot open the SQLite file \S+: E[A-Z]+: /), '']);
    expect(admin.stderr).toContain(db);
    const start = await runCli(['start', '--config', config]);
    expect(start.code).toBe(1);
    expect(start.stderr.split('\n')).toEqual([`the gateway cannot start: ${admin.stderr.trim()}`, '']);
  });
});
