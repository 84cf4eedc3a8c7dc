import { writeFileSync } from 'node:fs';
import { renderConformanceDoc } from './conformance-doc.js';

writeFileSync(new URL('../docs/conformance.md', import.meta.url), renderConformanceDoc());
process.stdout.write('wrote docs/conformance.md\n');
