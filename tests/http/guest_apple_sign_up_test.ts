/**
 * A guest signs up with Apple (docs/anonymous-users.md) against the local Apple, as with Google and GitHub: a new
 * Apple identity with a new address goes onto the guest's row (same sub in the new ID token, is_anonymous gone,
 * the plan kept, the identity linked with Apple's token kept); an address an account has signs in to that
 * account and the guest stays a guest; a hint that names no guest of the client goes back to the app as
 * invalid_request.
 */
import assert from "node:assert/strict";
import { seedUser } from "../helpers/identity.ts";
import { socialTestApp } from "../helpers/social.ts";
import { appleEnv, postBack, startApple } from "../helpers/apple.ts";
import { startFakeApple } from "../fakes/apple.ts";
import {
  assertBackWithInvalidRequest,
  assertStillAGuest,
  guestRequest,
  guestRow,
  guestsProject,
  hintsNamingNoGuest,
  payingGuest,
  redeemedIdClaims,
} from "../helpers/guests.ts";

const apple = await startFakeApple();
const { t } = await socialTestApp(appleEnv(apple));
Deno.test.afterAll(() => apple.close());

const project = await guestsProject(t, {});

/** The guest's "Continue with Apple" from the sign-up the app asked for, posted back by Apple's page. */
async function withApple(hint: string) {
  const { query, verifier } = await guestRequest(project, hint);
  const started = await startApple(t, project, "en", Object.fromEntries(query));
  return { res: await postBack(t, apple, started), verifier };
}

Deno.test("guest Apple sign-up — a new Apple identity and address go onto the guest's row: same sub, plan kept", async () => {
  const guest = await payingGuest(t, project);
  apple.approveAs = { sub: "001.apple.tamu", email: "tamu@icloud.test", email_verified: "true" };
  const { res, verifier } = await withApple(guest.idToken);
  assert.equal(res.status, 303, await res.clone().text());
  const { id } = await redeemedIdClaims(t, project, res.headers.get("location")!, verifier);
  assert.equal(id.sub, guest.sub);
  assert.equal(id.is_anonymous, undefined);
  assert.equal(id.email, "tamu@icloud.test");
  assert.deepEqual(await guestRow(t, project, guest.sub), {
    email: "tamu@icloud.test",
    email_verified: true,
    phone_number: null,
    is_anonymous: false,
    plan: "pro",
  });
  const [identity] = await t.db.sql`select user_id::text, refresh_token_sealed is not null as kept
    from astapa.identities where project_id = ${project.id} and provider = 'apple' and subject = '001.apple.tamu'`;
  assert.deepEqual({ ...identity }, { user_id: guest.sub, kept: true });
  const [converted] = await t.db.sql`select details from astapa.audit_log where project_id = ${project.id}
    and action = 'user.converted' and target = ${"user:" + guest.sub}`;
  assert.equal(converted.details.provider, "apple");
  // The same guest again, with another Apple account: signed up already.
  apple.approveAs = { sub: "001.apple.lain", email: "lain@icloud.test", email_verified: "true" };
  const again = await withApple(guest.idToken);
  assert.equal(again.res.status, 409);
  assert.match(await again.res.text(), /signed up already/);
});

Deno.test("guest Apple sign-up — an address an account has signs in to that account; the guest stays a guest", async () => {
  const member = await seedUser(t.db.sql, project.id, "ada@icloud.test", { verified: true });
  const guest = await payingGuest(t, project);
  apple.approveAs = { sub: "001.apple.ada", email: "ada@icloud.test", email_verified: "true" };
  const { res, verifier } = await withApple(guest.idToken);
  assert.equal(res.status, 303, await res.clone().text());
  assert.equal((await redeemedIdClaims(t, project, res.headers.get("location")!, verifier)).id.sub, member);
  await assertStillAGuest(t, project, guest.sub);
});

Deno.test("guest Apple sign-up — hints that name no guest go back to the app as invalid_request, nothing made", async () => {
  const guest = await payingGuest(t, project);
  const member = await seedUser(t.db.sql, project.id, "anggota@icloud.test");
  const before =
    (await t.db.sql`select count(*)::int as n from astapa.users where project_id = ${project.id}`)[0].n;
  for (const [name, hint] of await hintsNamingNoGuest(t, project, guest, member)) {
    apple.approveAs = { sub: `001.apple.${name.replaceAll(" ", "-")}`, email: "baru@icloud.test" };
    assertBackWithInvalidRequest((await withApple(hint)).res, project, name);
  }
  const after =
    (await t.db.sql`select count(*)::int as n from astapa.users where project_id = ${project.id}`)[0].n;
  assert.equal(after, before);
});
