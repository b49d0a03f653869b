/**
 * SQL tests for enterprise-managed authorization (db/api/identity_assertions.sql): the trust list per project,
 * the jwt-bearer grant's replay check, user lookup and refusals (returned and audited), and policies.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const IDP = "https://idp.example";
const KEY = { kty: "EC", crv: "P-256", x: "x".repeat(43), y: "y".repeat(43), kid: "k1" };
const a = await seedProject(db.sql, { name: "A" });
const b = await seedProject(db.sql, { name: "B" });
const user = await seedUser(db.sql, a.id, "ayu@acme.example");
const jwks = (keys: unknown[]) => db.sql.json({ keys } as never);

Deno.test("api.trust_identity_provider — per project, audited, re-keys; refuses bad issuers and private keys", async () => {
  const list = await appValue<{ issuer: string }[]>(
    db.sql,
    a.id,
    (tx) => tx`select api.trust_identity_provider(${IDP}, ${jwks([KEY])})`,
  );
  assert.deepEqual(list.map((i) => i.issuer), [IDP]);
  assert.deepEqual(
    await appValue(db.sql, b.id, (tx) => tx`select api.list_trusted_identity_providers()`),
    [],
  );
  assert.equal(await appValue(db.sql, b.id, (tx) => tx`select api.identity_provider_keys(${IDP})`), null);
  for (
    const [issuer, keys] of [["http://idp.example", [KEY]], [IDP, [{ ...KEY, d: "private" }]], [IDP, []]]
  ) {
    await rejectsAs(
      asApp(
        db.sql,
        a.id,
        (tx) => tx`select api.trust_identity_provider(${issuer as string}, ${jwks(keys as unknown[])})`,
      ),
      "validation_failed",
    );
  }
  await rejectsAs(
    asApp(db.sql, b.id, (tx) => tx`select api.distrust_identity_provider(${IDP})`),
    "not_found",
  );
});

Deno.test("api.identity_assertion_grant — a grant once per jti; unknown people and untrusted issuers refused and audited", async () => {
  await asApp(db.sql, a.id, (tx) => tx`select api.trust_identity_provider(${IDP}, ${jwks([KEY])})`);
  const call = (projectId: string, jti: string, email = "AYU@acme.example", issuer = IDP) =>
    appValue<Record<string, unknown>>(
      db.sql,
      projectId,
      (tx) =>
        tx`select api.identity_assertion_grant(${issuer}, 'idp-sub', ${jti}, now() + interval '5 minutes',
          ${email}, ${a.clientId}, null, null)`,
    );
  const granted = await call(a.id, "j1");
  assert.equal(granted.sub, user);
  assert.equal((await call(a.id, "j1")).error, "invalid_grant", "replayed");
  assert.match(String((await call(a.id, "j2", "nobody@acme.example")).error_description), /no user/);
  assert.match(
    String((await call(a.id, "j3", undefined, "https://other.example")).error_description),
    /trusts/,
  );
  assert.match(String((await call(b.id, "j4")).error_description), /trusts/, "another project's IdP");
  const audits = await db.sql`select action, count(*)::int as n from astapa.audit_log
    where project_id = ${a.id} and action like 'identity_assertion.%' group by action order by action`;
  assert.deepEqual(audits.map((r) => [r.action, r.n]), [
    ["identity_assertion.accepted", 1],
    ["identity_assertion.refused", 3],
  ]);
  await rejectsAs(
    asApp(db.sql, null, (tx) => tx`select api.record_identity_assertion_refused('c', ${IDP}, 'x')`),
    "validation_failed",
  );
});

Deno.test("trusted_identity_providers — a management table: machine and self-registered clients may not change it", async () => {
  for (const clientKind of ["machine", "dynamic"] as const) {
    await rejectsAs(
      asApp(
        db.sql,
        b.id,
        (tx) => tx`select api.trust_identity_provider(${IDP}, ${jwks([KEY])})`,
        { clientKind },
      ),
      "unauthorized_client",
      /trusted_identity_providers/,
    );
  }
  await asApp(db.sql, b.id, (tx) => tx`select api.trust_identity_provider(${IDP}, ${jwks([KEY])})`, {
    clientKind: "project",
  });
});
