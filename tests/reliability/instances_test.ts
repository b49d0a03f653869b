/**
 * Three Astapa processes on one Postgres behind a round-robin proxy: migrations at a simultaneous start do
 * not race, tokens issued by one instance refresh on another, brute-force lockouts are global, the hosted
 * login's forms work when the form and its post land on different instances, a Claims API change shows in a
 * refresh on another instance, and a paid checkout is applied exactly once.
 *
 * Payments go through one Xendit (the simulator, served by the test) configured as the deployment's account
 * on every instance, with its callbacks sent to the proxy, as in production. The built-in offline sandbox
 * does not fit here: each instance has its own in-memory simulator with its own random callback token, so a
 * callback that the proxy hands to another instance is refused.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { createPlan, currentSubscription } from "@/db/plans.ts";
import { startServer } from "../helpers/process.ts";
import { testDatabase } from "../helpers/db.ts";
import { TEST_MASTER_KEY } from "../helpers/app.ts";
import { basic, issueCode, pkcePair, seedProject, seedUser } from "../helpers/oauth.ts";
import type { SeededProject } from "../helpers/identity.ts";
import { seedShop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";
import { claimsOf } from "../helpers/token_client.ts";
import { serveSimulator, TEST_CALLBACK_TOKEN, TEST_SECRET_KEY } from "../helpers/xendit.ts";
import { csrfOf } from "../helpers/csrf.ts";

const db = await testDatabase({ empty: true });
const xendit = serveSimulator();
const env = {
  DATABASE_URL: db.url,
  ASTAPA_MASTER_KEY: TEST_MASTER_KEY,
  XENDIT_SECRET_KEY: TEST_SECRET_KEY,
  XENDIT_CALLBACK_TOKEN: TEST_CALLBACK_TOKEN,
  XENDIT_BASE_URL: xendit.url,
};
const servers = await Promise.all([startServer(env), startServer(env), startServer(env)]);
let turn = 0;
const seen = new Set<string>();
const proxy = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (request) => {
  const target = servers[turn++ % servers.length].url;
  seen.add(target);
  const url = new URL(request.url);
  return await fetch(`${target}${url.pathname}${url.search}`, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    redirect: "manual",
  });
});
const origin = `http://127.0.0.1:${proxy.addr.port}`;
xendit.sim.accounts.get(TEST_SECRET_KEY)!.webhookUrl = `${origin}/api/webhooks/xendit`;

Deno.test.afterAll(async () => {
  await proxy.shutdown();
  await xendit.close();
  for (const server of servers) assert.equal(await server.stop(), 0);
  await db.close();
});

async function send(path: string, init: RequestInit = {}) {
  const res = await fetch(`${origin}${path}`, { redirect: "manual", ...init });
  return {
    res,
    status: res.status,
    body: res.headers.get("content-type")?.includes("json") ? await res.json() : await res.text(),
  };
}

const post = (path: string, params: Record<string, string>, headers: Record<string, string> = {}) =>
  send(path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(params),
  });

const json = (method: string, path: string, project: SeededProject, body: unknown) =>
  send(path, {
    method,
    headers: { authorization: basic(project.clientId, project.secret), "content-type": "application/json" },
    body: JSON.stringify(body),
  });

/** tests/helpers/login.ts submitForm over HTTP: the GET and the POST land on different instances. */
async function submitForm(
  project: SeededProject,
  path: string,
  fields: Record<string, string>,
  params: Record<string, string>,
): Promise<Response> {
  const query = new URLSearchParams({
    client_id: project.clientId,
    redirect_uri: project.redirectUri,
    ...params,
  });
  const form = await fetch(`${origin}${path}?${query}`);
  const cookie = form.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const html = await form.text();
  const csrf = csrfOf(html);
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1]?.replace(/&amp;/g, "&") ?? path;
  const res = await fetch(`${origin}${action}`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams({ request: query.toString(), csrf, ...fields }),
  });
  await res.body?.cancel();
  return res;
}

Deno.test("instances — migrations once, tokens refresh anywhere, lockouts are global", async () => {
  const [migrations] = await db.sql`select count(*)::int as n, count(distinct version)::int as d
                                    from astapa_meta.schema_migrations`;
  assert.equal(migrations.n, migrations.d, "each migration applied once");

  const project = await seedProject(db.sql);
  const userId = await seedUser(db.sql, project.id);
  const client = { client_id: project.clientId, client_secret: project.secret };
  const code = await issueCode(db.sql, project, { userId });
  let tokens = (await post("/api/platform/token", {
    grant_type: "authorization_code",
    code,
    redirect_uri: project.redirectUri,
    ...client,
  })).body;
  assert.ok(tokens.access_token);
  for (let i = 0; i < 6; i++) {
    const next = await post("/api/platform/token", {
      grant_type: "refresh_token",
      refresh_token: tokens.refresh_token,
      ...client,
    });
    assert.equal(next.status, 200, `refresh ${i} on another instance`);
    tokens = next.body;
  }
  const introspected = await post("/api/platform/introspect", { token: tokens.access_token, ...client });
  assert.equal(introspected.body.active, true, "any instance verifies another's token");

  for (let i = 0; i < 10; i++) {
    const failed = await post("/api/platform/token", {
      grant_type: "client_credentials",
      ...client,
      client_secret: "wrong",
    });
    assert.equal(failed.status, 401);
  }
  const locked = await post("/api/platform/token", { grant_type: "client_credentials", ...client });
  assert.equal(locked.status, 429, "failures counted on every instance lock the client out on all of them");
  assert.equal(seen.size, 3, "every instance served traffic");
});

Deno.test("instances — hosted sign-up and sign-in, a Claims API change, a paid checkout applied once", async () => {
  const shop = await seedShop(db.sql);
  const { project } = shop;
  await asApp(db.sql, project.id, (tx) => createPlan(tx, project.id, { key: "team", name: "Team" }));
  const client = { client_id: project.clientId, client_secret: project.secret };
  const redeem = async (res: Response, verifier?: string) => {
    assert.equal(res.status, 303);
    const callback = new URL(res.headers.get("location")!);
    assert.equal(callback.origin + callback.pathname, project.redirectUri);
    const tokens = await post("/api/platform/token", {
      grant_type: "authorization_code",
      code: callback.searchParams.get("code")!,
      redirect_uri: project.redirectUri,
      ...(verifier ? { code_verifier: verifier } : {}),
      ...client,
    });
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    return tokens.body as { access_token: string; refresh_token: string };
  };
  const refresh = async (refreshToken: string) => {
    const next = await post("/api/platform/token", {
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      ...client,
    });
    assert.equal(next.status, 200, JSON.stringify(next.body));
    return next.body as { access_token: string; refresh_token: string };
  };
  const planOf = (tokens: { access_token: string }) =>
    (claimsOf(tokens.access_token).custom_claims as { plan: string }).plan;

  const { verifier, challenge } = await pkcePair();
  const signedUp = await redeem(
    await submitForm(project, "/auth/signup", { email: "eka@example.com", password: "correct horse" }, {
      code_challenge: challenge,
      code_challenge_method: "S256",
    }),
    verifier,
  );
  const sub = claimsOf(signedUp.access_token).sub as string;
  assert.equal(planOf(signedUp), "free");
  let tokens = await redeem(
    await submitForm(project, "/auth/login", { email: "EKA@example.com", password: "correct horse" }, {}),
  );
  assert.equal(claimsOf(tokens.access_token).sub, sub, "sign-in on another instance finds the same user");

  const patched = await json("PATCH", `/api/platform/users/${sub}/claims`, project, { plan: "team" });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  tokens = await refresh(tokens.refresh_token);
  assert.equal(planOf(tokens), "team", "the refresh on another instance carries the change");

  const checkout = await json("POST", "/api/platform/checkout", project, {
    user: sub,
    plan: "pro",
    method: "qris",
  });
  assert.equal(checkout.status, 201, JSON.stringify(checkout.body));
  const pr = [...xendit.sim.paymentRequests.values()].find((p) =>
    p.referenceId === checkout.body.checkout_id
  )!;
  xendit.sim.pay(pr.id);
  // Xendit delivers at least once: the same callback twice more, each to another instance behind the proxy.
  for (let i = 0; i < 2; i++) xendit.sim.send(pr.id, xendit.sim.callbackBody(pr.id, "SUCCEEDED"));
  await xendit.sim.webhooks.idle();
  await waitFor(async () => {
    const [open] = await db.sql`select count(*)::int as n from astapa.payment_events
                                where project_id = ${project.id} and processed_at is null`;
    return open.n === 0;
  }, "every stored callback to be processed");

  const events = await db.sql`select outcome from astapa.payment_events where project_id = ${project.id}`;
  assert.deepEqual(events.map((e) => e.outcome), ["paid"], "duplicates are stored once and applied once");
  const paid = await db.sql`select plan_key, source, ended_at from astapa.subscriptions
                            where project_id = ${project.id} and user_id = ${sub} and source = 'payment'`;
  assert.equal(paid.length, 1, "one subscription from the payment");
  assert.equal(paid[0].ended_at, null);
  const state = await asApp(db.sql, project.id, (tx) => currentSubscription(tx, project.id, sub));
  assert.equal(state.plan, "pro");
  tokens = await refresh(tokens.refresh_token);
  assert.equal(planOf(tokens), "pro");
});
