// Accessibility checks for the browser tests: axe-core (tests/e2e/node_modules, pinned in
// package-lock.json) run inside the page against WCAG 2.1 A and AA. The source is evaluated
// through the DevTools protocol, which the pages' Content-Security-Policy does not apply to, so
// the pages are checked with their real CSP.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

// Fails with the rule, its impact and the offending elements when the page, as it is now, has a
// serious or critical WCAG 2.1 AA violation. `what` names the view in the message.
export async function assertAccessible(page, what) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.evaluate(AXE_SOURCE);
  }
  const violations = await page.evaluate(async (tags) => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return result.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + ' — ' + n.failureSummary),
    }));
  }, TAGS);
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `${what}: axe-core found serious or critical WCAG 2.1 AA violations:\n` +
    JSON.stringify(bad, null, 2));
}
