/**
 * How a user signs in, over the Platform API (routes/api/platform/users/[sub]/sign-in-methods, passkeys,
 * factors): support reads the methods, passkeys and second factors, removes an identity or the password (never
 * the last way in), a passkey (the user mailed) or the second factors (audited, the app told, mailed) — never
 * another project's or the other environment's user.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { seedPasskey, seedProject, seedUser } from "../helpers/identity.ts";
import { platformApi } from "../helpers/platform_api.ts";
import { asApp } from "@/db/client.ts";
import { sha256 } from "@/lib/secrets.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, { name: "Toko Ways" });
const other = await seedProject(t.db.sql, { name: "Other Ways" });
const api = platformApi(t, project);
const mails = (kind: string, to: string) =>
  t.db.sql`select subject, body_text from astapa.mail_outbox
           where project_id = ${project.id} and kind = ${kind} and to_address = ${to}`;

let people = 0;

/** A user with a password, a Google identity, two passkeys and an authenticator app with recovery codes. */
async function person(email: string) {
  const user = await seedUser(t.db.sql, project.id, email, { verified: true });
  const codes = await Promise.all(
    Array.from({ length: 10 }, async (_, i) => (await sha256(`${email}-${i}`)).toHex()),
  );
  await asApp(t.db.sql, project.id, async (tx) => {
    await tx`update astapa.users set password_hash = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA' where id = ${user}`;
    await tx`insert into astapa.identities (project_id, user_id, provider, subject, email)
             values (${project.id}, ${user}, 'google', ${`g-${email}`}, ${email})`;
    await tx`select api.start_mfa_challenge(${user}, ${await sha256(email)}, '{pwd}', true)`;
    await tx`select api.meet_mfa_challenge(${await sha256(email)}, 'enrol', 100, null, '\\x01'::bytea,
      (select array_agg(decode(h, 'hex')) from unnest(${codes}::text[]) h), null)`;
  });
  const n = ++people;
  await seedPasskey(t.db.sql, project.id, user, n, { name: "Laptop" });
  return {
    user,
    passkey: Array.from(new Uint8Array(16).fill(n), (b) => b.toString(16).padStart(2, "0")).join(""),
  };
}

Deno.test("users API — sign-in-methods lists methods, passkeys and factors, never a secret", async () => {
  const { user, passkey } = await person("rina@ways.example");
  const got = await api("GET", `/users/${user}/sign-in-methods`);
  assert.equal(got.status, 200, got.text);
  assert.deepEqual(got.body.methods.map((m: { provider: string }) => m.provider), ["password", "google"]);
  // Google is not offered by this project (no credentials): listed, not usable, so the password is the only
  // usable way in and cannot go; the Google identity can.
  assert.deepEqual(
    got.body.methods.map((m: { usable: boolean; removable: boolean }) => [m.usable, m.removable]),
    [[true, false], [false, true]],
  );
  assert.deepEqual(got.body.passkeys.map((k: { id: string; name: string }) => [k.id, k.name]), [[
    passkey,
    "Laptop",
  ]]);
  assert.deepEqual(got.body.factors.factors.map((f: { kind: string }) => f.kind), ["totp"]);
  assert.equal(got.body.factors.recovery_codes_left, 10);
  assert.doesNotMatch(got.text, /argon2|deadbeef|secret/i);
  assert.equal((await api("GET", `/users/${user}/sign-in-methods`, undefined, other)).status, 404);
  assert.equal((await api("GET", "/users/999999999/sign-in-methods")).status, 404);
});

Deno.test("users API — removing the Google identity, then the password: the last way in is a 409", async () => {
  const { user, passkey } = await person("budi@ways.example");
  const bad = await api("DELETE", `/users/${user}/sign-in-methods/phone`);
  assert.equal(bad.status, 400);
  assert.equal((await api("DELETE", `/users/${user}/sign-in-methods/google?subject=nope`)).status, 404);
  assert.equal(
    (await api(
      "DELETE",
      `/users/${user}/sign-in-methods/google?subject=g-budi@ways.example`,
      undefined,
      other,
    ))
      .status,
    404,
    "another project's client",
  );
  const unlinked = await api("DELETE", `/users/${user}/sign-in-methods/google?subject=g-budi@ways.example`);
  assert.equal(unlinked.status, 200, unlinked.text);
  assert.deepEqual(unlinked.body.methods.map((m: { provider: string }) => m.provider), ["password"]);
  // Support may remove a passkey even so (a lost device must stop working); the password stays the last way in.
  const removedKey = await api("DELETE", `/users/${user}/passkeys/${passkey}`);
  assert.equal(removedKey.status, 200, removedKey.text);
  assert.deepEqual(removedKey.body, { name: "Laptop", mailed: true });
  const [mail] = await mails("passkey_removed", "budi@ways.example");
  assert.match(mail.body_text, /Laptop/);
  assert.equal((await api("DELETE", `/users/${user}/passkeys/${passkey}`)).status, 404, "already gone");
  assert.equal((await api("DELETE", `/users/${user}/passkeys/not-hex`)).status, 404);
  const last = await api("DELETE", `/users/${user}/sign-in-methods/password`);
  assert.equal(last.status, 409, last.text);
  const audit = await t.db.sql`select details from astapa.audit_log
                               where project_id = ${project.id} and action = 'identity.unlink' and target = ${`user:${user}`}`;
  assert.deepEqual(audit.map((a) => a.details.provider), ["google"]);
});

Deno.test("users API — resetting second factors: removed, audited, the app told, the user mailed; again removes nothing", async () => {
  const { user } = await person("sari@ways.example");
  const reset = await api("DELETE", `/users/${user}/factors`);
  assert.equal(reset.status, 200, reset.text);
  assert.deepEqual(reset.body, { removed: 1, mailed: true });
  assert.equal((await mails("mfa_removed", "sari@ways.example")).length, 1);
  const [event] = await t.db.sql`select data from astapa.events where project_id = ${project.id}
                                 and type = 'user.mfa_removed' and data -> 'user' ->> 'id' = ${user}`;
  assert.deepEqual(event.data.factors, ["totp"]);
  const after = await api("GET", `/users/${user}/sign-in-methods`);
  assert.deepEqual([after.body.factors.factors, after.body.factors.recovery_codes_left], [[], 0]);
  assert.deepEqual((await api("DELETE", `/users/${user}/factors`)).body, { removed: 0, mailed: false });
  assert.equal((await mails("mfa_removed", "sari@ways.example")).length, 1, "nothing to reset, nothing sent");
  assert.equal((await api("DELETE", `/users/${user}/factors`, undefined, other)).status, 404);
});

Deno.test("users API — a user of the other environment is not found by any of them", async () => {
  const { user, passkey } = await person("lama@ways.example");
  await t.db.sql`update astapa.projects set mode = 'production' where id = ${project.id}`;
  try {
    for (
      const [method, path] of [
        ["GET", `/users/${user}/sign-in-methods`],
        ["DELETE", `/users/${user}/sign-in-methods/google?subject=g-lama@ways.example`],
        ["DELETE", `/users/${user}/passkeys/${passkey}`],
        ["DELETE", `/users/${user}/factors`],
      ]
    ) {
      assert.equal((await api(method, path)).status, 404, `${method} ${path}`);
    }
  } finally {
    await t.db.sql`update astapa.projects set mode = 'sandbox' where id = ${project.id}`;
  }
  const still = await api("GET", `/users/${user}/sign-in-methods`);
  assert.equal(still.body.methods.length, 2, "nothing was removed meanwhile");
  assert.equal(still.body.passkeys.length, 1);
  assert.equal(still.body.factors.factors.length, 1);
});

Deno.test("users API — a Microsoft identity is listed and removed as the others", async () => {
  const user = await seedUser(t.db.sql, project.id, "eko@ways.example", { verified: true });
  await asApp(t.db.sql, project.id, async (tx) => {
    await tx`update astapa.users set password_hash = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA' where id = ${user}`;
    await tx`insert into astapa.identities (project_id, user_id, provider, subject, email)
             values (${project.id}, ${user}, 'microsoft', 'AAAAms-eko', 'eko@ways.example')`;
  });
  const got = await api("GET", `/users/${user}/sign-in-methods`);
  assert.deepEqual(
    got.body.methods.map((m: { provider: string; removable: boolean }) => [m.provider, m.removable]),
    [["password", false], ["microsoft", true]],
  );
  const removed = await api("DELETE", `/users/${user}/sign-in-methods/microsoft?subject=AAAAms-eko`);
  assert.equal(removed.status, 200, removed.text);
  assert.deepEqual(removed.body.methods.map((m: { provider: string }) => m.provider), ["password"]);
});
