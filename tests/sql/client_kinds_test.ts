/**
 * SQL tests for the client kinds (db/api/clients.sql): the transaction knows which kind of client it acts for
 * (astapa.current_client_kind, set by api.authenticate_client and asApp), the management tables refuse machine
 * and self-registered clients (astapa.refuse_foreign_client_writes, astapa.assert_own_client for the rest), refusals are audited
 * (api.record_refused_client), and a lockout bucket can spare clean callers (astapa.client_lockout_wait).
 */
import assert from "node:assert/strict";
import { actAsClient, asApp } from "@/db/client.ts";
import { createPlan } from "@/db/plans.ts";
import { addResource } from "@/db/resources.ts";
import { patchUserClaims } from "@/db/users.ts";
import { rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";
import { seedMachineClient } from "../helpers/machine_clients.ts";
import { toAppError } from "@/lib/http/errors.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const a = await seedProject(db.sql, { name: "A" });
const machine = await seedMachineClient(db.sql, a.id);

Deno.test("astapa.current_client_kind — what asApp's clientKind sets, null when unset", async () => {
  const kind = (clientKind?: "project" | "machine" | "dynamic") =>
    asApp(db.sql, a.id, async (tx) => (await tx`select astapa.current_client_kind() as k`)[0].k, {
      clientKind,
    });
  assert.equal(await kind(), null);
  assert.equal(await kind("machine"), "machine");
  assert.equal(await kind("project"), "project");
});

Deno.test("astapa.assert_own_client — AS4U3 for machine and self-registered clients, nothing otherwise", async () => {
  const check = (clientKind?: "project" | "machine" | "dynamic") =>
    asApp(db.sql, a.id, (tx) => tx`select astapa.assert_own_client('export users')`, { clientKind });
  for (const kind of ["machine", "dynamic"] as const) {
    await rejectsAs(check(kind), "unauthorized_client", /Only the project's own client may export users\./);
  }
  for (const kind of [undefined, "project"] as const) await check(kind);
});

Deno.test("api.authenticate_client — an enabled client's kind is set with its project", async () => {
  const kindAfter = (clientId: string, secret: string) =>
    asApp(db.sql, null, async (tx) => {
      await tx`select api.authenticate_client(${clientId}, sha256(convert_to(${secret}, 'UTF8')), '[]')`;
      return (await tx`select astapa.current_client_kind() as k`)[0].k;
    });
  assert.equal(await kindAfter(a.clientId, a.secret), "project");
  assert.equal(await kindAfter(machine.clientId, machine.secret), "machine");
  assert.equal(await kindAfter(machine.clientId, "wrong"), null);
});

Deno.test("management tables — machine and self-registered clients may not write them (AS4U3); the project's client, developers and the CLI may", async () => {
  const user = await seedUser(db.sql, a.id, "u@example.com");
  for (const clientKind of ["machine", "dynamic"] as const) {
    await rejectsAs(
      asApp(db.sql, a.id, (tx) => createPlan(tx, a.id, { key: `k-${clientKind}`, name: "X" }), {
        clientKind,
      }),
      "unauthorized_client",
      /only the project's own client may change plans/,
    );
    await rejectsAs(
      asApp(db.sql, a.id, (tx) => addResource(tx, `https://${clientKind}.example`), { clientKind }),
      "unauthorized_client",
    );
    await rejectsAs(
      asApp(db.sql, a.id, (tx) => patchUserClaims(tx, a.id, user, { role: "admin" }), { clientKind }),
      "unauthorized_client",
    );
  }
  const error = await asApp(db.sql, a.id, (tx) => createPlan(tx, a.id, { key: "m", name: "X" }), {
    clientKind: "machine",
  }).catch((e) => e);
  assert.equal(error.code, "AS4U3");
  assert.equal(toAppError(error).status, 403);
  for (const context of [{ clientKind: "project" as const }, { actor: "account:1" }, { actor: "cli" }]) {
    const plan = await asApp(
      db.sql,
      a.id,
      (tx) => createPlan(tx, a.id, { key: `ok-${Object.values(context)[0].replace(/\W/g, "")}`, name: "Y" }),
      context,
    );
    assert.equal(plan.name, "Y");
  }
});

Deno.test("api.record_refused_client — audits client.refused in the client's project; without a project AS400", async () => {
  await asApp(
    db.sql,
    a.id,
    (tx) =>
      tx`select api.record_refused_client(${machine.clientId}, 'machine', 'POST', '/api/platform/plans')`,
    { actor: `client:${machine.clientId}` },
  );
  const [row] = await db.sql`select actor, target, details from astapa.audit_log
    where project_id = ${a.id} and action = 'client.refused' order by id desc limit 1`;
  assert.deepEqual({ ...row }, {
    actor: `client:${machine.clientId}`,
    target: machine.clientId,
    details: { kind: "machine", method: "POST", path: "/api/platform/plans" },
  });
  await rejectsAs(
    asApp(db.sql, null, (tx) => tx`select api.record_refused_client('mcl_x', 'machine', 'GET', '/')`),
    "validation_failed",
  );
});

Deno.test("astapa.client_lockout_wait — a locked bucket with spare_if_clean spares callers whose own bucket is clean", async () => {
  const wait = (buckets: unknown) =>
    asApp(
      db.sql,
      null,
      async (tx) =>
        (await tx`select astapa.client_lockout_wait(${tx.json(buckets as never)}) as w`)[0].w as number,
    );
  const fail = (names: string[]) =>
    asApp(
      db.sql,
      null,
      (tx) =>
        tx`select astapa.count_client_failure(${
          tx.json(names.map((name) => ({ name, max: 2, window_seconds: 60 })))
        })`,
    );
  await fail(["t:ceiling", "t:dirty"]);
  await fail(["t:ceiling"]);
  const ceiling = (
    spare: string,
  ) => [{ name: "t:ceiling", max: 2, window_seconds: 60, spare_if_clean: spare }];
  assert.equal(await wait(ceiling("t:clean")), 0, "a clean caller is let through");
  const dirty = await wait(ceiling("t:dirty"));
  assert.ok(dirty > 0 && dirty <= 60, `a caller that failed waits (${dirty})`);
  assert.ok(
    await wait([{ name: "t:ceiling", max: 2, window_seconds: 60 }]) > 0,
    "without spare_if_clean: locked",
  );
  await rejectsAs(wait([{ name: "x", max: 1, window_seconds: 1, spare_if_clean: 3 }]), "validation_failed");
});

Deno.test("actAsClient — every transaction inside carries the client's kind, so one that forgets to say is refused too", async () => {
  await rejectsAs(
    actAsClient(
      "machine",
      () => asApp(db.sql, a.id, (tx) => createPlan(tx, a.id, { key: "forgot", name: "X" })),
    ),
    "unauthorized_client",
  );
  const kind = await actAsClient(
    "machine",
    () =>
      asApp(db.sql, a.id, async (tx) => (await tx`select astapa.current_client_kind() as k`)[0].k, {
        clientKind: "project",
      }),
  );
  assert.equal(kind, "project", "an explicit kind wins");
  assert.equal(
    await asApp(db.sql, a.id, async (tx) => (await tx`select astapa.current_client_kind() as k`)[0].k),
    null,
  );
});
