/** SQL tests for the device authorization grant (db/api/device_authorization.sql, RFC 8628). */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { appValue, rejectsAs, seedProject, seedSession, seedUser } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";
import { seedRegistry } from "../helpers/machine_clients.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const a = await seedProject(db.sql, { name: "A" });
const b = await seedProject(db.sql, { name: "B" });
await seedRegistry(db.sql, a.id, { resources: ["https://mcp.a.example"], scopes: ["notes:read"] });
const user = await seedUser(db.sql, a.id, "ayu@example.com");
const bytes = (fill: number) => new Uint8Array(32).fill(fill);
const buckets = (name: string) => db.sql.json([{ name, max: 2, window_seconds: 900 }] as never);

const start = (project: string, hash: Uint8Array, userCode: string, scope = "notes:read", perMinute = 30) =>
  appValue<Record<string, unknown>>(
    db.sql,
    project,
    (tx) =>
      tx`select api.start_device_authorization(${hash}, ${userCode}, ${a.clientId}, ${scope},
         'https://mcp.a.example', 600, ${perMinute})`,
  );
const poll = (project: string, hash: Uint8Array, refresh: Uint8Array, client = a.clientId) =>
  appValue<Record<string, unknown>>(
    db.sql,
    project,
    (tx) => tx`select api.poll_device_authorization(${hash}, ${client}, ${refresh}, null)`,
  );

Deno.test("api.start_device_authorization — starts, audits, refuses taken codes, bad targets and floods", async () => {
  assert.deepEqual(await start(a.id, bytes(1), "BCDFGHJK"), { expires_in: 600, interval: 5 });
  assert.deepEqual(await start(a.id, bytes(2), "BCDFGHJK"), { conflict: true });
  await rejectsAs(start(a.id, bytes(3), "BCDFGHJL", "notes:write"), "invalid_scope");
  await rejectsAs(start(a.id, bytes(4), "bad code"), "validation_failed");
  const flood = [];
  for (let i = 0; i < 3; i++) flood.push(await start(a.id, bytes(10 + i), `CCCCCCC${"BCD"[i]}`, "", 2));
  assert.ok("wait" in flood[2], "the third request in a minute waits");
  const audited = await appValue<number>(
    db.sql,
    a.id,
    (tx) => tx`select count(*)::int from astapa.audit_log where action = 'device_authorization.started'`,
  );
  assert.ok(audited >= 1);
});

Deno.test("api.device_authorization_for_user_code — finds a pending code; misses count and lock the address", async () => {
  await start(a.id, bytes(20), "DFGHJKLM");
  const found = await appValue<Record<string, unknown>>(
    db.sql,
    null,
    (tx) => tx`select api.device_authorization_for_user_code('DFGHJKLM', ${buckets("dev:a")})`,
  );
  assert.equal(found.project_id, a.id);
  assert.equal(found.client_name, "A");
  assert.equal(found.third_party, false);
  assert.equal(found.resource, "https://mcp.a.example");
  const miss = () =>
    appValue(
      db.sql,
      null,
      (tx) => tx`select api.device_authorization_for_user_code('ZZZZZZZZ', ${buckets("dev:b")})`,
    );
  assert.equal(await miss(), null);
  assert.equal(await miss(), null);
  assert.ok(typeof ((await miss()) as { wait: number }).wait === "number", "two misses lock the bucket");
  // The look-up leaves no project set behind it.
  assert.equal(
    await appValue(
      db.sql,
      null,
      (tx) =>
        tx`select api.device_authorization_for_user_code('DFGHJKLM', ${buckets("dev:c")}) is not null
             and astapa.current_project_id() is null`,
    ),
    true,
  );
});

Deno.test("api.decide_device_authorization and api.poll_device_authorization — the whole state machine", async () => {
  const hash = bytes(30);
  await start(a.id, hash, "FGHJKLMN");
  assert.equal((await poll(a.id, hash, bytes(31))).error, "authorization_pending");
  const slow = await poll(a.id, hash, bytes(31));
  assert.equal(slow.error, "slow_down");
  assert.equal(slow.interval, 10);
  await rejectsAs(poll(a.id, hash, bytes(31), "cid_other"), "invalid_grant");
  await rejectsAs(poll(b.id, hash, bytes(31)), "invalid_grant", /unknown/);
  const session = await seedSession(db.sql, a.id, user);
  const bSession = await seedSession(db.sql, b.id, await seedUser(db.sql, b.id, "bayu@example.com"));
  assert.equal(
    await appValue(
      db.sql,
      b.id,
      (tx) => tx`select api.decide_device_authorization('FGHJKLMN', ${bSession}, true)`,
    ),
    false,
    "another project cannot decide it",
  );
  await rejectsAs(
    appValue(db.sql, b.id, (tx) => tx`select api.decide_device_authorization('FGHJKLMN', ${session}, true)`),
    "invalid_grant",
    /session has ended/,
  );
  assert.equal(
    await appValue(
      db.sql,
      a.id,
      (tx) => tx`select api.decide_device_authorization('FGHJKLMN', ${session}, true)`,
    ),
    true,
  );
  assert.equal(
    await appValue(
      db.sql,
      a.id,
      (tx) => tx`select api.decide_device_authorization('FGHJKLMN', ${session}, false)`,
    ),
    false,
    "decided once",
  );
  const granted = await poll(a.id, hash, bytes(31));
  assert.equal(granted.sub, user);
  assert.equal(granted.resource, "https://mcp.a.example");
  const replay = await poll(a.id, hash, bytes(32));
  assert.equal(replay.error, "invalid_grant");
  assert.equal(replay.revoked, 1);

  const denied = bytes(40);
  await start(a.id, denied, "GHJKLMNP");
  await asApp(
    db.sql,
    a.id,
    (tx) => tx`select api.decide_device_authorization('GHJKLMNP', ${session}, false)`,
  );
  assert.equal((await poll(a.id, denied, bytes(41))).error, "access_denied");

  const expired = bytes(50);
  await start(a.id, expired, "HJKLMNPQ");
  await db.sql`update astapa.device_authorizations set expires_at = now() - interval '1 second'
               where user_code = 'HJKLMNPQ'`;
  assert.equal((await poll(a.id, expired, bytes(51))).error, "expired_token");
});

Deno.test("api.start_device_authorization — a metadata-document client needs its cached document to list the grant", async () => {
  const c = await seedProject(db.sql, { name: "C", settings: { client_metadata_documents: true } });
  await seedRegistry(db.sql, c.id, { resources: ["https://mcp.c.example"], scopes: ["notes:read"] });
  const store = (clientId: string, grantTypes: string[]) =>
    appValue<unknown>(
      db.sql,
      null,
      (tx) =>
        tx`select api.store_client_metadata_document(${clientId}, ${
          tx.json({
            client_id: clientId,
            client_name: "Doc agent",
            redirect_uris: ["http://127.0.0.1:8976/callback"],
            grant_types: grantTypes,
          })
        }, 60)`,
    );
  const startAs = (clientId: string, hash: Uint8Array, userCode: string) =>
    appValue<Record<string, unknown>>(
      db.sql,
      c.id,
      (tx) =>
        tx`select api.start_device_authorization(${hash}, ${userCode}, ${clientId}, 'notes:read',
           'https://mcp.c.example', 600, 30)`,
    );
  const plain = "https://plain.example/client.json";
  const device = "https://device.example/client.json";
  await rejectsAs(startAs(plain, bytes(60), "NPQRSTVW"), "unauthorized_client"); // no document cached
  await store(plain, ["authorization_code"]);
  await rejectsAs(startAs(plain, bytes(61), "NPQRSTVW"), "unauthorized_client");
  await store(device, ["authorization_code", "urn:ietf:params:oauth:grant-type:device_code"]);
  assert.deepEqual(await startAs(device, bytes(62), "NPQRSTVW"), { expires_in: 600, interval: 5 });
  const found = await appValue<Record<string, unknown>>(
    db.sql,
    null,
    (tx) => tx`select api.device_authorization_for_user_code('NPQRSTVW', ${buckets("dev:c")})`,
  );
  assert.equal(found.client_id, device);
  assert.equal(found.client_name, "Doc agent", "the document's own name");
  assert.equal(found.third_party, true);
});
