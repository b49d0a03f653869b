/**
 * The guest's sign-up step every hosted sign-up shares (db/api/anonymous_users.sql, docs/anonymous-users.md):
 * astapa.signing_up_guest reads the guest the hosted login names (astapa.sign_up_guest), astapa.convert_guest
 * puts an address or a number on the guest's row (same sub, plan kept, user.converted) or changes nothing (AS409
 * taken, AS4A1 no longer a guest), and astapa.sign_up_with_proven_email is the guest or a new verified user.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { rejectsAs, type SeededProject, seedProject, seedUser } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const guestsOn = () => seedProject(db.sql, { settings: { anonymous_users: { enabled: true } } });

async function guest(p: SeededProject): Promise<string> {
  return await asApp(db.sql, p.id, async (tx) => {
    const [row] = await tx`select api.sign_in_anonymously(${p.clientId}, '192.0.2.9', ${await sha256(
      crypto.randomUUID(),
    )}, 'openid') ->> 'sub' as sub`;
    return row.sub as string;
  });
}

/** Runs `query` as the hosted login signing up the guest `guestSub` (its context, as db/client.ts sets it). */
const asSignUp = <T>(p: SeededProject, guestSub: string | undefined, query: (tx: Tx) => Promise<T>) =>
  asApp(db.sql, p.id, query, { actor: "hosted_login", ...(guestSub ? { signUpGuest: guestSub } : {}) });

const row = async (p: SeededProject, sub: string) => ({
  ...(await db.sql`select email, email_verified, phone_number, phone_number_verified, is_anonymous
      from astapa.users where project_id = ${p.id} and id = ${sub}::bigint`)[0],
});

Deno.test("astapa.signing_up_guest — the guest the hosted login names, or null", async () => {
  const project = await guestsOn();
  const read = (sub?: string) =>
    asSignUp(project, sub, async (tx) => (await tx`select astapa.signing_up_guest()::text as g`)[0].g);
  assert.equal(await read(), null);
  assert.equal(await read("1234"), "1234");
});

Deno.test("astapa.convert_guest — an address or a number on the guest's row, same sub, plan kept; audited user.converted", async () => {
  const project = await guestsOn();
  await asApp(
    db.sql,
    project.id,
    (tx) => tx`select api.create_plan(${project.id}, '{"key": "pro", "name": "Pro"}')`,
  );
  const byMail = await guest(project);
  const byPhone = await guest(project);
  await asApp(
    db.sql,
    project.id,
    (tx) => tx`select api.assign_plan(${project.id}, ${byMail}::bigint, 'pro', 'claims_api')`,
  );
  await asSignUp(
    project,
    undefined,
    (tx) =>
      tx`select astapa.convert_guest(${project.id}, ${byMail}::bigint, 'tamu@example.com', true, null, 'email_code')`,
  );
  await asSignUp(
    project,
    undefined,
    (tx) =>
      tx`select astapa.convert_guest(${project.id}, ${byPhone}::bigint, null, null, '+6281200000001', 'phone')`,
  );
  assert.deepEqual(await row(project, byMail), {
    email: "tamu@example.com",
    email_verified: true,
    phone_number: null,
    phone_number_verified: false,
    is_anonymous: false,
  });
  assert.deepEqual(await row(project, byPhone), {
    email: null,
    email_verified: false,
    phone_number: "+6281200000001",
    phone_number_verified: true,
    is_anonymous: false,
  });
  const [plan] = await db.sql`select plan_key from astapa.subscriptions where project_id = ${project.id}
    and user_id = ${byMail}::bigint and ended_at is null`;
  assert.equal(plan.plan_key, "pro");
  const audits = await db.sql`select target, details from astapa.audit_log where project_id = ${project.id}
    and action = 'user.converted' order by id`;
  assert.deepEqual(audits.map((a) => [a.target, a.details.provider]), [
    [`user:${byMail}`, "email_code"],
    [`user:${byPhone}`, "phone"],
  ]);
});

Deno.test("astapa.convert_guest — a taken address or number is AS409 and the guest stays a guest; a non-guest is AS4A1", async () => {
  const project = await guestsOn();
  const other = await guestsOn();
  const member = await seedUser(db.sql, project.id, "ada@example.com", { verified: true });
  await db.sql`update astapa.users set phone_number = '+6281200000002', phone_number_verified = true
    where project_id = ${project.id} and id = ${member}::bigint`;
  const sub = await guest(project);
  const convert = (p: SeededProject, id: string, email: string | null, phone: string | null) =>
    asSignUp(
      p,
      undefined,
      (tx) => tx`select astapa.convert_guest(${p.id}, ${id}::bigint, ${email}, true, ${phone}, 'phone')`,
    );
  await rejectsAs(convert(project, sub, "ADA@example.com", null), "conflict", /email already exists/);
  await rejectsAs(convert(project, sub, null, "+6281200000002"), "conflict", /phone number already exists/);
  assert.equal((await row(project, sub)).is_anonymous, true);
  await rejectsAs(convert(project, member, "baru@example.com", null), "guest_signed_up");
  await rejectsAs(convert(other, sub, "baru@example.com", null), "guest_signed_up");
  assert.equal((await row(project, sub)).email, null);
});

Deno.test("astapa.sign_up_with_proven_email — the named guest, converted, verified; else a new verified user", async () => {
  const project = await guestsOn();
  const sub = await guest(project);
  const signUp = (guestSub: string | undefined, email: string) =>
    asSignUp(
      project,
      guestSub,
      async (tx) =>
        (await tx`select astapa.sign_up_with_proven_email(${project.id}, ${email}, 'passkey')::text as id`)[0]
          .id as string,
    );
  assert.equal(await signUp(sub, " tamu@example.com "), sub);
  assert.deepEqual(await row(project, sub), {
    email: "tamu@example.com",
    email_verified: true,
    phone_number: null,
    phone_number_verified: false,
    is_anonymous: false,
  });
  const fresh = await signUp(undefined, "baru@example.com");
  assert.notEqual(fresh, sub);
  assert.equal((await row(project, fresh)).email_verified, true);
  await rejectsAs(signUp(await guest(project), "baru@example.com"), "conflict");
  await rejectsAs(signUp(await guest(project), "not an address"), "validation_failed");
});
