import type { ConfigProblem } from '../config/config-problem.js';
import type { PortierConfig } from '../config/config-types.js';
import { reportConfigProblems } from './report-config-problems.js';

/**
 * `portier reload`: `POST /admin/reload` on the running gateway named by the config's admin section.
 * The gateway reads its own file again (the one it was started with); a refused file is reported as
 * `config check` reports it, with exit status 2, and the gateway keeps serving its running config.
 */
export async function reloadCommand(config: PortierConfig, file: string, json: boolean): Promise<void> {
  const admin = config.admin;
  if (admin === undefined || admin.port === 0) {
    process.stderr.write(`${file} has no admin section with a fixed port: send SIGHUP to the gateway process instead\n`);
    process.exit(2);
  }
  let response: Response;
  try {
    response = await fetch(`http://${admin.host}:${admin.port}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${admin.token}` } });
  } catch {
    process.stderr.write(`the gateway's admin API does not answer at ${admin.host}:${admin.port}; is the gateway running?\n`);
    process.exit(1);
  }
  const body = (await response.json()) as { reloaded?: boolean; file?: string; routes?: number; problems?: ConfigProblem[]; code?: string; detail?: string };
  if (json) process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  if (response.status === 422 && body.problems !== undefined) {
    if (!json) reportConfigProblems(body.file ?? file, body.problems, false);
    process.exit(2);
  }
  if (!response.ok) {
    if (!json) process.stderr.write(`${body.code ?? response.status}: ${body.detail ?? ''}\n`);
    process.exit(1);
  }
  if (!json) process.stdout.write(`${body.file ?? file}: reloaded (${body.routes ?? 0} routes)\n`);
}
