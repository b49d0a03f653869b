/**
 * A deadline on every request the unmodified xendit-node client makes. The SDK calls global fetch without a
 * signal, so a Xendit that accepts the connection and never answers would hang the caller for good — a
 * checkout request, a renewal pass, or an unlink (linked_methods.ts; none holds a transaction across a call).
 * xendit-node 7.0.0 runs each API object's `middleware[].pre` before fetch and sends the {url, init} it
 * returns. Its middleware helpers cannot be used instead: 7.0.0 has no withPreMiddleware, and clone() rebuilds
 * the API through a constructor that drops the secret key and URL. So the deadline is appended in place.
 */
import type { Xendit } from "xendit-node";

type FetchParams = { url: string; init: RequestInit };
type Middleware = { pre?(context: FetchParams): Promise<FetchParams | void> };

/** Every API object a client carries (xendit-node 7.0.0's Xendit constructor). */
const APIS = [
  "Customer",
  "PaymentRequest",
  "Transaction",
  "Balance",
  "PaymentMethod",
  "Refund",
  "Payout",
  "Invoice",
] as const;

/** Gives each request of `client` its own signal: aborted `timeoutMs` after it starts (connect to body). */
export function withDeadline(client: Xendit, timeoutMs: number): Xendit {
  const deadline: Middleware = {
    pre: (context) =>
      Promise.resolve({
        url: context.url,
        init: { ...context.init, signal: AbortSignal.timeout(timeoutMs) },
      }),
  };
  for (const name of APIS) {
    const api = client[name] as unknown as { middleware?: Middleware[] };
    // A future SDK without this hook must fail loudly, not run without deadlines.
    if (!Array.isArray(api?.middleware)) throw new Error(`xendit-node's ${name} has no middleware list`);
    api.middleware = [...api.middleware, deadline];
  }
  return client;
}
