/** The Xendit simulator on a loopback port, with an account whose callbacks go where the test says. */
import { XenditSimulator } from "@/lib/payments/xendit_simulator/simulator.ts";
import { simulatorPublicKey } from "@/lib/payments/xendit_simulator/xendit_js.ts";

export const TEST_SECRET_KEY = "xnd_development_test_secret_key_0123456789";
export const TEST_BUSINESS_ID = "5f27a14a9bf05c73dd040bc8";
/** The test account's publishable key (Xendit.js tokenises cards with it). */
export const TEST_PUBLIC_KEY = simulatorPublicKey(TEST_BUSINESS_ID);
export const TEST_CALLBACK_TOKEN = "test-callback-token-0123456789abcdef";

export type ServedSimulator = {
  sim: XenditSimulator;
  /** Give this to xendit-node as xenditURL. */
  url: string;
  /**
   * When set, requests are accepted and get no answer until the caller gives up (a Xendit that stalls);
   * close() releases any still waiting.
   */
  hang: boolean;
  /** Secret keys whose requests stall like `hang` while other accounts' are answered. */
  stalled: Set<string>;
  /** Every request received (answered or not), by the secret key it authenticated with. */
  requests: { secretKey: string; method: string; path: string }[];
  close(): Promise<void>;
};

/** The secret key of a request's Basic auth (the SDK sends `key:`), or "". */
function secretKeyOf(request: Request): string {
  const basic = /^Basic (.+)$/.exec(request.headers.get("authorization") ?? "")?.[1];
  return basic ? atob(basic).split(":")[0] : "";
}

/** Serves a simulator; callbacks go to `webhookUrl` (settable later through sim.accounts). */
export function serveSimulator(
  options: { webhookUrl?: string; retryDelaysMs?: number[]; secretKey?: string; callbackToken?: string } = {},
): ServedSimulator {
  const holder: { sim?: XenditSimulator; served?: ServedSimulator } = {};
  const hung: (() => void)[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (request) => {
    const secretKey = secretKeyOf(request);
    holder.served?.requests.push({ secretKey, method: request.method, path: new URL(request.url).pathname });
    if (holder.served?.hang || holder.served?.stalled.has(secretKey)) {
      await new Promise<void>((resolve) => {
        hung.push(resolve);
        request.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      return new Response(null, { status: 504 });
    }
    return holder.sim!.app.fetch(request);
  });
  const url = `http://127.0.0.1:${server.addr.port}`;
  const sim = holder.sim = new XenditSimulator({
    baseUrl: url,
    retryDelaysMs: options.retryDelaysMs ?? [5, 10, 20],
    accounts: [{
      secretKey: options.secretKey ?? TEST_SECRET_KEY,
      callbackToken: options.callbackToken ?? TEST_CALLBACK_TOKEN,
      webhookUrl: options.webhookUrl ?? "http://127.0.0.1:9/unset",
      businessId: TEST_BUSINESS_ID,
    }],
  });
  return holder.served = {
    sim,
    url,
    hang: false,
    stalled: new Set(),
    requests: [],
    async close() {
      for (const release of hung.splice(0)) release();
      sim.close();
      await server.shutdown();
    },
  };
}

export type Receiver = {
  url: string;
  received: { token: string | null; body: unknown }[];
  /** Status codes to answer, in order; then 200. */
  answers: number[];
  close(): Promise<void>;
};

/** A webhook endpoint that records what arrives. */
export function serveReceiver(): Receiver {
  const received: Receiver["received"] = [];
  const answers: number[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (request) => {
    received.push({ token: request.headers.get("x-callback-token"), body: await request.json() });
    return new Response(null, { status: answers.shift() ?? 200 });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/hook`,
    received,
    answers,
    close: () => server.shutdown(),
  };
}
