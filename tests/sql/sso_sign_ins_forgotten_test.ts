/**
 * What an SSO sign-in keeps for a later sign-out (the IdP's NameID, or its ID token with the person's address, name
 * and groups) lives no longer than its session (migration 4317): astapa.forget_sso_sign_ins deletes it when the
 * session ends, by a sign-out, an IdP's logout or an erasure; one held with a second-factor challenge nobody met
 * goes with the grant sweeper a day later; one held with a challenge under way stays.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { appValue, seedProject, seedSession, seedUser } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const project = await seedProject(db.sql, { name: "A" });
const call = (query: (tx: Tx) => PromiseLike<readonly Record<string, unknown>[]>) =>
  appValue(db.sql, project.id, query);
const org = await call((tx) => tx`select api.create_organization('Acme', 'acme', null)`) as { id: string };
const saml =
  (await call((tx) =>
    tx`select api.put_saml_sso_connection(${org.id}, 'https://idp.example/saml', 'https://idp.example/sso',
       ${["MII" + "A".repeat(600) + "=="]}, null, null)`
  ) as { id: string }).id;
const otherOrg = await call((tx) => tx`select api.create_organization('Beta', 'beta', null)`) as {
  id: string;
};
const oidc =
  (await call((tx) =>
    tx`select api.put_sso_connection(${otherOrg.id}, 'https://idp.example', 'client-1', 'sealed', null, null)`
  ) as { id: string }).id;

/** How many sign-ins each table keeps under `hash` as a session (or a challenge). */
async function kept(hash: Uint8Array, as: "session_hash" | "challenge_hash" = "session_hash") {
  const [row] = await db.sql`select
      (select count(*)::int from astapa.sso_saml_sign_ins where project_id = ${project.id} and ${
    db.sql(as)
  } = ${hash})
        as saml,
      (select count(*)::int from astapa.sso_oidc_sign_ins where project_id = ${project.id} and ${
    db.sql(as)
  } = ${hash})
        as oidc`;
  return row as { saml: number; oidc: number };
}

/** A user with one session a SAML sign-in started and one an OpenID Connect sign-in started. */
async function signedIn(email: string) {
  const user = await seedUser(db.sql, project.id, email, { verified: true });
  const bySaml = await seedSession(db.sql, project.id, user);
  const byOidc = await seedSession(db.sql, project.id, user);
  await call((tx) => tx`select api.record_saml_session(${bySaml}, ${saml}, ${email}, null, '_s1')`);
  await call((tx) =>
    tx`select api.record_oidc_session(${byOidc}, ${oidc}, 'sub-1', 'sid-1', 'sealed-id-token')`
  );
  assert.deepEqual([await kept(bySaml), await kept(byOidc)], [{ saml: 1, oidc: 0 }, { saml: 0, oidc: 1 }]);
  return { user, bySaml, byOidc };
}

Deno.test("astapa.forget_sso_sign_ins — a sign-out forgets its session's SSO sign-in, and only its", async () => {
  const { bySaml, byOidc } = await signedIn("dewi@acme.test");
  await call((tx) => tx`select api.end_login_session(${byOidc})`);
  assert.deepEqual(await kept(byOidc), { saml: 0, oidc: 0 });
  assert.deepEqual(await kept(bySaml), { saml: 1, oidc: 0 }, "the other session's stays");
  await call((tx) => tx`select api.end_login_session(${bySaml})`);
  assert.deepEqual(await kept(bySaml), { saml: 0, oidc: 0 });
});

Deno.test("astapa.forget_sso_sign_ins — an IdP's logout and an erasure forget them too", async () => {
  const first = await signedIn("wulan@acme.test");
  assert.equal(await call((tx) => tx`select api.end_saml_sessions(${saml}, 'wulan@acme.test', '_s1')`), 1);
  assert.deepEqual(await kept(first.bySaml), { saml: 0, oidc: 0 });
  const second = await signedIn("sari@acme.test");
  await call((tx) => tx`select api.delete_user(${project.id}, ${second.user})`);
  assert.deepEqual([await kept(second.bySaml), await kept(second.byOidc)], [{ saml: 0, oidc: 0 }, {
    saml: 0,
    oidc: 0,
  }]);
});

Deno.test("api.sweep_grants — forgets SSO sign-ins held a day with a challenge nobody met; a challenge under way keeps its", async () => {
  const user = await seedUser(db.sql, project.id, "ayu@acme.test", { verified: true });
  const challenge = async (fill: number) => {
    const hash = new Uint8Array(32).fill(fill);
    await db.sql`insert into astapa.mfa_challenges (project_id, token_hash, user_id, amr, expires_at)
      values (${project.id}, ${hash}, ${user}, '{fed}', now() + interval '10 minutes')`;
    return hash;
  };
  const [old, recent] = [await challenge(21), await challenge(22)];
  for (const hash of [old, recent]) {
    await call((tx) => tx`select api.hold_saml_sign_in(${hash}, ${saml}, 'ayu@acme.test', null, '_h')`);
    await call((tx) => tx`select api.hold_oidc_sign_in(${hash}, ${oidc}, 'sub-ayu', null, 'sealed')`);
  }
  await db
    .sql`update astapa.sso_saml_sign_ins set created_at = now() - interval '25 hours' where challenge_hash = ${old}`;
  await db
    .sql`update astapa.sso_oidc_sign_ins set created_at = now() - interval '25 hours' where challenge_hash = ${old}`;
  const swept = await asApp(db.sql, null, async (tx) => (await tx`select api.sweep_grants() as s`)[0].s);
  assert.equal(swept.sso_sign_ins, 2);
  assert.deepEqual(await kept(old, "challenge_hash"), { saml: 0, oidc: 0 });
  assert.deepEqual(await kept(recent, "challenge_hash"), { saml: 1, oidc: 1 });
});
