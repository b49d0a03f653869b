/**
 * db/api/sign_up_rules.sql: settings.sign_up validated by api.update_project_settings (modes, lists, bounds,
 * IDN refused, repeats); astapa.sign_up_refusal for each mode, domain lists (exact, *. subdomains, case, a
 * rooted name, non-ASCII), the invitation match (token, address, open, this project); the one check's
 * SQLSTATEs with the invitation read from the transaction; api.sign_up_user writing nothing when refused.
 */
import assert from "node:assert/strict";
import { asApp, signUpContext, type Tx } from "@/db/client.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

type Json = Record<string, unknown>;
const project = await seedProject(db.sql, { name: "Toko" });
const other = await seedProject(db.sql, { name: "Lain" });

const settle = (projectId: string, signUp: unknown) =>
  appValue<Json>(
    db.sql,
    projectId,
    (tx) => tx`select api.update_project_settings(${projectId}, ${tx.json({ sign_up: signUp } as never)})`,
  );
/** settings.sign_up exactly `value` (api.update_project_settings merges sign_up, so cleared first). */
const rules = async (projectId: string, value: unknown) => {
  await settle(projectId, null);
  if (value !== null) await settle(projectId, value);
};
const refusal = (projectId: string, email: string | null, token: string | null = null) =>
  appValue<Json | null>(
    db.sql,
    projectId,
    (tx) => tx`select astapa.sign_up_refusal(${projectId}, ${email}, ${token})`,
  );

async function invite(projectId: string, email: string, token: string, ttl = 3600) {
  const org = await appValue<Json>(
    db.sql,
    projectId,
    (tx) => tx`select api.create_organization('Org', ${`org-${crypto.randomUUID().slice(0, 8)}`}, null)`,
  );
  return await appValue<Json>(
    db.sql,
    projectId,
    async (tx: Tx) =>
      tx`select api.invite_to_organization(${org.id as string}, ${email}, 'member', ${await sha256(token)},
                                           ${ttl})`,
  );
}

const userCount = (projectId: string) =>
  db.sql`select count(*)::int as n from astapa.users where project_id = ${projectId}`.then(([r]) =>
    r.n as number
  );

Deno.test("api.update_project_settings sign_up — a valid value is stored, merged key by key; null removes", async () => {
  const value = {
    mode: "invitation",
    allowed_domains: ["example.co.id", "*.Kantor.example"],
    blocked_domains: [],
  };
  const saved = await settle(other.id, value);
  assert.deepEqual((saved.settings as Json).sign_up, value);
  const merged = await settle(other.id, { mode: "closed", allowed_domains: null });
  assert.deepEqual((merged.settings as Json).sign_up, { mode: "closed", blocked_domains: [] });
  const removed = await settle(other.id, null);
  assert.equal((removed.settings as Json).sign_up, undefined);
});

Deno.test("api.update_project_settings sign_up — each malformed value is refused with its reason, nothing stored", async () => {
  const many = Array.from({ length: 101 }, (_, n) => `d${n}.example`);
  const cases: [unknown, RegExp][] = [
    [{ mode: "members" }, /mode must be open, invitation, waitlist or closed/],
    [
      { mode: "open", extra: 1 },
      /takes mode, allowed_domains, blocked_domains, block_disposable_domains, disposable_allowed_domains, block_subaddresses and require_legal_consent only/,
    ],
    [
      "closed",
      /takes mode, allowed_domains, blocked_domains, block_disposable_domains, disposable_allowed_domains, block_subaddresses and require_legal_consent only/,
    ],
    [{ allowed_domains: "example.com" }, /allowed_domains must be a list of domains/],
    [{ blocked_domains: many }, /at most 100 domains/],
    [{ allowed_domains: [5] }, /must be a string/],
    [{ allowed_domains: ["bücher.example"] }, /ASCII \(xn--\) form/],
    [{ allowed_domains: ["localhost"] }, /is not a domain/],
    [{ allowed_domains: ["a@b.example"] }, /is not a domain/],
    [{ allowed_domains: ["*example.com"] }, /is not a domain/],
    [{ allowed_domains: ["ex ample.com"] }, /is not a domain/],
    [{ blocked_domains: [`${"a".repeat(64)}.example`] }, /is not a domain/],
    [{ blocked_domains: ["Example.com", "example.COM"] }, /lists a domain twice/],
  ];
  for (const [value, reason] of cases) {
    await rejectsAs(settle(project.id, value), "validation_failed", reason);
  }
  const [row] = await db.sql`select settings -> 'sign_up' as s from astapa.projects where id = ${project.id}`;
  assert.equal(row.s, null);
});

Deno.test("astapa.sign_up_refusal — open takes anyone (a number alone too); closed refuses everyone", async () => {
  await rules(project.id, null);
  assert.equal(await refusal(project.id, "ayu@example.com"), null);
  assert.equal(await refusal(project.id, null), null);
  await rules(project.id, { mode: "closed" });
  assert.deepEqual(await refusal(project.id, "ayu@example.com"), { reason: "closed" });
  assert.deepEqual(await refusal(project.id, null), { reason: "closed" });
});

Deno.test("astapa.sign_up_refusal — domain lists: exact, *. for subdomains only, any case, rooted name, non-ASCII", async () => {
  await rules(project.id, { mode: "open", allowed_domains: ["kantor.example", "*.Cabang.example"] });
  const allowed = async (email: string | null) => (await refusal(project.id, email)) === null;
  assert.equal(await allowed("ayu@kantor.example"), true);
  assert.equal(await allowed("Ayu@KANTOR.Example"), true);
  assert.equal(await allowed("ayu@kantor.example."), true);
  assert.equal(await allowed("ayu@jkt.kantor.example"), false, "a subdomain needs *.");
  assert.equal(await allowed("ayu@jkt.cabang.example"), true);
  assert.equal(await allowed("ayu@a.b.CABANG.example"), true);
  assert.equal(await allowed("ayu@cabang.example"), false, "*. is the subdomains, not the domain");
  assert.equal(await allowed("ayu@xcabang.example"), false);
  assert.equal(await allowed("ayu@kantor.example.evil"), false);
  assert.deepEqual(await refusal(project.id, "ayu@Other.example"), {
    reason: "domain",
    domain: "other.example",
  });
  assert.deepEqual(await refusal(project.id, null), { reason: "email_required" });

  await rules(project.id, { mode: "open", blocked_domains: ["sekali.example", "*.spam.example"] });
  assert.equal(await allowed("ayu@kantor.example"), true);
  assert.equal(await allowed(null), true, "a blocklist leaves a number alone");
  assert.equal(await allowed("ayu@SEKALI.example"), false);
  assert.equal(await allowed("ayu@mx.spam.example"), false);
  assert.equal(await allowed("ayu@spam.example"), true);
  assert.equal(await allowed("ayu@bücher.example"), false, "a Unicode domain may spell a listed xn-- one");
  await rules(project.id, null);
  assert.equal(await allowed("ayu@bücher.example"), true, "without lists nothing is compared");
});

Deno.test("astapa.sign_up_refusal — invitation: an open invitation of this project, with its token, to that address", async () => {
  await rules(project.id, { mode: "invitation" });
  const token = `inv-${crypto.randomUUID()}`;
  await invite(project.id, "Diundang@Example.com", token);
  assert.equal(await refusal(project.id, "diundang@example.COM", token), null);
  const refused = { reason: "invitation" };
  assert.deepEqual(await refusal(project.id, "lain@example.com", token), refused, "another address");
  assert.deepEqual(await refusal(project.id, "diundang@example.com"), refused, "no token");
  assert.deepEqual(await refusal(project.id, "diundang@example.com", "wrong-token"), refused);
  assert.deepEqual(await refusal(project.id, null, token), refused, "a number alone");
  // Another project's invitation opens nothing here.
  const elsewhere = `inv-${crypto.randomUUID()}`;
  await invite(other.id, "diundang@example.com", elsewhere);
  assert.deepEqual(await refusal(project.id, "diundang@example.com", elsewhere), refused);
  // Expired, withdrawn or accepted: no longer an invitation.
  for (
    const change of ["expires_at = now() - interval '1 second'", "revoked_at = now()", "accepted_at = now()"]
  ) {
    const used = `inv-${crypto.randomUUID()}`;
    const made = await invite(project.id, `x${change.length}@example.com`, used);
    await db.sql.unsafe(`update astapa.organization_invitations set ${change} where id = $1`, [
      made.id as string,
    ]);
    assert.deepEqual(await refusal(project.id, `x${change.length}@example.com`, used), refused, change);
  }
  // Lists still apply to the invited address.
  await rules(project.id, { mode: "invitation", blocked_domains: ["example.com"] });
  assert.equal((await refusal(project.id, "diundang@example.com", token))?.reason, "domain");
  await rules(project.id, null);
});

Deno.test("astapa.assert_sign_up_allowed — one SQLSTATE per reason, the domain in DETAIL; the invitation from the transaction", async () => {
  const check = (email: string | null, invitation?: string) =>
    asApp(
      db.sql,
      project.id,
      (tx) => tx`select astapa.assert_sign_up_allowed(${project.id}, ${email})`,
      signUpContext(invitation),
    );
  const codeOf = (promise: Promise<unknown>) =>
    promise.then(() => "allowed", (error) => `${error.code} ${error.message} ${error.detail ?? ""}`.trim());
  await rules(project.id, { mode: "closed" });
  assert.equal(await codeOf(check("a@example.com")), "AS4N0 Sign-ups for Toko are closed.");
  const token = `inv-${crypto.randomUUID()}`;
  await invite(project.id, "masuk@example.com", token);
  await rules(project.id, { mode: "invitation" });
  assert.equal(await codeOf(check("masuk@example.com")), "AS4N1 Sign-ups for Toko are by invitation only.");
  assert.equal(await codeOf(check("masuk@example.com", token)), "allowed");
  await rules(project.id, { allowed_domains: ["example.com"] });
  assert.equal(
    await codeOf(check("a@lain.example")),
    "AS4N2 Addresses at lain.example cannot sign up for Toko. lain.example",
  );
  assert.equal(await codeOf(check(null)), "AS4N3 Sign-ups for Toko need an email address.");
  await rejectsAs(check(null), "sign_up_refused");
  await rules(project.id, null);
  assert.equal(await codeOf(check("a@lain.example")), "allowed");
});

Deno.test("api.sign_up_user — refused before the address is looked up (taken or not), writing nothing; api.create_user unaffected", async () => {
  const sign = (email: string) =>
    appValue(db.sql, project.id, (tx) => tx`select api.sign_up_user(${project.id}, ${email}, null)`);
  await seedUser(db.sql, project.id, "ada@example.com");
  await settle(project.id, { mode: "closed" });
  const before = await userCount(project.id);
  await rejectsAs(sign("baru@example.com"), "sign_up_refused", /closed/);
  await rejectsAs(sign("ada@example.com"), "sign_up_refused", /closed/);
  assert.equal(await userCount(project.id), before);
  // The project acting (Platform API, dashboard) is not a sign-up.
  await seedUser(db.sql, project.id, "admin-made@example.com");
  assert.equal(await userCount(project.id), before + 1);
  await settle(project.id, null);
  const made = await sign("baru@example.com") as Json;
  assert.equal(made.email, "baru@example.com");
  await rejectsAs(sign("ada@example.com"), "conflict");
});
