/**
 * The SDK's DPoP (RFC 9449) against a served Astapa: dpopProof() makes the proof the token endpoint binds a
 * token to, and the gates (Hono here; every framework's goes through authorize()) let that token through only
 * as `DPoP` with a proof of its key for the request — not as Bearer, not without ath, not for another URL or
 * method, not by another key, not twice.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { generateKeyPair } from "jose";
import { testApp } from "../helpers/app.ts";
import { issueCode, seedProject, seedUser } from "../helpers/oauth.ts";
import { credentials, postForm } from "../helpers/token_client.ts";
import { createAstapa, dpopProof, type DpopReplayStore } from "@/sdk/mod.ts";

const t = await testApp({ listen: true });
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql);
const astapa = createAstapa({ baseUrl: t.origin, clientId: project.clientId, clientSecret: project.secret });
const api = new Hono();
api.get("/reports", astapa.requirePlan.hono("free"), (c) => c.json({ ok: true }));
const REPORTS = "http://api.example/reports";
const keys = await generateKeyPair("ES256", { extractable: true });

/** A person's access token, bound to `keys` when `bound`. */
async function accessToken(bound: boolean): Promise<string> {
  const user = await seedUser(t.db.sql, project.id, `${crypto.randomUUID()}@example.com`);
  const code = await issueCode(t.db.sql, project, { userId: user });
  const url = `${t.origin}/api/platform/token`;
  const dpop = bound ? { dpop: await dpopProof(keys, { method: "POST", url }) } : undefined;
  const { res, body } = await postForm(t, "/api/platform/token", {
    grant_type: "authorization_code",
    code,
    redirect_uri: project.redirectUri,
    ...credentials(project),
  }, dpop);
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.token_type, bound ? "DPoP" : "Bearer");
  return body.access_token;
}

const call = (authorization: string, dpop?: string, url = REPORTS, method = "GET") =>
  api.request(url, { method, headers: { authorization, ...(dpop ? { dpop } : {}) } });

async function refused(res: Response, error: string) {
  assert.equal(res.status, 401, await res.clone().text());
  assert.match(res.headers.get("www-authenticate") ?? "", new RegExp(`^DPoP error="${error}"`));
}

Deno.test("SDK DPoP — a bound token passes with its key's proof; an unbound one still passes as Bearer", async () => {
  const token = await accessToken(true);
  const proof = await dpopProof(keys, { method: "GET", url: REPORTS, accessToken: token });
  const res = await call(`DPoP ${token}`, proof);
  assert.equal(res.status, 200, await res.text());
  assert.equal((await call(`Bearer ${await accessToken(false)}`)).status, 200);
});

Deno.test("SDK DPoP — the bound token as Bearer, or without a proof, is refused", async () => {
  const token = await accessToken(true);
  await refused(await call(`Bearer ${token}`), "invalid_token");
  await refused(await call(`DPoP ${token}`), "invalid_dpop_proof");
});

Deno.test("SDK DPoP — a proof without ath, for another URL or method, or by another key is refused", async () => {
  const token = await accessToken(true);
  await refused(
    await call(`DPoP ${token}`, await dpopProof(keys, { method: "GET", url: REPORTS })),
    "invalid_dpop_proof",
  );
  const elsewhere = await dpopProof(keys, {
    method: "GET",
    url: "http://api.example/other",
    accessToken: token,
  });
  await refused(await call(`DPoP ${token}`, elsewhere), "invalid_dpop_proof");
  const posted = await dpopProof(keys, { method: "POST", url: REPORTS, accessToken: token });
  await refused(await call(`DPoP ${token}`, posted), "invalid_dpop_proof");
  const thief = await generateKeyPair("ES256", { extractable: true });
  await refused(
    await call(`DPoP ${token}`, await dpopProof(thief, { method: "GET", url: REPORTS, accessToken: token })),
    "invalid_token",
  );
});

Deno.test("SDK DPoP — a replayed proof is refused; an unbound token under the DPoP scheme too", async () => {
  const token = await accessToken(true);
  const proof = await dpopProof(keys, { method: "GET", url: REPORTS, accessToken: token });
  assert.equal((await call(`DPoP ${token}`, proof)).status, 200);
  await refused(await call(`DPoP ${token}`, proof), "invalid_dpop_proof");
  const bearer = await accessToken(false);
  await refused(
    await call(`DPoP ${bearer}`, await dpopProof(keys, { method: "GET", url: REPORTS, accessToken: bearer })),
    "invalid_token",
  );
});

Deno.test("SDK DPoP — a shared replay store: a proof another instance recorded is refused; a fresh one is recorded until its iat leaves the window", async () => {
  const recorded = new Map<string, number>();
  const shared: DpopReplayStore = {
    seen: (jti, exp) => {
      const before = recorded.has(jti);
      if (!before) recorded.set(jti, exp);
      return Promise.resolve(before);
    },
  };
  const instance = (store: DpopReplayStore) => {
    const app = new Hono();
    const gated = createAstapa({
      baseUrl: t.origin,
      clientId: project.clientId,
      clientSecret: project.secret,
      dpopReplayStore: store,
    });
    app.get("/reports", gated.requirePlan.hono("free"), (c) => c.json({ ok: true }));
    return app;
  };
  const token = await accessToken(true);
  const proof = await dpopProof(keys, { method: "GET", url: REPORTS, accessToken: token });
  const send = (app: Hono) =>
    app.request(REPORTS, { headers: { authorization: `DPoP ${token}`, dpop: proof } });
  assert.equal((await send(instance(shared))).status, 200);
  const [[id, until]] = [...recorded];
  const { jti, iat } = JSON.parse(atob(proof.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
  assert.match(id, new RegExp(`\\.${jti}$`), "the key's thumbprint and the jti");
  assert.equal(until, iat + 60);
  await refused(await send(instance(shared)), "invalid_dpop_proof");
  assert.equal(recorded.size, 1);
});

Deno.test("SDK DPoP — the Request-handler gate refuses a bound token as Bearer too (RFC 9449 §7.2)", async () => {
  const handler = astapa.requirePlan.handler(["free"], () => new Response("ok"));
  const token = await accessToken(true);
  await refused(
    await handler(new Request(REPORTS, { headers: { authorization: `Bearer ${token}` } })),
    "invalid_token",
  );
  const proof = await dpopProof(keys, { method: "GET", url: REPORTS, accessToken: token });
  const passed = await handler(
    new Request(REPORTS, { headers: { authorization: `DPoP ${token}`, dpop: proof } }),
  );
  assert.equal(passed.status, 200, await passed.text());
});

Deno.test("SDK — dpopSettings: the project's DPoP switch read and set", async () => {
  const own = await seedProject(t.db.sql, { name: "SDK switch" });
  const client = createAstapa({ baseUrl: t.origin, clientId: own.clientId, clientSecret: own.secret });
  assert.deepEqual(await client.dpopSettings.get(), { required: false });
  assert.deepEqual(await client.dpopSettings.update({ required: true }), { required: true });
  assert.deepEqual(await client.dpopSettings.get(), { required: true });
  assert.deepEqual(await client.dpopSettings.update({ required: false }), { required: false });
});
