/** SQL tests for token exchange (db/api/token_exchange.sql, RFC 8693): the policy and the exchange's checks. */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";
import { seedMachineClient, seedRegistry } from "../helpers/machine_clients.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const a = await seedProject(db.sql, { name: "A" });
const b = await seedProject(db.sql, { name: "B" });
await seedRegistry(db.sql, a.id, {
  resources: ["https://one.a.example", "https://two.a.example"],
  scopes: ["x:read"],
});
const user = await seedUser(db.sql, a.id, "ayu@example.com");
const actor = await seedMachineClient(db.sql, a.id);

const exchange = (project: string, resource: string | null, scope: string | null, subjectProject = a.id) =>
  appValue<Record<string, unknown>>(
    db.sql,
    project,
    (tx) =>
      tx`select api.exchange_token(${subjectProject}, ${user}, ${a.clientId}, 'x:read offline_access',
         'https://one.a.example', ${actor.clientId}, ${resource}, ${scope})`,
  );

Deno.test("api.allow_token_exchange / list / disallow — per project, audited, checked", async () => {
  const listed = await appValue<unknown[]>(
    db.sql,
    a.id,
    (tx) => tx`select api.allow_token_exchange(${actor.clientId}, 'https://two.a.example')`,
  );
  assert.equal(listed.length, 1);
  assert.deepEqual(await appValue(db.sql, b.id, (tx) => tx`select api.list_token_exchange_policies()`), []);
  await rejectsAs(
    asApp(
      db.sql,
      a.id,
      (tx) => tx`select api.allow_token_exchange(${actor.clientId}, 'https://nope.example')`,
    ),
    "not_found",
  );
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select api.allow_token_exchange('nobody', 'https://two.a.example')`),
    "validation_failed",
  );
  await rejectsAs(
    asApp(
      db.sql,
      b.id,
      (tx) => tx`select api.disallow_token_exchange(${actor.clientId}, 'https://two.a.example')`,
    ),
    "not_found",
  );
  const audited = await appValue<number>(
    db.sql,
    a.id,
    (tx) => tx`select count(*)::int from astapa.audit_log where action = 'token_exchange.allowed'`,
  );
  assert.equal(audited, 1);
});

Deno.test("api.exchange_token — narrows scope, drops offline_access, refuses and audits what the policy does not allow", async () => {
  await asApp(
    db.sql,
    a.id,
    (tx) => tx`select api.allow_token_exchange(${actor.clientId}, 'https://two.a.example')`,
  );
  const granted = await exchange(a.id, "https://two.a.example", null);
  assert.equal(granted.sub, user);
  assert.equal(granted.scope, "x:read");
  assert.equal(granted.resource, "https://two.a.example");
  assert.equal((await exchange(a.id, "https://two.a.example", "x:write")).error, "invalid_scope");
  assert.equal((await exchange(a.id, "https://one.a.example", null)).error, "invalid_target");
  assert.equal((await exchange(a.id, null, null)).error, "invalid_target");
  assert.equal((await exchange(a.id, "https://two.a.example", null, b.id)).error, "invalid_request");
  const refused = await appValue<number>(
    db.sql,
    a.id,
    (tx) => tx`select count(*)::int from astapa.audit_log where action = 'token.exchange_refused'`,
  );
  assert.equal(refused, 4);
  await asApp(
    db.sql,
    a.id,
    (tx) => tx`select api.disallow_token_exchange(${actor.clientId}, 'https://two.a.example')`,
  );
  assert.equal((await exchange(a.id, "https://two.a.example", null)).error, "invalid_target");
});

Deno.test("token_exchange_policies — a machine client's transaction may not change the policy (AS4U3)", async () => {
  await rejectsAs(
    asApp(
      db.sql,
      a.id,
      (tx) => tx`select api.allow_token_exchange(${actor.clientId}, 'https://one.a.example')`,
      { clientKind: "machine" },
    ),
    "unauthorized_client",
  );
});
