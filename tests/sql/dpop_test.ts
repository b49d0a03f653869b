/**
 * SQL tests for DPoP (db/api/dpop.sql): api.use_dpop_proof records a proof once (AS4D0 the second time), binds
 * the refresh token a grant hands out when asked, refuses a grant bound to another key or to a key when no proof
 * came (AS4G0); codes are bound by api.bind_authorization_code_to_dpop_key; the proofs are each project's own
 * (RLS), and the sweeper removes expired ones.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";
import { issueCode, lookupIdOf, redeemCode } from "../helpers/oauth.ts";
import { createMachineClient } from "@/db/machine_clients.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const project = await seedProject(db.sql, { name: "DPoP" });
const other = await seedProject(db.sql, { name: "Other" });
const user = await seedUser(db.sql, project.id);
const JKT = "a".repeat(43);
const OTHER_JKT = "b".repeat(43);
const soon = () => new Date(Date.now() + 60_000);

/** A fresh refresh token of the user, named by its lookup id (the grant result's refresh_token_id). */
async function refreshTokenId(): Promise<string> {
  const secret = crypto.randomUUID();
  await redeemCode(db.sql, project, await issueCode(db.sql, project, { userId: user }), secret);
  return (await lookupIdOf(db.sql, secret))!;
}

const use = (
  projectId: string,
  proofHash: Uint8Array | null,
  jkt: string | null,
  bind: boolean,
  result: Record<string, unknown>,
) =>
  appValue<Record<string, unknown>>(
    db.sql,
    projectId,
    (tx) =>
      tx`select api.use_dpop_proof(${proofHash}, ${proofHash ? soon() : null}, ${jkt}, ${bind},
        ${tx.json(result as never)}) as result`,
  );

const boundKey = async (id: string) =>
  (await db.sql`select dpop_jkt from astapa.refresh_tokens where lookup_id = ${id}`)[0].dpop_jkt;

Deno.test("api.use_dpop_proof — records a proof once and returns the grant unchanged; the second use is AS4D0", async () => {
  const hash = await sha256(`${JKT}.once`);
  assert.deepEqual(await use(project.id, hash, JKT, false, { access_ttl: 60 }), { access_ttl: 60 });
  await rejectsAs(use(project.id, hash, JKT, false, { access_ttl: 60 }), "invalid_dpop_proof", /used before/);
  assert.deepEqual(
    await use(other.id, hash, JKT, false, { access_ttl: 60 }),
    { access_ttl: 60 },
    "another project's store is its own",
  );
});

Deno.test("api.use_dpop_proof — binds the handed-out refresh token when asked; a confidential client's stays unbound", async () => {
  const id = await refreshTokenId();
  await use(project.id, await sha256(`${JKT}.bind`), JKT, true, { refresh_token_id: id });
  assert.equal(await boundKey(id), JKT);
  const unbound = await refreshTokenId();
  await use(project.id, await sha256(`${JKT}.confidential`), JKT, false, { refresh_token_id: unbound });
  assert.equal(await boundKey(unbound), null);
});

Deno.test("api.use_dpop_proof — a result naming dpop_jkt needs a proof of that key (AS4G0), and loses the name", async () => {
  const bound = { dpop_jkt: JKT, access_ttl: 60 };
  assert.deepEqual(await use(project.id, await sha256(`${JKT}.same`), JKT, false, bound), { access_ttl: 60 });
  await rejectsAs(
    use(project.id, await sha256(`${OTHER_JKT}.x`), OTHER_JKT, false, bound),
    "invalid_grant",
    /bound to a DPoP key/,
  );
  await rejectsAs(use(project.id, null, null, false, bound), "invalid_grant");
  const [refused] = await db.sql`select count(*)::int as n from astapa.dpop_proofs
                                 where proof_hash = ${await sha256(`${OTHER_JKT}.x`)}`;
  assert.equal(refused.n, 0, "a refused use leaves nothing behind");
});

Deno.test("api.rotate_refresh_token — a bound token names its key, its successor keeps it; another key rotates nothing", async () => {
  const secret = crypto.randomUUID();
  await redeemCode(db.sql, project, await issueCode(db.sql, project, { userId: user }), secret);
  const id = (await lookupIdOf(db.sql, secret))!;
  await db.sql`update astapa.refresh_tokens set dpop_jkt = ${JKT} where lookup_id = ${id}`;
  const rotate = (jkt: string | null) =>
    appValue<Record<string, unknown>>(
      db.sql,
      project.id,
      async (tx) =>
        tx`select api.use_dpop_proof(null, null, ${jkt}, false, api.rotate_refresh_token(
          ${await sha256(secret)}, ${project.clientId}, ${await sha256(
          `${secret}-next`,
        )}, null, null, ${id}))`,
    );
  await rejectsAs(rotate(OTHER_JKT), "invalid_grant", /bound to a DPoP key/);
  await rejectsAs(rotate(null), "invalid_grant");
  const [unused] = await db.sql`select used_at from astapa.refresh_tokens where lookup_id = ${id}`;
  assert.equal(unused.used_at, null, "nothing rotated");
  const rotated = await rotate(JKT);
  assert.equal(rotated.dpop_jkt, undefined, "the key's name is taken out of the grant");
  assert.equal(await boundKey(rotated.refresh_token_id as string), JKT, "the successor stays bound");
});

Deno.test("api.bind_authorization_code_to_dpop_key — binds an unredeemed code; its redemption names the key", async () => {
  const code = await issueCode(db.sql, project, { userId: user });
  const bind = (hash: Uint8Array, jkt: string) =>
    asApp(db.sql, project.id, (tx) => tx`select api.bind_authorization_code_to_dpop_key(${hash}, ${jkt})`);
  await rejectsAs(bind(await sha256(code), "not-a-thumbprint"), "validation_failed");
  await rejectsAs(bind(await sha256("no-such-code"), JKT), "not_found");
  await rejectsAs(
    asApp(
      db.sql,
      other.id,
      async (tx) => tx`select api.bind_authorization_code_to_dpop_key(${await sha256(code)}, ${JKT})`,
    ),
    "not_found",
    /no unredeemed/,
  );
  await bind(await sha256(code), JKT);
  const grant = await redeemCode(db.sql, project, code, crypto.randomUUID());
  assert.equal(grant.dpop_jkt, JKT);
  await rejectsAs(bind(await sha256(code), JKT), "not_found", /no unredeemed/);
});

Deno.test("dpop_proofs — RLS: a project reads its own proofs only, no project reads none; the app role cannot delete", async () => {
  await use(project.id, await sha256(`${JKT}.rls`), JKT, false, {});
  const count = (projectId: string | null) =>
    appValue<number>(db.sql, projectId, (tx) => tx`select count(*)::int from astapa.dpop_proofs`);
  assert.ok((await count(project.id)) >= 1, "the project reads its own");
  assert.equal(
    await appValue<number>(
      db.sql,
      other.id,
      async (tx) =>
        tx`select count(*)::int from astapa.dpop_proofs where proof_hash = ${await sha256(`${JKT}.rls`)}`,
    ),
    0,
    "another project does not see it",
  );
  assert.equal(await count(null), 0, "no project sees none");
  await assert.rejects(
    () => asApp(db.sql, project.id, (tx) => tx`delete from astapa.dpop_proofs`),
    /permission denied/,
  );
});

Deno.test("api.sweep_grants — removes DPoP proofs past their expiry, keeps live ones", async () => {
  const expired = await sha256(`${JKT}.expired`);
  await use(project.id, expired, JKT, false, {});
  await db
    .sql`update astapa.dpop_proofs set expires_at = now() - interval '1 second' where proof_hash = ${expired}`;
  const live = await sha256(`${JKT}.live`);
  await use(project.id, live, JKT, false, {});
  const swept = await asApp(db.sql, null, async (tx) => (await tx`select api.sweep_grants() as s`)[0].s);
  assert.ok(swept.dpop_proofs >= 1);
  const left = await db
    .sql`select proof_hash from astapa.dpop_proofs where proof_hash in (${expired}, ${live})`;
  assert.deepEqual(left.map((r) => new Uint8Array(r.proof_hash)), [live]);
});

/** api.authenticate_client's outcome for a client id and secret (no lockout buckets: nothing else counts here). */
const authenticated = async (clientId: string, secret: string) =>
  (await db.sql`select api.authenticate_client(${clientId}, ${await sha256(
    secret,
  )}, '[]'::jsonb) as outcome`)[0]
    .outcome.client as Record<string, unknown>;

const setSettings = (projectId: string, changes: Record<string, unknown>) =>
  appValue<Record<string, unknown>>(
    db.sql,
    projectId,
    (tx) => tx`select api.update_project_settings(${projectId}, ${tx.json(changes as never)})`,
  );

Deno.test("api.set_machine_client_dpop_bound — marks a client of the project; its authentication then says dpop_required", async () => {
  const created = await asApp(db.sql, project.id, (tx) => createMachineClient(tx, { name: "Strict" }));
  assert.equal(created.dpop_bound_access_tokens, false);
  const set = (projectId: string, clientId: string, bound: boolean) =>
    appValue<Record<string, unknown>>(
      db.sql,
      projectId,
      (tx) => tx`select api.set_machine_client_dpop_bound(${clientId}, ${bound})`,
    );
  assert.equal((await set(project.id, created.client_id, true)).dpop_bound_access_tokens, true);
  assert.equal((await authenticated(created.client_id, created.client_secret)).dpop_required, true);
  await rejectsAs(set(other.id, created.client_id, false), "not_found");
  assert.equal((await set(project.id, created.client_id, false)).dpop_bound_access_tokens, false);
  assert.equal((await authenticated(created.client_id, created.client_secret)).dpop_required, false);
});

Deno.test("settings.dpop.required — api.authenticate_client says dpop_required for the project's own client and its machine clients", async () => {
  const strict = await seedProject(db.sql, { name: "Requires DPoP" });
  const agent = await asApp(db.sql, strict.id, (tx) => createMachineClient(tx, { name: "Agent" }));
  assert.equal((await authenticated(strict.clientId, strict.secret)).dpop_required, false);
  assert.equal((await authenticated(agent.client_id, agent.client_secret)).dpop_required, false);
  await setSettings(strict.id, { dpop: { required: true } });
  assert.equal((await authenticated(strict.clientId, strict.secret)).dpop_required, true);
  assert.equal((await authenticated(agent.client_id, agent.client_secret)).dpop_required, true);
  // Another project's clients are untouched.
  assert.equal((await authenticated(project.clientId, project.secret)).dpop_required, false);
  await setSettings(strict.id, { dpop: null });
  assert.equal((await authenticated(strict.clientId, strict.secret)).dpop_required, false);
  assert.equal((await authenticated(agent.client_id, agent.client_secret)).dpop_required, false);
});

Deno.test("settings.dpop.required — api.machine_client_keys says dpop_required, then acts for no project again", async () => {
  const strict = await seedProject(db.sql, { name: "Keys and DPoP" });
  const agent = await asApp(db.sql, strict.id, (tx) => createMachineClient(tx, { name: "Signer" }));
  await appValue(
    db.sql,
    strict.id,
    (tx) =>
      tx`select api.set_machine_client_jwks(${agent.client_id}, ${
        tx.json({ keys: [{ kty: "EC", crv: "P-256", x: "x", y: "y" }] } as never)
      })`,
  );
  const keys = async () =>
    (await db.sql`select api.machine_client_keys(${agent.client_id}) as keys,
                         coalesce(current_setting('astapa.project_id', true), '') as acting`)[0];
  assert.equal((await keys()).keys.dpop_required, false);
  await setSettings(strict.id, { dpop: { required: true } });
  const after = await keys();
  assert.equal(after.keys.dpop_required, true);
  assert.equal(after.acting, "", "the project is let go after the one read");
});

Deno.test("api.update_project_settings — dpop must be {required: boolean}; audited as project.settings", async () => {
  for (const bad of [true, { required: "yes" }, { required: true, nonce: true }, {}, []]) {
    await rejectsAs(setSettings(other.id, { dpop: bad }), "validation_failed", /dpop must be/);
  }
  const saved = await setSettings(other.id, { dpop: { required: true } });
  assert.deepEqual((saved.settings as Record<string, unknown>).dpop, { required: true });
  const [audited] = await db.sql`select details from astapa.audit_log
    where project_id = ${other.id} and action = 'project.settings' order by id desc limit 1`;
  assert.deepEqual(audited.details, { dpop: { required: true } });
  await setSettings(other.id, { dpop: null });
});
