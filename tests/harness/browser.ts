/**
 * One headless Chromium for the whole run (Debian's /usr/bin/chromium driven by playwright-core). Tests
 * connect to it with `chromium.connect(ASTAPA_TEST_BROWSER_WS)`; each opens its own context.
 */
import { chromium } from "playwright-core";

export const CHROMIUM_PATH = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";

// Headless on a closed network: no first-run work, no calls home, no sandbox (we run as root in CI).
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export type BrowserServer = { wsEndpoint: string; close(): Promise<void> };

export async function launchBrowserServer(): Promise<BrowserServer> {
  try {
    await Deno.stat(CHROMIUM_PATH);
  } catch {
    throw new Error(
      `Chromium is not at ${CHROMIUM_PATH}: apt-get install -y chromium (or set CHROMIUM_PATH)`,
    );
  }
  const server = await chromium.launchServer({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
  });
  return { wsEndpoint: server.wsEndpoint(), close: () => server.close() };
}
