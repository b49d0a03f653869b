/**
 * Webhook delivery connects to the address the SSRF guard checked, keeping the original name for the Host
 * header, TLS SNI and certificate verification; the `.test` names here exist in no DNS, so reaching the
 * receiver proves no second lookup happened.
 */
import assert from "node:assert/strict";
import { postPinned } from "@/lib/webhooks/pinned_request.ts";

const fixtures = new URL("./fixtures/", import.meta.url);
const cert = await Deno.readTextFile(new URL("hooks.example.test.pem", fixtures));
const key = await Deno.readTextFile(new URL("hooks.example.test.key", fixtures));

/** A loopback receiver (TLS when `tls`) recording the Host header and body of each request. */
function receiver(tls: boolean) {
  const seen: { host: string | null; body: string }[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {}, ...(tls ? { cert, key } : {}) },
    async (req) => {
      seen.push({ host: req.headers.get("host"), body: await req.text() });
      return new Response(null, { status: 204 });
    },
  );
  return { seen, port: server.addr.port, close: () => server.shutdown() };
}

Deno.test("pinned request — plain HTTP goes to the checked address with the original Host header", async () => {
  const r = receiver(false);
  try {
    const status = await postPinned({
      url: `http://hooks.example.test:${r.port}/hooks`,
      address: "127.0.0.1",
      headers: { "content-type": "application/json" },
      body: '{"id":"evt_1"}',
      timeoutMs: 5000,
    });
    assert.equal(status, 204);
    assert.deepEqual(r.seen, [{ host: `hooks.example.test:${r.port}`, body: '{"id":"evt_1"}' }]);
  } finally {
    await r.close();
  }
});

Deno.test("pinned request — HTTPS keeps SNI and certificate checks for the original name", async () => {
  const r = receiver(true);
  try {
    const status = await postPinned({
      url: `https://hooks.example.test:${r.port}/hooks`,
      address: "127.0.0.1",
      headers: {},
      body: "{}",
      timeoutMs: 5000,
      caCerts: [cert],
    });
    assert.equal(status, 204);
    assert.equal(r.seen[0].host, `hooks.example.test:${r.port}`);
    // Another name pinned to the same address fails verification: the certificate is checked for the URL's name.
    await assert.rejects(postPinned({
      url: `https://other.example.test:${r.port}/hooks`,
      address: "127.0.0.1",
      headers: {},
      body: "{}",
      timeoutMs: 5000,
      caCerts: [cert],
    }));
    assert.equal(r.seen.length, 1);
  } finally {
    await r.close();
  }
});
