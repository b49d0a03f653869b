/**
 * The hosted login's client cache of one instance (lib/login/authorization_clients.ts): it serves what
 * api.authorization_request_client answered per client, scope and resource; a change through this process
 * drops it before the change's statement returns; a lookup that raced a change does not store; unknown clients
 * and very long keys are never held; an entry cannot be changed by the request that got it.
 */
import assert from "node:assert/strict";
import { testDatabase } from "../helpers/db.ts";
import { seedProject } from "../helpers/identity.ts";
import { VerifiedClients } from "@/lib/oauth/verified_clients.ts";
import { AuthorizationClients } from "@/lib/login/authorization_clients.ts";
import { authorizationRequestClient } from "@/db/login.ts";

const db = await testDatabase();
const project = await seedProject(db.sql, { name: "Toko Cache" });
const signal = new VerifiedClients(3600, "client_auth:", 300);
await signal.start(db.sql);
const cache = new AuthorizationClients(signal, 3600);
Deno.test.afterAll(async () => {
  signal.stop();
  await db.close();
});

/** Reads through the cache, counting the reads that went to Postgres. */
function reader(
  clientId = project.clientId,
  scope: string | null = "openid",
  resource: string | null = null,
) {
  const counted = { reads: 0 };
  const read = () => {
    counted.reads++;
    return authorizationRequestClient(db.sql, clientId, { scope, resource });
  };
  return { counted, get: () => cache.get(clientId, { scope, resource }, read) };
}

Deno.test("authorization clients — one read per client, scope and resource; the entry is frozen", async () => {
  const { counted, get } = reader(project.clientId, "openid email");
  const first = await get();
  const second = await get();
  assert.equal(counted.reads, 1);
  assert.equal(second, first);
  assert.equal(second?.name, "Toko Cache");
  assert.throws(() => (second!.redirect_uris as string[]).push("https://evil.example/cb"), TypeError);
  assert.throws(() => (second!.settings as Record<string, unknown>).x = 1, TypeError);
  const other = reader(project.clientId, "openid");
  await other.get();
  assert.equal(other.counted.reads, 1, "another scope is another entry");
});

Deno.test("authorization clients — a change through this process drops entries; a raced read does not store", async () => {
  const { counted, get } = reader(project.clientId, "openid profile");
  await get();
  await db.sql`update astapa.projects set name = 'Toko Baru' where id = ${project.id}`;
  assert.equal((await get())?.name, "Toko Baru", "dropped by the trigger's notice");
  assert.equal(counted.reads, 2);

  let raced = 0;
  const racing = () =>
    cache.get(project.clientId, { scope: "phone", resource: null }, async () => {
      raced++;
      const client = await authorizationRequestClient(db.sql, project.clientId, {
        scope: "phone",
        resource: null,
      });
      await db.sql`update astapa.projects set name = 'Toko Cache' where id = ${project.id}`;
      return client;
    });
  assert.equal((await racing())?.name, "Toko Baru", "answered, as read");
  assert.equal((await racing())?.name, "Toko Cache", "but not stored: read again");
  assert.equal(raced, 2);
});

Deno.test("authorization clients — unknown clients and very long scope lists are read every time", async () => {
  const unknown = reader(`cid_${"a".repeat(24)}`);
  assert.equal(await unknown.get(), null);
  assert.equal(await unknown.get(), null);
  assert.equal(unknown.counted.reads, 2);
  const long = reader(project.clientId, Array.from({ length: 120 }, (_, i) => `scope${i}:read`).join(" "));
  assert.equal((await long.get())?.refusal?.sqlstate, "AS4S0");
  await long.get();
  assert.equal(long.counted.reads, 2);
});
