import { chooseChromium } from './chromium.js';
import { whatTheTestsLack } from './test-machine.js';

/**
 * Runs once before any test file: checks what the suite needs from the machine, so that a missing
 * server is one line at the start instead of many failures later, and unpacks the npm Chromium once
 * (two test files unpacking it at the same moment would race).
 */
export default async function checkTestMachine(): Promise<void> {
  const lack = await whatTheTestsLack();
  if (lack !== undefined) {
    // The line alone, then out: a thrown error would come with vitest's "No test files found" and a
    // stack, which only hide the one line that matters.
    process.stderr.write(`\n${lack}\n`);
    process.exit(1);
  }
  await chooseChromium();
}
