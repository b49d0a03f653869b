/** The SDK's `scimDirectories` against a served Astapa: enable (token once), get, rotate, revoke, groups and their roles. */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { testApp } from "../helpers/app.ts";
import { seedProject } from "../helpers/oauth.ts";
import { AstapaError, createAstapa } from "@/sdk/mod.ts";

const t = await testApp({ listen: true });
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, { redirectUri: "http://localhost:3000/callback" });
const astapa = createAstapa({
  baseUrl: t.origin,
  clientId: project.clientId,
  clientSecret: project.secret,
  redirectUri: project.redirectUri,
});

const usersOf = (base: string, token: string) =>
  fetch(`${base}/Users`, { headers: { authorization: `Bearer ${token}` } }).then(async (res) => {
    await res.body?.cancel();
    return res.status;
  });

Deno.test("sdk — scimDirectories: enable shows the token once, get never, rotate and revoke end the old one", async () => {
  await asApp(t.db.sql, project.id, (tx) => tx`select api.create_organization('Acme', 'acme', null)`);
  const on = await astapa.scimDirectories.enable("acme");
  assert.equal(on.base_url, `${t.origin}/scim/v2/${on.id}`);
  assert.equal(await usersOf(on.base_url, on.token), 200);
  const read = await astapa.scimDirectories.get("acme");
  assert.deepEqual([read.id, read.token_active, "token" in read], [on.id, true, false]);
  const rotated = await astapa.scimDirectories.enable("acme");
  assert.equal(await usersOf(on.base_url, on.token), 401);
  assert.equal(await usersOf(rotated.base_url, rotated.token), 200);
  await astapa.scimDirectories.revoke("acme");
  assert.equal(await usersOf(rotated.base_url, rotated.token), 401);
  const missing = await astapa.scimDirectories.get("nope").then(
    () => assert.fail("an unknown organization has a directory"),
    (error: unknown) => error,
  );
  assert.ok(missing instanceof AstapaError);
  assert.equal(missing.status, 404);
});

Deno.test("sdk — scimDirectories: groups lists what the IdP pushed, mapGroup maps one to a role; owner refused", async () => {
  await asApp(t.db.sql, project.id, (tx) => tx`select api.create_organization('Globex', 'globex', null)`);
  const on = await astapa.scimDirectories.enable("globex");
  const pushed = await fetch(`${on.base_url}/Groups`, {
    method: "POST",
    headers: { authorization: `Bearer ${on.token}`, "content-type": "application/scim+json" },
    body: JSON.stringify({ displayName: "Engineering" }),
  }).then((res) => res.json());
  assert.deepEqual(
    (await astapa.scimDirectories.groups("globex")).map((g) => [g.id, g.display_name, g.role]),
    [[pushed.id, "Engineering", null]],
  );
  const mapped = await astapa.scimDirectories.mapGroup("globex", pushed.id, "admin");
  assert.deepEqual([mapped.role, mapped.members], ["admin", 0]);
  assert.equal((await astapa.scimDirectories.mapGroup("globex", pushed.id, null)).role, null);
  const owner = await astapa.scimDirectories.mapGroup("globex", pushed.id, "owner").then(
    () => assert.fail("owner is mappable"),
    (error: unknown) => error,
  );
  assert.ok(owner instanceof AstapaError);
  assert.equal(owner.status, 400);
});
