/** axe-core over the page in the browser: serious and critical violations, one line each ("rule: target"). */
import axe from "axe-core";
import type { Page } from "playwright-core";

export async function seriousAxeViolations(page: Page): Promise<string[]> {
  await page.evaluate(axe.source); // evaluate is not subject to the page's CSP, unlike a script tag
  const violations = await page.evaluate(async () => {
    const run = (globalThis as unknown as { axe: typeof axe }).axe.run;
    const results = await run(document, { resultTypes: ["violations"] });
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      targets: v.nodes.map((n) => String(n.target)),
    }));
  });
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.targets.join(", ")}`);
}
