import type { EnvelopeRenderer } from './envelope-renderer.js';
import type { EnvelopeName } from './envelope-names.js';
import { codatRenderer } from './codat-renderer.js';
import { problemRenderer } from './problem-renderer.js';
import { brazeRenderer } from './braze-renderer.js';
import { seatableRenderer } from './seatable-renderer.js';

/** Every envelope renderer by its config name. */
export const renderers = {
  problem: problemRenderer,
  codat: codatRenderer,
  braze: brazeRenderer,
  seatable: seatableRenderer,
} as const satisfies Record<EnvelopeName, EnvelopeRenderer>;
