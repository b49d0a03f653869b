/**
 * The Claims API as an app's backend uses it: change a user's plan or claims with the project's client
 * credentials, refresh, and the next JWT says so. Cross-project access is 404; bad input is 400 per field and
 * changes nothing.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { assignPlan, createPlan } from "@/db/plans.ts";
import { testApp } from "../helpers/app.ts";
import { basic, issueCode, seedProject, seedUser } from "../helpers/oauth.ts";
import type { SeededProject } from "../helpers/identity.ts";
import { claimsOf, credentials, postForm, postJson } from "../helpers/token_client.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const project = await seedProject(t.db.sql, { name: "Shop" });
const other = await seedProject(t.db.sql, { name: "Neighbour" });
await asApp(t.db.sql, project.id, (tx) =>
  createPlan(tx, project.id, {
    key: "pro",
    name: "Pro",
    price_idr: 99000,
    claims: { feature_flags: ["export_csv"], seats: 5 },
  }));

const auth = (p: SeededProject) => ({ authorization: basic(p.clientId, p.secret) });

async function call(method: string, path: string, p: SeededProject | null, body?: unknown) {
  const res = await t.app.request(path, {
    method,
    headers: {
      ...(p ? auth(p) : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { res, body: await res.json() };
}

async function signIn(p: SeededProject, userId: string) {
  const code = await issueCode(t.db.sql, p, { userId });
  const { body } = await postJson(t, "/api/platform/token", {
    grant_type: "authorization_code",
    code,
    redirect_uri: p.redirectUri,
    ...credentials(p),
  });
  return body as { access_token: string; refresh_token: string };
}

async function refresh(p: SeededProject, refreshToken: string) {
  const { res, body } = await postForm(t, "/api/platform/token", {
    grant_type: "refresh_token",
    refresh_token: refreshToken,
    ...credentials(p),
  });
  assert.equal(res.status, 200, JSON.stringify(body));
  return body as { access_token: string; refresh_token: string };
}

Deno.test("claims api — PATCH plan, refresh, and the new JWT carries the plan and what it grants", async () => {
  const user = await seedUser(t.db.sql, project.id, "upgrade@example.com");
  const tokens = await signIn(project, user);
  assert.deepEqual(claimsOf(tokens.access_token).custom_claims, { plan: "free", feature_flags: [] });

  const patched = await call("PATCH", `/api/platform/users/${user}/claims`, project, {
    plan: "pro",
    role: "admin",
    feature_flags: ["beta_dashboard"],
    company_id: "acme",
  });
  assert.equal(patched.res.status, 200, JSON.stringify(patched.body));
  assert.equal(patched.res.headers.get("cache-control"), "no-store");
  const expected = {
    plan: "pro",
    role: "admin",
    feature_flags: ["export_csv", "beta_dashboard"],
    seats: 5,
    company_id: "acme",
  };
  assert.deepEqual(patched.body, expected, "the answer is exactly what the next token carries");

  const next = await refresh(project, tokens.refresh_token);
  assert.deepEqual(claimsOf(next.access_token).custom_claims, expected);
  const read = await call("GET", `/api/platform/users/${user}/claims`, project);
  assert.deepEqual(read.body, expected);

  const subscription = await call("GET", `/api/platform/users/${user}/subscription`, project);
  assert.equal(subscription.body.plan, "pro");
  assert.equal(subscription.body.subscription.source, "claims_api");
});

Deno.test("claims api — a plan assigned by the SQL function directly shows in the next refresh too", async () => {
  const user = await seedUser(t.db.sql, project.id, "payment@example.com");
  const tokens = await signIn(project, user);
  await asApp(t.db.sql, project.id, (tx) => assignPlan(tx, project.id, user, "pro", "payment"));
  const next = await refresh(project, tokens.refresh_token);
  assert.deepEqual(claimsOf(next.access_token).custom_claims, {
    plan: "pro",
    feature_flags: ["export_csv"],
    seats: 5,
  });
});

Deno.test("claims api — client credentials in the JSON body work for PATCH; none or wrong ones are 401", async () => {
  const user = await seedUser(t.db.sql, project.id, "body-auth@example.com");
  const viaBody = await call("PATCH", `/api/platform/users/${user}/claims`, null, {
    ...credentials(project),
    role: "editor",
  });
  assert.equal(viaBody.res.status, 200, JSON.stringify(viaBody.body));
  assert.equal(viaBody.body.role, "editor");
  assert.ok(!("client_id" in viaBody.body), "credentials are not claims");

  const none = await call("GET", `/api/platform/users/${user}/claims`, null);
  assert.equal(none.res.status, 401);
  assert.equal(none.body.error, "invalid_client", "one client authentication, one RFC 6749 answer");
  assert.match(none.res.headers.get("www-authenticate") ?? "", /^Basic /);
  const wrong = await call("GET", `/api/platform/users/${user}/claims`, { ...project, secret: "acs_wrong" });
  assert.equal(wrong.res.status, 401);
  assert.equal(wrong.body.error, "invalid_client");
  assert.match(wrong.res.headers.get("www-authenticate") ?? "", /^Basic /);
});

Deno.test("claims api — another project's user is 404 (not 403), and stays unchanged", async () => {
  const user = await seedUser(t.db.sql, project.id, "private@example.com");
  for (
    const [method, path, body] of [
      ["GET", `/api/platform/users/${user}/claims`, undefined],
      ["PATCH", `/api/platform/users/${user}/claims`, { role: "owner" }],
      ["GET", `/api/platform/users/${user}/subscription`, undefined],
      ["GET", `/api/platform/users?email=private@example.com`, undefined],
      ["GET", `/api/platform/plans/pro`, undefined],
      ["PATCH", `/api/platform/plans/pro`, { archived: true }],
    ] as const
  ) {
    const { res, body: answer } = await call(method, path, other, body);
    assert.equal(res.status, 404, `${method} ${path}: ${JSON.stringify(answer)}`);
    assert.equal(answer.error, "not_found");
  }
  const mine = await call("GET", `/api/platform/users/${user}/claims`, project);
  assert.deepEqual(mine.body, { plan: "free", feature_flags: [] });
  assert.equal((await call("GET", "/api/platform/plans/pro", project)).body.archived, false);
  for (const sub of ["0", "abc", "99999999999999999999", "-1"]) {
    assert.equal((await call("GET", `/api/platform/users/${sub}/claims`, project)).res.status, 404, sub);
  }
});

Deno.test("claims api — bad input is 400 with the fields named, and nothing changes", async () => {
  const user = await seedUser(t.db.sql, project.id, "careful@example.com");
  await call("PATCH", `/api/platform/users/${user}/claims`, project, { role: "member", note: "keep" });
  const before = (await call("GET", `/api/platform/users/${user}/claims`, project)).body;
  const subscriptionBefore = (await call("GET", `/api/platform/users/${user}/subscription`, project)).body;

  const cases: [unknown, string[]][] = [
    [{ plan: "platinum" }, ["plan"]],
    [{ plan: "pro", sub: "1" }, ["sub"]],
    [{ iss: "x", exp: 1, email: "a@b.c", project_id: "p" }, ["email", "exp", "iss", "project_id"]],
    [{ role: 5, feature_flags: "beta" }, ["feature_flags", "role"]],
    [{ plan: "pro", blob: "x".repeat(5000) }, ["claims"]],
    [{ feature_flags: Array.from({ length: 51 }, (_, i) => `f${i}`) }, ["feature_flags"]],
    [{ "bad name": true }, ["bad name"]],
    [{}, ["(body)"]],
    [[1, 2], ["(body)"]],
  ];
  for (const [patch, fields] of cases) {
    const { res, body } = await call("PATCH", `/api/platform/users/${user}/claims`, project, patch);
    assert.equal(res.status, 400, JSON.stringify(patch));
    assert.equal(body.error, "validation_failed");
    assert.deepEqual(Object.keys(body.fields).sort(), fields, JSON.stringify(body));
  }
  assert.deepEqual((await call("GET", `/api/platform/users/${user}/claims`, project)).body, before);
  assert.deepEqual(
    (await call("GET", `/api/platform/users/${user}/subscription`, project)).body,
    subscriptionBefore,
  );
});

Deno.test("users api — find a sub by email (any case); unknown email 404; an empty email 400", async () => {
  const user = await seedUser(t.db.sql, project.id, "Findme@Example.com");
  const found = await call("GET", "/api/platform/users?email=FINDME@example.com", project);
  assert.equal(found.res.status, 200);
  assert.equal(found.body.sub, user);
  assert.equal(found.body.email, "Findme@Example.com");
  assert.ok(!("password_hash" in found.body));
  assert.equal((await call("GET", "/api/platform/users?email=nobody@example.com", project)).res.status, 404);
  // Without email or phone the route pages through the users (tests/http/users_api_test.ts).
  const missing = await call("GET", "/api/platform/users?email=", project);
  assert.equal(missing.res.status, 400);
  assert.deepEqual(Object.keys(missing.body.fields), ["email"]);
});

Deno.test("plans api — create, list, read, change, archive; duplicates 409; bad fields 400", async () => {
  const created = await call("POST", "/api/platform/plans", project, {
    key: "team",
    name: "Team",
    price_idr: 299000,
    interval: "year",
    claims: { feature_flags: ["sso"] },
    sort_order: 3,
  });
  assert.equal(created.res.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.key, "team");
  assert.equal(created.body.interval, "year");

  const duplicate = await call("POST", "/api/platform/plans", project, { key: "team", name: "Again" });
  assert.equal(duplicate.res.status, 409);
  assert.deepEqual(Object.keys(duplicate.body.fields), ["key"]);

  const bad = await call("POST", "/api/platform/plans", project, {
    key: "Bad Key",
    name: "X",
    price_idr: -5,
    claims: { aud: "x" },
  });
  assert.equal(bad.res.status, 400);
  assert.deepEqual(Object.keys(bad.body.fields).sort(), ["claims.aud", "key", "price_idr"]);
  const typed = await call("POST", "/api/platform/plans", project, { key: "t", name: 5, colour: "red" });
  assert.equal(typed.res.status, 400);
  assert.deepEqual(Object.keys(typed.body.fields).sort(), ["(body)", "name"]);

  const listed = await call("GET", "/api/platform/plans", project);
  assert.deepEqual(listed.body.plans.map((p: { key: string }) => p.key), ["free", "pro", "team"]);

  const changed = await call("PATCH", "/api/platform/plans/team", project, { price_idr: 279000 });
  assert.equal(changed.body.price_idr, 279000);
  const archived = await call("PATCH", "/api/platform/plans/team", project, { archived: true });
  assert.equal(archived.body.archived, true);
  const visible = await call("GET", "/api/platform/plans", project);
  assert.ok(!visible.body.plans.some((p: { key: string }) => p.key === "team"));
  const all = await call("GET", "/api/platform/plans?include_archived=true", project);
  assert.ok(all.body.plans.some((p: { key: string }) => p.key === "team"));
  const archiveDefault = await call("PATCH", "/api/platform/plans/free", project, { archived: true });
  assert.equal(archiveDefault.res.status, 400);
  assert.deepEqual(Object.keys(archiveDefault.body.fields), ["archived"]);
  assert.equal((await call("GET", "/api/platform/plans/nope", project)).res.status, 404);
});
