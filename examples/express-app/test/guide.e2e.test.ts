import { fileURLToPath } from 'node:url';
import { describeAppGuide } from '../../shared/run-app-guide.js';

// `npm run example:express` as a newcomer runs it: every line of the guide it prints answers what it says.
describeAppGuide('express', fileURLToPath(new URL('../start.ts', import.meta.url)));
