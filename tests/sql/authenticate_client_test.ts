/** SQL tests for api.authenticate_client (db/api/clients.sql): lockout checks, secret check and failure count in one. */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { rejectsAs, seedProject } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";
import { seedMachineClient } from "../helpers/machine_clients.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const a = await seedProject(db.sql, { name: "A" });
const machine = await seedMachineClient(db.sql, a.id, {});

type Bucket = { name: string; max: number; window_seconds: number };
const buckets = (tag: string, max = 2): Bucket[] => [
  { name: `t:${tag}:client`, max, window_seconds: 60 },
  { name: `t:${tag}:address`, max: max + 1, window_seconds: 60 },
];

/** The function's result and the project the transaction acts for afterwards. */
const authenticate = (clientId: string, secret: string, limits: unknown) =>
  asApp(db.sql, null, async (tx) => {
    const [row] = await tx`select api.authenticate_client(${clientId}, sha256(convert_to(${secret}, 'UTF8')),
      ${tx.json(limits as Bucket[])}) as result`;
    const [after] = await tx`select astapa.current_project_id() as project`;
    return { result: row.result, project: after.project };
  });
const hits = async (bucket: string) =>
  (await db.sql`select hits from astapa.rate_limits where bucket = ${bucket}`)[0]?.hits ?? 0;

Deno.test("api.authenticate_client — the right secret returns the client and acts for its project, counting nothing", async () => {
  assert.deepEqual(await authenticate(a.clientId, a.secret, buckets("ok")), {
    result: { client: { project_id: a.id, kind: "project", enabled: true, dpop_required: false } },
    project: a.id,
  });
  assert.deepEqual(await authenticate(machine.clientId, machine.secret, buckets("ok")), {
    result: { client: { project_id: a.id, kind: "machine", enabled: true, dpop_required: false } },
    project: a.id,
  });
  assert.equal(await hits("t:ok:client"), 0);
});

Deno.test("api.authenticate_client — a wrong secret returns {} and counts a hit in every bucket", async () => {
  assert.deepEqual(await authenticate(a.clientId, "wrong", buckets("bad")), { result: {}, project: null });
  assert.deepEqual(await authenticate("cid_unknown", a.secret, buckets("bad")), {
    result: {},
    project: null,
  });
  assert.equal(await hits("t:bad:client"), 2);
  assert.equal(await hits("t:bad:address"), 2);
});

Deno.test("api.authenticate_client — a locked bucket answers with the wait before the secret is checked", async () => {
  await authenticate(a.clientId, "wrong", buckets("lock"));
  await authenticate(a.clientId, "wrong", buckets("lock"));
  const locked = await authenticate(a.clientId, a.secret, buckets("lock"));
  assert.ok(locked.result.wait > 0 && locked.result.wait <= 60, JSON.stringify(locked));
  assert.equal(locked.project, null);
  assert.equal(await hits("t:lock:client"), 2, "a locked attempt is not counted again");
  // The other bucket alone (higher max) is not locked yet.
  const other = await authenticate(a.clientId, a.secret, [buckets("lock")[1]]);
  assert.equal(other.result.client.project_id, a.id);
});

Deno.test("api.authenticate_client — a disabled machine client is returned as such and acts for no project", async () => {
  await asApp(
    db.sql,
    a.id,
    (tx) => tx`select api.update_machine_client(${machine.clientId}, enabled => false)`,
  );
  assert.deepEqual(await authenticate(machine.clientId, machine.secret, buckets("off")), {
    result: { client: { project_id: a.id, kind: "machine", enabled: false, dpop_required: false } },
    project: null,
  });
  await asApp(
    db.sql,
    a.id,
    (tx) => tx`select api.update_machine_client(${machine.clientId}, enabled => true)`,
  );
});

Deno.test("api.authenticate_client — malformed buckets or secret hash are validation errors", async () => {
  for (
    const bad of [{}, [{ name: "x" }], [{ name: 1, max: 1, window_seconds: 1 }], [{ name: "x", max: 1 }]]
  ) {
    await rejectsAs(authenticate(a.clientId, "wrong", bad), "validation_failed");
  }
  await rejectsAs(
    asApp(db.sql, null, (tx) => tx`select api.authenticate_client(${a.clientId}, '\\x01'::bytea, '[]')`),
    "validation_failed",
  );
});
