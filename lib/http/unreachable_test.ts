/**
 * isUnreachableError against what fetch really throws for a closed port, a name that does not resolve and a TLS
 * handshake with a plain-HTTP server; and not for a deadline, oauth4webapi's own TypeErrors or a bug's.
 */
import assert from "node:assert/strict";
import * as oauth from "oauth4webapi";
import { isUnreachableError, unreachableKind } from "./unreachable.ts";
import { closedPort } from "@/tests/helpers/ports.ts";

/** What fetch(url) throws (it must throw). */
async function fetchError(url: string, init: RequestInit = {}): Promise<unknown> {
  try {
    const res = await fetch(url, init);
    await res.body?.cancel();
  } catch (error) {
    return error;
  }
  throw new Error(`${url} answered`);
}

Deno.test("unreachable — a closed port, an unknown host and a failed TLS handshake, with their kinds", async () => {
  const refused = await fetchError(`http://127.0.0.1:${closedPort()}/token`);
  assert.equal(isUnreachableError(refused), true);
  assert.equal(unreachableKind(refused), "connection_refused");

  const dns = await fetchError("http://accounts.astapa.invalid/token", { signal: AbortSignal.timeout(5000) });
  assert.equal(isUnreachableError(dns), true);
  assert.equal(unreachableKind(dns), "dns");

  const plain = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => new Response("hi"));
  try {
    const tls = await fetchError(`https://127.0.0.1:${plain.addr.port}/token`);
    assert.equal(isUnreachableError(tls), true);
    assert.equal(unreachableKind(tls), "tls");
  } finally {
    await plain.shutdown();
  }
});

Deno.test("unreachable — Deno's connection errors, also as a cause", () => {
  assert.equal(isUnreachableError(new Deno.errors.ConnectionRefused("refused")), true);
  assert.equal(unreachableKind(new Deno.errors.ConnectionRefused("refused")), "connection_refused");
  const wrapped = new Error("exchange failed", { cause: new Deno.errors.ConnectionReset("reset") });
  assert.equal(isUnreachableError(wrapped), true);
  assert.equal(unreachableKind(wrapped), "connection_reset");
});

Deno.test("unreachable — not a deadline, not oauth4webapi's checks, not a bug or a bad answer", async () => {
  const deadline = await fetchError(`http://127.0.0.1:${closedPort()}/`, { signal: AbortSignal.abort() });
  assert.equal(isUnreachableError(deadline), false);
  assert.equal(isUnreachableError(AbortSignal.timeout(0).reason), false);
  // oauth4webapi's argument checks: its own TypeError, with a code.
  const misused = await oauth.discoveryRequest("https://example.com" as unknown as URL).catch((error) =>
    error
  );
  assert.ok(misused instanceof TypeError && "code" in misused, String(misused));
  assert.equal(isUnreachableError(misused), false);
  // Its processing errors (here: plain http, not allowed unless asked for).
  const refused = await oauth.discoveryRequest(new URL("http://127.0.0.1:1")).catch((error) => error);
  assert.ok(refused instanceof oauth.OperationProcessingError, String(refused));
  assert.equal(isUnreachableError(refused), false);
  assert.equal(isUnreachableError(new TypeError("Cannot read properties of undefined")), false);
  assert.equal(isUnreachableError(new SyntaxError("Unexpected token")), false);
  assert.equal(isUnreachableError(new Error("GitHub /user answered 500")), false);
  assert.equal(isUnreachableError(undefined), false);
});
