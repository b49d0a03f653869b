/**
 * Traces: a server started with OTEL_DENO=true exports to a local OTLP/HTTP receiver (JSON protocol), and a
 * token request produces the server span with the SQL statement and the signer as its children; the request's
 * log line carries the same trace id.
 */
import assert from "node:assert/strict";
import { startServer } from "../helpers/process.ts";
import { testDatabase } from "../helpers/db.ts";
import { TEST_MASTER_KEY } from "../helpers/app.ts";
import { basic, seedProject } from "../helpers/oauth.ts";

type OtlpSpan = {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: { key: string; value: Record<string, unknown> }[];
};

/** A minimal OTLP/HTTP receiver: keeps every span posted to /v1/traces, answers the rest with an empty success. */
function otlpReceiver() {
  const spans: OtlpSpan[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const body = await req.text();
    if (new URL(req.url).pathname === "/v1/traces") {
      assert.match(req.headers.get("content-type") ?? "", /application\/json/);
      const payload = JSON.parse(body);
      for (const resource of payload.resourceSpans ?? []) {
        for (const scope of resource.scopeSpans ?? []) spans.push(...scope.spans);
      }
    }
    return Response.json({});
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, spans, close: () => server.shutdown() };
}

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes?.find((a) => a.key === key)?.value;
  return value ? Object.values(value)[0] : undefined;
};

Deno.test("traces — a token request exports its server span with SQL and signer spans beneath it", async () => {
  const db = await testDatabase();
  const receiver = otlpReceiver();
  const project = await seedProject(db.sql);
  const server = await startServer({
    DATABASE_URL: db.url,
    ASTAPA_MASTER_KEY: TEST_MASTER_KEY,
    OTEL_DENO: "true",
    OTEL_SERVICE_NAME: "astapa-test",
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_BSP_SCHEDULE_DELAY: "100",
  });
  try {
    const res = await fetch(`${server.url}/api/platform/token`, {
      method: "POST",
      headers: {
        authorization: basic(project.clientId, project.secret),
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "grant_type=client_credentials",
    });
    assert.equal(res.status, 200, await res.text());
    const requestId = res.headers.get("x-request-id");

    // Spans leave in batches: wait (bounded) until the request's server span and its children have arrived.
    const deadline = Date.now() + 30_000;
    const find = () => {
      const root = receiver.spans.find((s) => attribute(s, "url.path") === "/api/platform/token");
      const children = root ? receiver.spans.filter((s) => s.parentSpanId === root.spanId) : [];
      return { root, children };
    };
    while (Date.now() < deadline && !(find().children.some((s) => s.name === "rs256.sign"))) {
      await new Promise((done) => setTimeout(done, 100));
    }
    const { root, children } = find();
    assert.ok(root, `no server span among ${receiver.spans.map((s) => s.name).join(", ")}`);
    assert.equal(root.kind, 2, "SERVER");
    assert.equal(attribute(root, "http.request.method"), "POST");
    const statement = children.find((s) => s.name === "db.statement authenticate_client");
    assert.ok(statement, `children: ${children.map((s) => s.name).join(", ")}`);
    assert.equal(statement.kind, 3, "CLIENT");
    assert.equal(attribute(statement, "db.system.name"), "postgresql");
    const signing = children.find((s) => s.name === "rs256.sign");
    assert.ok(signing);
    assert.match(String(attribute(signing, "astapa.signer")), /^(openssl|webcrypto)$/);
    for (const span of [statement, signing]) assert.equal(span.traceId, root.traceId);

    // Access lines are written in batches (every 20 ms, lib/http/log.ts): wait (bounded) for this one too.
    const logLine = () =>
      server.output.map((l) => l.startsWith("{") ? JSON.parse(l) : null)
        .find((entry) => entry?.msg === "request" && entry.request_id === requestId);
    while (Date.now() < deadline && !logLine()) await new Promise((done) => setTimeout(done, 50));
    const line = logLine();
    assert.ok(line, "the request's log line");
    assert.equal(line.trace_id, root.traceId);
    assert.equal(line.span_id, root.spanId);
  } finally {
    assert.equal(await server.stop("SIGTERM"), 0, server.output.join("\n"));
    await receiver.close();
    await db.close();
  }
});
