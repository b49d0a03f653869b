/**
 * GET /metrics: off by default, behind its bearer token when one is set, parsed by a real Prometheus parser
 * after a scripted session, and with label sets that stay bounded however many users and paths there are.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { pkcePair, seedProject } from "../helpers/oauth.ts";
import { postForm } from "../helpers/token_client.ts";
import { submitForm } from "../helpers/login.ts";
import { type Family, parsePrometheus, samples, total } from "../helpers/prometheus.ts";
import { waitFor } from "../helpers/wait.ts";

const TOKEN = "metrics-token-0123456789abcdef";

Deno.test("metrics — absent unless configured", async () => {
  const off = await testApp();
  try {
    assert.equal((await off.app.request("/metrics")).status, 404);
  } finally {
    await off.close();
  }
});

const t = await testApp({ env: { ASTAPA_METRICS_TOKEN: TOKEN } });
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql);

async function scrape(): Promise<Family[]> {
  const res = await t.app.request("/metrics", { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  return await parsePrometheus(await res.text());
}

Deno.test("metrics — a token is required when set; a wrong one is refused", async () => {
  for (
    const authorization of [undefined, "Bearer wrong-token-0123456789abcdef", `Basic ${btoa(`x:${TOKEN}`)}`]
  ) {
    const res = await t.app.request("/metrics", { headers: authorization ? { authorization } : {} });
    assert.equal(res.status, 401, authorization);
    assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/);
    assert.equal((await res.text()).includes("astapa_"), false);
  }
});

Deno.test("metrics — a scripted session shows in requests, sign-ins, tokens and the gauges", async () => {
  const before = await scrape();
  const { verifier, challenge } = await pkcePair();
  const flow = { state: "st", code_challenge: challenge, code_challenge_method: "S256" };
  const submit = (path: string, fields: Record<string, string>) => submitForm(t, project, path, fields, flow);
  assert.equal(
    (await submit("/auth/signup", { email: "m@example.com", password: "correct horse" })).status,
    303,
  );
  for (let i = 0; i < 2; i++) {
    assert.equal(
      (await submit("/auth/login", { email: "m@example.com", password: "wrong one" })).status,
      422,
    );
  }
  const signedIn = await submit("/auth/login", { email: "m@example.com", password: "correct horse" });
  assert.equal(signedIn.status, 303);
  const code = new URL(signedIn.headers.get("location")!).searchParams.get("code")!;
  const issued = await postForm(t, "/api/platform/token", {
    grant_type: "authorization_code",
    code,
    code_verifier: verifier,
    redirect_uri: project.redirectUri,
    client_id: project.clientId,
    client_secret: project.secret,
  });
  assert.equal(issued.res.status, 200, JSON.stringify(issued.body));
  const refreshed = await postForm(t, "/api/platform/token", {
    grant_type: "refresh_token",
    refresh_token: issued.body.refresh_token,
    client_id: project.clientId,
    client_secret: project.secret,
  });
  assert.equal(refreshed.res.status, 200, JSON.stringify(refreshed.body));
  const after = await scrape();

  const delta = (name: string, labels: Record<string, string> = {}) =>
    total(after, name, labels) - total(before, name, labels);
  assert.equal(delta("astapa_sign_ins_total", { method: "password", outcome: "success" }), 1);
  assert.equal(delta("astapa_sign_ins_total", { method: "password", reason: "wrong_credentials" }), 2);
  assert.equal(delta("astapa_tokens_issued_total", { grant_type: "authorization_code" }), 1);
  assert.equal(delta("astapa_tokens_issued_total", { grant_type: "refresh_token" }), 1);
  const token = { route: "/api/platform/token", method: "POST" };
  assert.equal(delta("astapa_http_requests_total", { ...token, status: "200" }), 2);
  assert.equal(delta("astapa_http_request_duration_seconds_count", token), 2);
  const buckets = samples(after, "astapa_http_request_duration_seconds_bucket")
    .filter((s) => s.labels.route === token.route && s.labels.method === "POST");
  assert.equal(
    buckets.find((s) => s.labels.le === "+Inf")?.value,
    total(after, "astapa_http_request_duration_seconds_count", token),
  );
  // Signing up queued a verification mail (no SMTP here), which the outbox gauge counts.
  assert.ok(total(after, "astapa_mail_outbox_depth") >= 1);
  assert.equal(total(after, "astapa_payment_worker_lag_seconds"), 0);
  assert.equal(total(after, "astapa_db_pool_connections", { state: "max" }), t.config.databasePoolSize);
  assert.equal(total(after, "astapa_signer_info"), 1, "exactly one signer is in use");
});

Deno.test("metrics — the client cache says it serves, and which client change it heard last", async () => {
  await t.db.sql`update astapa.projects set name = 'Renamed for the metrics' where id = ${project.id}`;
  const [{ latest }] = await t.db.sql`select max(seq)::integer as latest from astapa.client_changes`;
  assert.ok(latest > 0);
  const after = await waitFor(async () => {
    const families = await scrape();
    return total(families, "astapa_client_cache_heard_change") === latest && families;
  }, "the rename heard by the cache");
  assert.equal(total(after, "astapa_client_cache_live"), 1);
});

Deno.test("metrics — the process's memory and CPU under the standard names, as the process reads them", async () => {
  const first = await scrape();
  const rss = total(first, "process_resident_memory_bytes");
  // The test runs in the server's process: its own reading of the resident set is the same order.
  const own = Deno.memoryUsage().rss;
  assert.ok(rss > 10e6 && rss < own * 2 && rss > own / 2, `rss ${rss} against ${own}`);
  const [heapUsed, heapTotal] = [
    total(first, "nodejs_heap_size_used_bytes"),
    total(first, "nodejs_heap_size_total_bytes"),
  ];
  assert.ok(heapUsed > 1e6 && heapUsed <= heapTotal && heapTotal < rss, `heap ${heapUsed} of ${heapTotal}`);
  assert.ok(total(first, "nodejs_external_memory_bytes") > 0);
  const start = total(first, "process_start_time_seconds");
  assert.ok(start <= Date.now() / 1000 && start > Date.now() / 1000 - 3600, `started ${start}`);
  // CPU time is a counter: it grows with work and never goes back.
  const cpuBefore = total(first, "process_cpu_seconds_total");
  assert.ok(cpuBefore > 0);
  const until = performance.now() + 30;
  while (performance.now() < until) crypto.getRandomValues(new Uint8Array(1024));
  const cpuAfter = total(await scrape(), "process_cpu_seconds_total");
  assert.ok(cpuAfter > cpuBefore, `${cpuAfter} after ${cpuBefore}`);
  assert.equal(first.find((f) => f.name === "process_cpu_seconds")?.type, "counter");
});

Deno.test("metrics — label sets stay bounded across many users and paths; no email, id or path leaks", async () => {
  const series = (families: Family[]) =>
    new Set(
      families.flatMap((f) => f.samples).map((s) =>
        JSON.stringify(s)
          .replace(/"value":[^,}]+/, "")
      ),
    );
  const drive = async (round: number) => {
    for (let i = 0; i < 25; i++) {
      const email = `person-${round}-${i}@example.com`;
      await submitForm(t, project, "/auth/login", { email, password: `guess-${round}-${i}` });
      await t.app.request(`/nothing-here/${crypto.randomUUID()}`);
      await t.app.request(`/api/platform/projects/proj_${crypto.randomUUID().replaceAll("-", "")}`);
      await t.app.request(`/static/${crypto.randomUUID()}.js`);
      await t.app.request(`/auth/login?client_id=${crypto.randomUUID()}`, { method: "PROPFIND" });
    }
  };
  await drive(1);
  const first = await scrape();
  await drive(2);
  const second = await scrape();
  assert.deepEqual(series(second), series(first), "new users and paths add no series");
  const values = second.flatMap((f) => f.samples).flatMap((s) => Object.values(s.labels));
  for (const value of values) {
    assert.doesNotMatch(
      value,
      /@|person-|proj_[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-/,
      `label value ${value}`,
    );
  }
  const routes = new Set(samples(second, "astapa_http_requests_total").map((s) => s.labels.route));
  assert.ok(routes.has("unmatched"), [...routes].join(" "));
  const methods = new Set(samples(second, "astapa_http_requests_total").map((s) => s.labels.method));
  assert.ok(methods.has("OTHER") && !methods.has("PROPFIND"));
});

Deno.test("metrics — the attempt that locks an email counts one lockout; the next is a locked_out sign-in", async () => {
  const locking = await seedProject(t.db.sql); // sandbox: 30 attempts per email
  const before = await scrape();
  const attempt = () =>
    submitForm(t, locking, "/auth/login", { email: "locked@example.com", password: "wrong" });
  for (let i = 0; i < 30; i++) assert.equal((await attempt()).status, 422);
  assert.equal((await attempt()).status, 429);
  const after = await scrape();
  const delta = (name: string, labels: Record<string, string>) =>
    total(after, name, labels) - total(before, name, labels);
  assert.equal(delta("astapa_lockouts_total", { kind: "sign_in" }), 1);
  assert.equal(delta("astapa_sign_ins_total", { method: "password", reason: "locked_out" }), 1);
});
