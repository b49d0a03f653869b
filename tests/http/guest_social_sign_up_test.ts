/**
 * A guest signs up with Google or GitHub (docs/anonymous-users.md) against the local fakes: a new identity with a
 * new address goes onto the guest's row (same sub, the address verified as the provider says, the identity
 * linked, user.converted); an identity or address an account has already signs in to that account, the guest
 * left a guest (nothing merged); a guest who signed up already is guest_signed_up.
 */
import assert from "node:assert/strict";
import { appTokenClaims, followBack, socialTestApp, startSignIn } from "../helpers/social.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import type { SeededProject } from "../helpers/identity.ts";
import { claimsOf, postForm } from "../helpers/token_client.ts";

const { google, github, t } = await socialTestApp();

async function guest(p: SeededProject) {
  const { res, body } = await postForm(t, "/api/platform/anonymous", { client_id: p.clientId });
  assert.equal(res.status, 200, JSON.stringify(body));
  return { sub: claimsOf(body.access_token).sub as string, idToken: body.id_token as string };
}

const guestExtra = (idToken: string) => ({
  state: "app-st",
  response_type: "code",
  scope: "openid",
  prompt: "create",
  id_token_hint: idToken,
});

const row = async (p: SeededProject, sub: string) =>
  (await t.db.sql`select email, email_verified, is_anonymous from astapa.users
    where project_id = ${p.id} and id = ${sub}::bigint`)[0];

Deno.test("guest social sign-up — Google: a new identity and address go onto the guest's row, same sub", async () => {
  const project = await seedProject(t.db.sql, {
    name: "Toko",
    settings: { anonymous_users: { enabled: true } },
  });
  const { sub, idToken } = await guest(project);
  google.approveAs = { sub: "g-guest-1", email: "Tamu@Gmail.test", email_verified: true };
  const started = await startSignIn(t, project, "google", "en", guestExtra(idToken));
  const claims = await appTokenClaims(t, await followBack(t, started), project);
  assert.equal(claims.sub, sub);
  assert.equal(claims.is_anonymous, undefined);
  assert.equal(claims.email, "Tamu@Gmail.test");
  assert.deepEqual({ ...await row(project, sub) }, {
    email: "Tamu@Gmail.test",
    email_verified: true,
    is_anonymous: false,
  });
  const [identity] = await t.db.sql`select user_id::text from astapa.identities
    where project_id = ${project.id} and provider = 'google' and subject = 'g-guest-1'`;
  assert.equal(identity.user_id, sub);
  const actions = (await t.db.sql`select action from astapa.audit_log where project_id = ${project.id}
    and target = ${"user:" + sub} order by id`).map((a) => a.action);
  assert.ok(actions.includes("user.converted"), actions.join());

  // The same guest again, with GitHub: no longer a guest.
  github.approveAs = {
    id: 4242,
    login: "tamu",
    emails: [{ email: "tamu@github.test", primary: true, verified: true }],
  };
  const again = await followBack(t, await startSignIn(t, project, "github", "en", guestExtra(idToken)));
  assert.equal(again.status, 409);
  assert.match(await again.text(), /signed up already/);
});

Deno.test("guest social sign-up — an address or identity someone has signs in to that account; the guest stays a guest", async () => {
  const project = await seedProject(t.db.sql, {
    name: "Toko",
    settings: { anonymous_users: { enabled: true } },
  });
  const existing = await seedUser(t.db.sql, project.id, "ada@gmail.test", { verified: true });
  const { sub, idToken } = await guest(project);
  google.approveAs = { sub: "g-ada", email: "ada@gmail.test", email_verified: true };
  const claims = await appTokenClaims(
    t,
    await followBack(t, await startSignIn(t, project, "google", "en", guestExtra(idToken))),
    project,
  );
  assert.equal(claims.sub, existing, "the account the address belongs to, never the guest");
  assert.deepEqual({ ...await row(project, sub) }, {
    email: null,
    email_verified: false,
    is_anonymous: true,
  });
});

Deno.test("guest social sign-up — without prompt=create a hint names no guest: the sign-in goes on as before guests existed", async () => {
  const project = await seedProject(t.db.sql, {
    name: "Toko",
    settings: { anonymous_users: { enabled: true } },
  });
  const { sub, idToken } = await guest(project);
  // An app re-authenticating its user sends an id_token_hint (OpenID Connect allows it): never refused for it.
  for (const [n, hint] of [[1, idToken], [2, "not-an-id-token"]] as const) {
    google.approveAs = { sub: `g-plain-${n}`, email: `plain-${n}@gmail.test`, email_verified: true };
    const extra = { state: "app-st", response_type: "code", scope: "openid", id_token_hint: hint };
    const claims = await appTokenClaims(
      t,
      await followBack(t, await startSignIn(t, project, "google", "en", extra)),
      project,
    );
    assert.notEqual(claims.sub, sub, "a new account of its own");
    assert.equal(claims.email, `plain-${n}@gmail.test`);
  }
  assert.equal((await row(project, sub)).is_anonymous, true, "the guest stays a guest");
});
