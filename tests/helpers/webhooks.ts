/**
 * A local webhook receiver (a real HTTP server on 127.0.0.1, also an app's back-channel logout endpoint) and
 * endpoint setup through the SQL API.
 */
import { asApp, type Sql } from "@/db/client.ts";
import { type EndpointEvents, setWebhookEndpoint } from "@/db/webhooks.ts";
import { createWebhookEndpoint } from "@/db/webhook_endpoints.ts";
import { newWebhookSecret, sealWebhookSecret } from "@/lib/webhooks/signature.ts";

export type Received = { headers: Headers; body: string; json: Record<string, unknown> };

export type Receiver = {
  url: string;
  received: Received[];
  /** What the next requests are answered with; a promise holds the answer back until it settles. */
  respond: (request: Received, index: number) => number | Promise<number>;
  /** Resolves once `count` requests have arrived; fails after `ms` (a hang guard) saying what did arrive. */
  waitFor(count: number, ms?: number): Promise<void>;
  close(): Promise<void>;
};

export function startReceiver(): Receiver {
  const waiters: { count: number; resolve: () => void }[] = [];
  const receiver: Receiver = {
    url: "",
    received: [],
    respond: () => 200,
    waitFor(count, ms = 30_000) {
      if (receiver.received.length >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const waiter = { count, resolve: () => (clearTimeout(timer), resolve()) };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          const bodies = receiver.received.map((r) => r.body).join("\n") || "nothing";
          reject(
            new Error(
              `${count} request(s) to ${receiver.url} did not arrive within ${ms} ms; came:\n${bodies}`,
            ),
          );
        }, ms);
        waiters.push(waiter);
      });
    },
    close: () => server.shutdown(),
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const body = await req.text();
    // Webhooks are JSON; a back-channel logout token comes form-encoded (read from body).
    const json = req.headers.get("content-type")?.startsWith("application/json") ? JSON.parse(body) : {};
    const request = { headers: req.headers, body, json };
    const index = receiver.received.push(request) - 1;
    for (const waiter of waiters.filter((w) => receiver.received.length >= w.count)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    return new Response(null, { status: await receiver.respond(request, index) });
  });
  receiver.url = `http://127.0.0.1:${server.addr.port}/hooks`;
  return receiver;
}

/** Points the project's webhooks at `url` with a new secret, which is returned. */
export async function setEndpoint(
  sql: Sql,
  sealing: CryptoKey,
  projectId: string,
  url: string,
  events?: EndpointEvents,
): Promise<string> {
  const secret = newWebhookSecret();
  const secretSealed = await sealWebhookSecret(sealing, projectId, secret);
  await asApp(sql, projectId, (tx) => setWebhookEndpoint(tx, projectId, { url, secretSealed, events }));
  return secret;
}

/** Adds another webhook endpoint at `url` with a new secret; returns its id and secret. */
export async function addEndpoint(
  sql: Sql,
  sealing: CryptoKey,
  projectId: string,
  url: string,
  events?: EndpointEvents,
): Promise<{ id: string; secret: string }> {
  const secret = newWebhookSecret();
  const secretSealed = await sealWebhookSecret(sealing, projectId, secret);
  const endpoint = await asApp(
    sql,
    projectId,
    (tx) => createWebhookEndpoint(tx, projectId, { url, secretSealed, events, internalReason: null }),
  );
  return { id: endpoint.id, secret };
}
