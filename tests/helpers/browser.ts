/**
 * A page in the run's shared Chromium (started by tests/harness/run.ts), in a context of its own.
 *
 * Test files run in parallel against one browser, so nothing a test reads back may live in the browser as a
 * whole. Cookies, storage, permissions and downloads are per context already; the system clipboard is not
 * (one Chromium has one), so each context gets a clipboard of its own: `navigator.clipboard.writeText` still
 * goes through the real API (a missing permission still fails the page's copy) and also records the text for
 * this context, and `readText` answers from that record.
 */
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
  /** What this context's pages last copied (undefined before the first copy). */
  copied(): string | undefined;
  close(): Promise<void>;
};

let shared: Promise<Browser> | null = null;

export async function openPage(options: BrowserContextOptions = {}): Promise<TestPage> {
  shared ??= chromium.connect(testEnv("ASTAPA_TEST_BROWSER_WS"));
  const browser = await shared;
  const context: BrowserContext = await browser.newContext({ acceptDownloads: true, ...options });
  let clipboard: string | undefined;
  await context.exposeBinding("__astapaCopied", (_source, text?: string) => {
    if (typeof text === "string") clipboard = text;
    return clipboard ?? "";
  });
  await context.addInitScript(ownClipboard);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("requestfailed", (request) => {
    const error = request.failure()?.errorText;
    // ERR_ABORTED is the browser cancelling a request because the page moved on (a favicon or an
    // event stream still loading at navigation); blocked or broken requests report other codes.
    if (error !== "net::ERR_ABORTED") problems.push(`${request.url()}: ${error}`);
  });
  return { page, problems, copied: () => clipboard, close: () => context.close() };
}

/** Runs in every page of a test context: the clipboard reads back what this context wrote. */
function ownClipboard() {
  const clipboard = navigator.clipboard;
  if (!clipboard) return;
  const record = (text?: string) =>
    (globalThis as unknown as { __astapaCopied(text?: string): Promise<string> }).__astapaCopied(text);
  const write = clipboard.writeText.bind(clipboard);
  clipboard.writeText = async (text: string) => {
    await write(text);
    await record(String(text));
  };
  clipboard.readText = () => record();
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
