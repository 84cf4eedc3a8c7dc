import { fileURLToPath } from 'node:url';
import { describeAppGuide } from '../../shared/run-app-guide.js';

// `npm run example:hono` as a newcomer runs it: every line of the guide it prints answers what it says.
describeAppGuide('hono', fileURLToPath(new URL('../start.ts', import.meta.url)));
