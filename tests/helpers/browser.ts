/** A page in the run's shared Chromium (started by tests/harness/run.ts), in a context of its own. */
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Page,
} from "playwright-core";
import { testEnv } from "./db.ts";

export type TestPage = {
  page: Page;
  /** Console errors and failed requests seen so far: a CSP violation shows up here. */
  problems: string[];
  close(): Promise<void>;
};

let shared: Promise<Browser> | null = null;

export async function openPage(options: BrowserContextOptions = {}): Promise<TestPage> {
  shared ??= chromium.connect(testEnv("ASTAPA_TEST_BROWSER_WS"));
  const browser = await shared;
  const context: BrowserContext = await browser.newContext(options);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("requestfailed", (request) => problems.push(`${request.url()}: ${request.failure()?.errorText}`));
  return { page, problems, close: () => context.close() };
}

/** Disconnects this test process from the shared browser (the harness closes the browser itself). */
export async function disconnectBrowser(): Promise<void> {
  if (shared) await (await shared).close();
  shared = null;
}

/** Saves a screenshot under tests/artifacts/ (git-ignored) for a person to look at. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = new URL("../artifacts/", import.meta.url);
  await Deno.mkdir(dir, { recursive: true });
  await page.screenshot({ path: new URL(`${name}.png`, dir).pathname, fullPage: true });
}
