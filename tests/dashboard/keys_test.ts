/** /dashboard/keys: the deployment's signing keys, for its owner only; rotation through the KeyStore. */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { getAs, inviteDeveloper, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { asApp } from "@/db/client.ts";
import { listSigningKeys } from "@/db/signing_keys.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

// The first developer on a fresh install owns the deployment.
const owner = await signInDeveloper(t, "owner@dev.example");
await inviteDeveloper(t, "member@dev.example");
const member = await signInDeveloper(t, "member@dev.example");
await t.deps.keys.ensureKeys();

const keys = () => asApp(t.db.sql, null, (tx) => listSigningKeys(tx));

Deno.test("keys — the owner sees every key with its state and the JWKS URL; /dashboard links to it", async () => {
  const res = await getAs(t, owner, "/dashboard/keys");
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /<h1>Signing keys<\/h1>/);
  assert.ok(html.includes(`${t.origin}/.well-known/jwks.json`));
  for (const key of await keys()) {
    assert.ok(html.includes(`<tr data-state="${key.state}"><td><code>${key.kid}</code>`), key.kid);
  }
  assert.ok(!html.includes("private"), "no key material");
  assert.match(await (await getAs(t, owner, "/dashboard")).text(), /href="\/dashboard\/keys"/);
});

Deno.test("keys — rotating needs the confirmation, then promotes next to active and publishes a new next", async () => {
  const before = await keys();
  const unconfirmed = await postAs(t, owner, "/dashboard/keys", {});
  assert.equal(unconfirmed.status, 422);
  assert.match(await unconfirmed.text(), /Tick the box to confirm/);
  assert.deepEqual((await keys()).map((k) => k.kid), before.map((k) => k.kid), "nothing rotated");

  const rotated = await postAs(t, owner, "/dashboard/keys", { confirm: "yes" });
  assert.equal(rotated.status, 303);
  assert.equal(rotated.headers.get("location"), "/dashboard/keys?done=rotated");
  const after = await keys();
  const wasNext = before.find((k) => k.state === "next")!.kid;
  const wasActive = before.find((k) => k.state === "active")!.kid;
  assert.equal(after.find((k) => k.state === "active")?.kid, wasNext);
  assert.equal(after.find((k) => k.kid === wasActive)?.state, "retired");
  assert.ok(after.some((k) => k.state === "next" && !before.some((b) => b.kid === k.kid)), "a new next key");
  assert.equal((await t.deps.keys.active()).kid, wasNext, "this instance signs with the new key at once");
  assert.match(await (await getAs(t, owner, "/dashboard/keys?done=rotated")).text(), /Rotated: the next key/);
  assert.ok(
    t.logs.some((line) => line.msg === "signing keys rotated" && line.actor === `account:${owner.accountId}`),
  );
});

Deno.test("keys — other developers get 404 for the page and the rotation; no link; CSRF is checked", async () => {
  const before = await keys();
  assert.equal((await getAs(t, member, "/dashboard/keys")).status, 404);
  assert.equal((await postAs(t, member, "/dashboard/keys", { confirm: "yes" })).status, 404);
  assert.ok(!(await (await getAs(t, member, "/dashboard")).text()).includes("/dashboard/keys"));
  assert.equal((await postAs(t, owner, "/dashboard/keys", { confirm: "yes" }, null)).status, 403);
  assert.equal((await postAs(t, owner, "/dashboard/keys", { confirm: "yes" }, member.csrf)).status, 403);
  assert.deepEqual((await keys()).map((k) => k.kid), before.map((k) => k.kid));
});
