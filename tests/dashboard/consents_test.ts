/**
 * The dashboard's view of remembered consent (issue 26 item 6): the user page lists what the user allowed
 * third-party clients, an admin revokes one (its refresh tokens end; audited as the developer), a viewer cannot;
 * the machine-clients page lists the registered clients people of the project allowed.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { addDeveloperTo, getAs, inviteDeveloper, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { seedRegistry } from "../helpers/machine_clients.ts";
import { asApp } from "@/db/client.ts";
import { addMember } from "@/db/accounts.ts";
import { sha256 } from "@/lib/secrets.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const owner = await signInDeveloper(t, "owner@dev.example");
await inviteDeveloper(t, "viewer@dev.example");
const viewer = await signInDeveloper(t, "viewer@dev.example");
const project = await seedProject(t.db.sql, { name: "Notes", settings: { dynamic_clients: true } });
await asApp(t.db.sql, project.id, (tx) => addMember(tx, project.id, owner.accountId, "owner"));
await addDeveloperTo(t, project.id, viewer.accountId, "viewer");
const RESOURCE = "https://dash-consents.example/mcp";
await seedRegistry(t.db.sql, project.id, { resources: [RESOURCE], scopes: ["notes:read"] });
const base = `/dashboard/projects/${project.id}`;
const CLIENT = "dcl_" + "d".repeat(24);
await t.db.sql`insert into astapa.dynamic_clients (client_id, client_name, redirect_uris, grant_types,
  token_endpoint_auth_method, metadata, registered_from)
  values (${CLIENT}, 'Desk agent', ${["https://agent.example/cb"]}, ${[
  "authorization_code",
  "refresh_token",
]},
          'none', '{}', '127.0.0.1')`;

Deno.test("dashboard consents — listed on the user page and the clients list; an admin revokes, tokens end", async () => {
  const user = await seedUser(t.db.sql, project.id, "ayu@example.com");
  await asApp(t.db.sql, project.id, async (tx) => {
    await tx`select api.issue_authorization_code(${await sha256("dash-code")}, ${CLIENT}, ${user}::bigint,
      'https://agent.example/cb', 'notes:read', ${RESOURCE}, ${"x".repeat(43)}, 'S256', null, null)`;
    await tx`insert into astapa.refresh_tokens (project_id, token_hash, family_id, user_id, client_id, scope,
      resource, expires_at) values (${project.id}, ${await sha256("dash-rt")}, gen_random_uuid(), ${user},
      ${CLIENT}, 'notes:read', ${RESOURCE}, now() + interval '1 day')`;
  });
  const page = await (await getAs(t, owner, `${base}/users/${user}`)).text();
  assert.match(page, /Apps this user allowed/);
  assert.match(page, /“Desk agent”/);
  assert.match(page, new RegExp(`value="${CLIENT}"`));
  // A row action (RowAction) kept a danger button, named for the app and resource it revokes.
  assert.match(
    page,
    new RegExp(
      `<button type="submit" class="button danger" aria-label="Revoke Desk agent \\(${RESOURCE}\\)">Revoke</button>`,
    ),
  );
  const clients = await (await getAs(t, owner, `${base}/machine-clients`)).text();
  assert.match(clients, /Registered clients people allowed/);
  assert.match(clients, /Last used/);
  assert.match(clients, new RegExp(CLIENT));

  const form = { client_id: CLIENT, resource: RESOURCE };
  assert.equal((await postAs(t, viewer, `${base}/users/${user}/consents`, form)).status, 403);
  const revoked = await postAs(t, owner, `${base}/users/${user}/consents`, form);
  assert.equal(revoked.status, 303);
  assert.match(await (await getAs(t, owner, revoked.headers.get("location")!)).text(), /Consent revoked/);
  const [token] = await t.db.sql`select revoked_reason from astapa.refresh_tokens
    where token_hash = ${await sha256("dash-rt")}`;
  assert.equal(token.revoked_reason, "revoked_by_admin");
  const [audit] = await t.db.sql`select actor, details ->> 'by' as by from astapa.audit_log
    where project_id = ${project.id} and action = 'consent.revoked'`;
  assert.deepEqual([audit.actor, audit.by], [`account:${owner.accountId}`, "admin"]);
  // Revoking again: nothing to revoke, the page says so (422), never a 5xx.
  const again = await postAs(t, owner, `${base}/users/${user}/consents`, form);
  assert.equal(again.status, 422);
  assert.match(await again.text(), /no such consent/);
});
