/**
 * db/api/account.sql: a person's own account through their live session — overview, profile, password, email
 * change (taken addresses, single use, the old address told), other sessions, unlinking, connected apps, the
 * data export, and deletion (idempotent, a tombstone with no personal data and no orphan rows) — and the
 * email_changes policies as the owner project, another project and no project.
 */
import assert from "node:assert/strict";
import { asApp, setDeploymentSocial } from "@/db/client.ts";
import {
  accountOverview,
  changeAccount,
  confirmEmailChange,
  exportAccount,
  pendingEmailChange,
} from "@/db/account.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
// As a deployment with Google and GitHub credentials: the identities below are ways in.
setDeploymentSocial(db.sql, ["google", "github"]);
const project = await seedProject(db.sql);
const other = await seedProject(db.sql);
const mail = { template: "account_notice", subject: "s", text: "t" };
const ARGON = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";
const FRESH = 600;

/** A user with a live session whose token is `token`; returns the user id and the session's hash. */
async function signedIn(email: string, token = `${email}-session`, projectId = project.id) {
  const user = await seedUser(db.sql, projectId, email, { verified: true });
  const hash = await sha256(token);
  await asApp(db.sql, projectId, (tx) => tx`select api.start_login_session(${user}, ${hash})`);
  return { user, hash };
}

const change = (hash: Uint8Array, c: Parameters<typeof changeAccount>[3], projectId = project.id) =>
  changeAccount(db.sql, projectId, hash, c);

Deno.test("api.account_overview — null without a live session; marks the session used with its browser", async () => {
  assert.equal(await accountOverview(db.sql, project.id, await sha256("nobody"), "UA"), null);
  const { hash } = await signedIn("overview@example.com");
  const seen = await accountOverview(db.sql, project.id, hash, "Mozilla/5.0 Test");
  assert.equal(seen?.user.email, "overview@example.com");
  assert.deepEqual(seen?.sessions.map((s) => [s.current, s.user_agent]), [[true, "Mozilla/5.0 Test"]]);
  assert.deepEqual(seen?.factor, {
    enrolled: false,
    phone: false,
    second_factors: [],
    recovery_codes_left: 0,
  });
  // Another project's page sees nothing of this session.
  assert.equal(await accountOverview(db.sql, other.id, hash, "UA"), null);
});

Deno.test("api.describe_login_session — a new session's browser, cut to 512 characters, this project only", async () => {
  const { hash } = await signedIn("describe@example.com");
  await asApp(db.sql, other.id, (tx) => tx`select api.describe_login_session(${hash}, 'Elsewhere')`);
  await asApp(db.sql, project.id, (tx) => tx`select api.describe_login_session(${hash}, ${"x".repeat(600)})`);
  const [row] = await db.sql`select user_agent from astapa.login_sessions where token_hash = ${hash}`;
  assert.equal(row.user_agent, "x".repeat(512));
});

Deno.test("api.account_set_profile — sets and clears the profile; refuses control characters; no session: invalid_grant", async () => {
  const { hash } = await signedIn("name@example.com");
  await change(hash, { kind: "profile", profile: { name: "  Ayu Lestari ", locale: "id_ID" } });
  const seen = (await accountOverview(db.sql, project.id, hash, null))?.user;
  assert.deepEqual([seen?.name, seen?.locale], ["Ayu Lestari", "id-ID"]);
  await rejectsAs(change(hash, { kind: "profile", profile: { name: "a\u0007b" } }), "validation_failed");
  await change(hash, { kind: "profile", profile: { name: "" } });
  assert.equal((await accountOverview(db.sql, project.id, hash, null))?.user.name, null);
  await rejectsAs(change(await sha256("gone"), { kind: "profile", profile: { name: "x" } }), "invalid_grant");
});

Deno.test("api.account_set_password — needs a fresh sign-in, ends the other sessions, is mailed", async () => {
  const { user, hash } = await signedIn("password@example.com");
  const second = await sha256("password-other-browser");
  await asApp(db.sql, project.id, (tx) => tx`select api.start_login_session(${user}, ${second})`);
  await db
    .sql`update astapa.login_sessions set created_at = now() - interval '1 hour' where token_hash = ${hash}`;
  const stale = { kind: "password", passwordHash: ARGON, freshSeconds: FRESH, mail } as const;
  await rejectsAs(change(hash, stale), "forbidden", /fresh sign-in/);
  await db.sql`update astapa.login_sessions set created_at = now() where token_hash = ${hash}`;
  await rejectsAs(change(hash, { ...stale, passwordHash: "plain" }), "validation_failed");
  assert.equal(await change(hash, stale), 1);
  const [row] = await db.sql`select password_hash from astapa.users where id = ${user}`;
  assert.equal(row.password_hash, ARGON);
  assert.equal((await accountOverview(db.sql, project.id, hash, null))?.sessions.length, 1);
  const [sent] = await db.sql`select count(*)::int as n from astapa.mail_outbox
                              where project_id = ${project.id} and to_address = 'password@example.com'`;
  assert.equal(sent.n, 1);
  const [audited] = await db.sql`select action from astapa.audit_log where target = ${"user:" + user}
                                 and action like 'user.password_%'`;
  assert.equal(audited.action, "user.password_set");
});

Deno.test("api.email_change_pending — a link to the account's own unverified address says so (own), in any case", async () => {
  const { user, hash } = await signedIn("Mine@example.com");
  await db.sql`update astapa.users set email_verified = false where id = ${user}`;
  const token = await sha256("email-change-own");
  assert.equal(
    await change(hash, {
      kind: "email",
      newEmail: "mine@EXAMPLE.com",
      tokenHash: token,
      freshSeconds: FRESH,
      mail,
    }),
    true,
  );
  assert.deepEqual(await pendingEmailChange(db.sql, project.id, token), {
    email: "mine@EXAMPLE.com",
    own: true,
  });
  assert.equal(await pendingEmailChange(db.sql, other.id, token), null, "not another project's");
  assert.equal(await confirmEmailChange(db.sql, project.id, token, mail), "confirmed");
  assert.equal(await pendingEmailChange(db.sql, project.id, token), null, "used");
});

Deno.test("api.account_request_email_change / confirm — verified by the new mailbox, old address told, single use", async () => {
  const { user, hash } = await signedIn("old@example.com");
  await seedUser(db.sql, project.id, "taken@example.com");
  const token = await sha256("email-change-1");
  const ask = (newEmail: string, tokenHash = token) =>
    change(hash, { kind: "email", newEmail, tokenHash, freshSeconds: FRESH, mail });
  await rejectsAs(ask("not-an-email"), "validation_failed");
  await rejectsAs(ask("OLD@example.com"), "validation_failed");
  // Another user's address: no link, no mail, and the same answer shape as a sent one.
  assert.equal(await ask("Taken@Example.com", await sha256("email-change-taken")), false);
  assert.equal(await pendingEmailChange(db.sql, project.id, await sha256("email-change-taken")), null);
  assert.equal(await ask("new@example.com"), true);
  assert.deepEqual(await pendingEmailChange(db.sql, project.id, token), {
    email: "new@example.com",
    own: false,
  });
  assert.equal(await pendingEmailChange(db.sql, other.id, token), null);
  // A reset link mailed to the old address before the move (whoever reads that mailbox now).
  const reset = await sha256("reset-to-old-address");
  await asApp(
    db.sql,
    project.id,
    (tx) => tx`select api.issue_email_token(${user}, 'reset_password', ${reset})`,
  );
  assert.equal(await confirmEmailChange(db.sql, project.id, token, mail), "changed");
  const [row] = await db.sql`select email, email_verified from astapa.users where id = ${user}`;
  assert.deepEqual([row.email, row.email_verified], ["new@example.com", true]);
  const [link] = await db.sql`select used_at from astapa.email_tokens where token_hash = ${reset}`;
  assert.ok(link.used_at, "the old address's reset link died with the move (astapa.move_user_email)");
  const told = await db.sql`select to_address from astapa.mail_outbox where project_id = ${project.id}
                            and to_address in ('old@example.com', 'new@example.com') order by id`;
  assert.deepEqual(told.map((m) => m.to_address), ["new@example.com", "old@example.com"]);
  await rejectsAs(confirmEmailChange(db.sql, project.id, token, mail), "invalid_grant");
  // Taken between the request and the click: refused.
  const later = await sha256("email-change-2");
  await change(hash, {
    kind: "email",
    newEmail: "race@example.com",
    tokenHash: later,
    freshSeconds: FRESH,
    mail,
  });
  await seedUser(db.sql, project.id, "race@example.com");
  await rejectsAs(confirmEmailChange(db.sql, project.id, later, mail), "conflict");
});

Deno.test("api.account_request_email_change — at most 5 links an hour per person, then silently none", async () => {
  const { hash } = await signedIn("flood@example.com");
  const ask = async (n: number) =>
    await change(hash, {
      kind: "email",
      newEmail: `victim${n}@example.com`,
      tokenHash: await sha256(`flood-${n}`),
      freshSeconds: FRESH,
      mail,
    });
  for (let n = 1; n <= 5; n++) assert.equal(await ask(n), true);
  assert.equal(await ask(6), false);
  const [sent] = await db
    .sql`select count(*)::int as n from astapa.mail_outbox where to_address like 'victim%'`;
  assert.equal(sent.n, 5);
});

Deno.test("api.account_end_other_sessions — ends the others, never another person's", async () => {
  const { user, hash } = await signedIn("sessions@example.com");
  await asApp(
    db.sql,
    project.id,
    (tx) => tx`select api.start_login_session(${user}, ${new Uint8Array(32).fill(7)})`,
  );
  const stranger = await signedIn("stranger@example.com");
  assert.equal(await change(hash, { kind: "endOtherSessions" }), 1);
  assert.equal((await accountOverview(db.sql, project.id, hash, null))?.sessions.length, 1);
  assert.ok(await accountOverview(db.sql, project.id, stranger.hash, null));
});

Deno.test("api.account_unlink — only one's own identity, never the last method, fresh only", async () => {
  const { user, hash } = await signedIn("unlink@example.com");
  const stranger = await signedIn("unlink-stranger@example.com");
  await db.sql`insert into astapa.identities (project_id, provider, subject, user_id) values
    (${project.id}, 'google', 'g-1', ${user}), (${project.id}, 'github', 'h-1', ${user}),
    (${project.id}, 'google', 'g-2', ${stranger.user})`;
  const unlink = (provider: string, subject: string) =>
    change(hash, { kind: "unlink", provider, subject, freshSeconds: FRESH });
  await rejectsAs(unlink("google", "g-2"), "not_found");
  await rejectsAs(unlink("password", ""), "validation_failed");
  await change(hash, { kind: "unlink", provider: "google", subject: "g-1", freshSeconds: FRESH, mail });
  const told = await db.sql`select 1 from astapa.mail_outbox where to_address = 'unlink@example.com'`;
  assert.equal(told.length, 1);
  await rejectsAs(unlink("github", "h-1"), "conflict", /only way/);
  const [left] = await db
    .sql`select count(*)::int as n from astapa.identities where user_id in (${user}, ${stranger.user})`;
  assert.equal(left.n, 2);
});

Deno.test("api.account_revoke_app — ends a self-registered client's refresh tokens for this person only", async () => {
  const { user, hash } = await signedIn("apps@example.com");
  const stranger = await signedIn("apps-stranger@example.com");
  const client = "dcl_" + "a".repeat(24);
  for (const [owner, n] of [[user, 1], [user, 2], [stranger.user, 3]] as const) {
    await db
      .sql`insert into astapa.refresh_tokens (project_id, token_hash, family_id, user_id, client_id, scope,
      expires_at) values (${project.id}, ${
      new Uint8Array(32).fill(n)
    }, gen_random_uuid(), ${owner}, ${client},
      'mcp:read', now() + interval '1 day')`;
  }
  assert.deepEqual((await accountOverview(db.sql, project.id, hash, null))?.apps.map((a) => a.client_id), [
    client,
  ]);
  await rejectsAs(change(hash, { kind: "revokeApp", clientId: "cid_x" }), "validation_failed");
  assert.equal(await change(hash, { kind: "revokeApp", clientId: client }), 2);
  await rejectsAs(change(hash, { kind: "revokeApp", clientId: client }), "not_found");
  assert.deepEqual((await accountOverview(db.sql, project.id, hash, null))?.apps, []);
  const [live] = await db.sql`select count(*)::int as n from astapa.refresh_tokens
                              where user_id = ${stranger.user} and revoked_at is null`;
  assert.equal(live.n, 1);
});

Deno.test("api.account_export — the person's data, fresh only, audited", async () => {
  const { user, hash } = await signedIn("export@example.com");
  await change(hash, { kind: "profile", profile: { name: "Budi", picture: "https://example.com/budi.png" } });
  const data = await exportAccount(db.sql, project.id, hash, FRESH);
  assert.equal((data.profile as { email: string }).email, "export@example.com");
  assert.equal((data.profile as { name: string }).name, "Budi");
  assert.equal((data.profile as { picture: string }).picture, "https://example.com/budi.png");
  assert.ok((data.audit as { action: string }[]).some((a) => a.action === "user.profile_updated"));
  assert.ok(!JSON.stringify(data).includes("argon2"));
  await db
    .sql`update astapa.login_sessions set created_at = now() - interval '1 hour' where token_hash = ${hash}`;
  await rejectsAs(exportAccount(db.sql, project.id, hash, FRESH), "forbidden");
  const [audited] = await db.sql`select count(*)::int as n from astapa.audit_log
                                 where target = ${"user:" + user} and action = 'user.data_exported'`;
  assert.equal(audited.n, 1);
});

Deno.test("api.delete_own_account — erases once, emits user.deleted, keeps a tombstone and no orphans", async () => {
  const { user, hash } = await signedIn("delete@example.com");
  await change(hash, { kind: "profile", profile: { name: "Citra" } });
  await db.sql`insert into astapa.identities (project_id, provider, subject, user_id, email)
               values (${project.id}, 'github', 'del-1', ${user}, 'delete@example.com')`;
  await change(hash, {
    kind: "email",
    newEmail: "delete-new@example.com",
    tokenHash: await sha256("delete-change"),
    freshSeconds: FRESH,
    mail,
  });
  const remove = (typedEmail: string) =>
    change(hash, { kind: "delete", typedEmail, freshSeconds: FRESH, mail });
  await rejectsAs(remove("someone@example.com"), "validation_failed");
  assert.equal(await remove(" DELETE@example.com "), true);
  // Deleted: no session any more, so a second deletion from the page is refused; erasing again changes nothing.
  await rejectsAs(remove("delete@example.com"), "invalid_grant");
  assert.equal(await appValue(db.sql, project.id, (tx) => tx`select astapa.erase_user(${user})`), false);
  const [tomb] = await db
    .sql`select email, password_hash, disabled, deleted_at, name, profile_updated_at from astapa.users
         where id = ${user}`;
  assert.equal(tomb.email, `deleted-${user}@deleted.invalid`);
  assert.equal(tomb.password_hash, null);
  assert.deepEqual([tomb.name, tomb.profile_updated_at], [null, null]);
  assert.ok(tomb.disabled && tomb.deleted_at);
  const events = await db
    .sql`select data from astapa.events where project_id = ${project.id} and type = 'user.deleted'`;
  assert.deepEqual(events.map((e) => e.data.user.id), [user]);
  // Nothing personal is left in the tables that held it, and nothing points at a user that is not there.
  const [left] = await db.sql`select
      (select count(*) from astapa.identities where user_id = ${user})::int as identities,
      (select count(*) from astapa.email_changes where user_id = ${user})::int as email_changes,
      (select count(*) from astapa.user_claims where user_id = ${user} and extra <> '{}')::int as claims,
      (select count(*) from astapa.login_sessions where user_id = ${user} and ended_at is null)::int as sessions,
      (select count(*) from astapa.login_sessions where user_id = ${user} and user_agent is not null)::int as agents`;
  assert.deepEqual(left, { identities: 0, email_changes: 0, claims: 0, sessions: 0, agents: 0 });
  const orphans = await db.sql`
    select c.conrelid::regclass::text as t from pg_constraint c
    where c.contype = 'f' and c.confrelid = 'astapa.users'::regclass`;
  for (const { t } of orphans) {
    const [n] = await db.sql.unsafe(`select count(*)::int as n from ${t} x where not exists
      (select from astapa.users u where u.project_id = x.project_id and u.id = x.user_id)`);
    assert.equal(n.n, 0, t);
  }
  // Gone from the Platform API (get and list).
  await rejectsAs(
    asApp(db.sql, project.id, (tx) => tx`select api.get_user(${project.id}, ${user})`),
    "not_found",
  );
  const listed = await appValue<{ id: string }[]>(
    db.sql,
    project.id,
    (tx) => tx`select api.list_users(${project.id})`,
  );
  assert.ok(!listed.some((u) => u.id === user));
});

Deno.test("api.delete_own_account — someone who signed up by phone types their number; passkeys, memberships and consents go", async () => {
  const { user, hash } = await signedIn("phone-delete@example.com");
  await db
    .sql`update astapa.users set email = null, phone_number = '+6281234567891', phone_number_verified = true
               where project_id = ${project.id} and id = ${user}`;
  const overview = await accountOverview(db.sql, project.id, hash, null);
  assert.deepEqual([overview?.user.email, overview?.user.phone_number], [null, "+6281234567891"]);
  const org = "org_" + "a".repeat(24);
  await db.sql`insert into astapa.organizations (project_id, id, name, slug)
               values (${project.id}, ${org}, 'Warung', 'warung')`;
  await db.sql`insert into astapa.organization_memberships (project_id, organization_id, user_id, role)
               values (${project.id}, ${org}, ${user}, 'owner')`;
  await db
    .sql`insert into astapa.passkeys (project_id, credential_id, user_id, public_key, device_type, backed_up, name)
               values (${project.id}, ${
    new Uint8Array(16).fill(7)
  }, ${user}, '\\x00', 'multiDevice', true, 'Ponsel')`;
  await db.sql`insert into astapa.consents (project_id, user_id, client_id, resource)
               values (${project.id}, ${user}, 'https://agent.example/client.json', 'https://mcp.example/')`;
  const remove = (typedEmail: string) =>
    change(hash, { kind: "delete", typedEmail, freshSeconds: FRESH, mail });
  await rejectsAs(remove("+62 812 0000 0000"), "validation_failed");
  await rejectsAs(remove(""), "validation_failed");
  const queued = async () =>
    (await db.sql`select count(*)::int as n from astapa.mail_outbox where project_id = ${project.id}`)[0].n;
  const before = await queued();
  assert.equal(await remove(" +62 812-3456-7891 "), true);
  assert.equal(await queued(), before, "no goodbye mail without an address");
  const [left] = await db.sql`select
      (select phone_number from astapa.users where id = ${user}) as phone,
      (select count(*) from astapa.passkeys where user_id = ${user})::int as passkeys,
      (select count(*) from astapa.organization_memberships where user_id = ${user})::int as memberships,
      (select count(*) from astapa.consents where user_id = ${user})::int as consents`;
  assert.deepEqual(left, { phone: null, passkeys: 0, memberships: 0, consents: 0 });
  const [event] = await db.sql`select data from astapa.events
    where project_id = ${project.id} and type = 'membership.deleted' and data -> 'membership' ->> 'user_id' = ${user}`;
  assert.equal(event.data.reason, "account_deleted");
  // The number is free again: someone may sign up with it.
  const again = await seedUser(db.sql, project.id, "phone-again@example.com");
  await db
    .sql`update astapa.users set phone_number = '+6281234567891' where project_id = ${project.id} and id = ${again}`;
});

Deno.test("email_changes policies — the owner project only", async () => {
  const { hash } = await signedIn("policy@example.com");
  await change(hash, {
    kind: "email",
    newEmail: "policy-new@example.com",
    tokenHash: await sha256("policy-change"),
    freshSeconds: FRESH,
    mail,
  });
  const count = (projectId: string | null) =>
    appValue<number>(db.sql, projectId, (tx) => tx`select count(*)::int from astapa.email_changes`);
  assert.ok(await count(project.id) >= 1);
  assert.equal(await count(other.id), 0);
  assert.equal(await count(null), 0);
  const updated = await asApp(
    db.sql,
    other.id,
    (tx) => tx`update astapa.email_changes set used_at = now() returning 1`,
  );
  assert.equal(updated.length, 0);
});

Deno.test("api.account_overview — the person's own passkeys (name, added, last use), never another's", async () => {
  const { user, hash } = await signedIn("passkeys@example.com");
  const stranger = await signedIn("passkeys-stranger@example.com");
  assert.deepEqual((await accountOverview(db.sql, project.id, hash, null))?.passkeys, []);
  for (
    const [owner, n, name, used] of [[user, 1, "Laptop", null], [stranger.user, 2, "Theirs", null]] as const
  ) {
    await db.sql`insert into astapa.passkeys (project_id, credential_id, user_id, public_key, device_type,
                   backed_up, name, last_used_at)
                 values (${project.id}, ${new Uint8Array(16).fill(40 + n)}, ${owner}, '\\x00', 'singleDevice',
                         false, ${name}, ${used})`;
  }
  await db.sql`insert into astapa.passkeys (project_id, credential_id, user_id, public_key, device_type,
                 backed_up, name, created_at, last_used_at)
               values (${project.id}, ${new Uint8Array(16).fill(49)}, ${user}, '\\x00', 'multiDevice', true,
                       'Ponsel', now() + interval '1 second', '2026-01-02T03:04:05Z')`;
  const keys = (await accountOverview(db.sql, project.id, hash, null))?.passkeys;
  assert.deepEqual(
    keys?.map((k) => [k.name, k.synced, k.last_used_at && new Date(k.last_used_at).toISOString()]),
    [
      ["Laptop", false, null],
      ["Ponsel", true, "2026-01-02T03:04:05.000Z"],
    ],
  );
});

const auto = await seedProject(db.sql, { settings: { organization_domain_join: "automatic" } });

Deno.test("api.account_leave_organization — own organizations only, never the last owner; automatic joining does not take them back", async () => {
  const { user, hash } = await signedIn("ayu@leave.example", "leave-session", auto.id);
  const stranger = await signedIn("budi@elsewhere.example", "leave-stranger", auto.id);
  const [team, solo, theirs] = ["team", "solo", "theirs"].map((s) => `org_${s.padEnd(24, "x")}`);
  for (const [org, slug] of [[team, "team"], [solo, "solo"], [theirs, "theirs"]]) {
    await db.sql`insert into astapa.organizations (project_id, id, name, slug)
                 values (${auto.id}, ${org}, ${slug.toUpperCase()}, ${slug})`;
  }
  await db
    .sql`insert into astapa.organization_domains (project_id, organization_id, domain, verification_token,
                 verified_at) values (${auto.id}, ${team}, 'leave.example', 't', now())`;
  await db.sql`insert into astapa.organization_memberships (project_id, organization_id, user_id, role)
               values (${auto.id}, ${solo}, ${user}, 'owner'), (${auto.id}, ${theirs}, ${stranger.user}, 'owner')`;
  const orgs = async () =>
    (await accountOverview(db.sql, auto.id, hash, null))?.organizations.map((
      o,
    ) => [o.organization_name, o.role]);
  // Listing joins by the verified domain, as the sign-in does.
  assert.deepEqual(await orgs(), [["SOLO", "owner"], ["TEAM", "member"]]);
  const leave = (organizationId: string, projectId = auto.id) =>
    change(hash, { kind: "leaveOrganization", organizationId }, projectId);
  await rejectsAs(leave(theirs), "not_found");
  await rejectsAs(leave("solo"), "not_found"); // by id only, as the page posts it
  await rejectsAs(leave(solo), "conflict", /at least one owner/);
  await rejectsAs(leave(team, other.id), "invalid_grant"); // another project knows no such session
  await leave(team);
  assert.deepEqual(await orgs(), [["SOLO", "owner"]], "automatic joining does not add them back");
  const [departed] = await db.sql`select reason from astapa.organization_departures
                                  where organization_id = ${team} and user_id = ${user}`;
  assert.equal(departed.reason, "left");
  const events = await db.sql`select data ->> 'reason' as reason from astapa.events
                              where type = 'membership.deleted' and data -> 'membership' ->> 'user_id' = ${
    String(user)
  }`;
  assert.deepEqual(events.map((e) => e.reason), ["left"]);
  const [member] = await db.sql`select count(*)::int as n from astapa.organization_memberships
                                where project_id = ${auto.id} and organization_id = ${theirs}`;
  assert.equal(member.n, 1, "another person's organization untouched");
  // An admin removing someone is remembered the same way.
  await db.sql`insert into astapa.organization_memberships (project_id, organization_id, user_id, role)
               values (${auto.id}, ${solo}, ${stranger.user}, 'member')`;
  await asApp(db.sql, auto.id, (tx) => tx`select api.remove_organization_member(${solo}, ${stranger.user})`);
  const [removed] = await db.sql`select reason from astapa.organization_departures
                                 where organization_id = ${solo} and user_id = ${stranger.user}`;
  assert.equal(removed.reason, "removed");
});

Deno.test("organization_departures policies — the owner project only", async () => {
  const [owned] = await db.sql`select count(*)::int as n from astapa.organization_departures
                               where project_id = ${auto.id}`;
  const seen = (projectId: string | null) =>
    appValue(db.sql, projectId, (tx) => tx`select count(*)::int as n from astapa.organization_departures`);
  assert.ok(owned.n > 0);
  assert.equal(await seen(auto.id), owned.n);
  assert.equal(await seen(other.id), 0);
  assert.equal(await seen(null), 0);
});

Deno.test("api.account_apps / account_revoke_consent — one entry per client with its consents; withdrawing one ends its tokens", async () => {
  const { user, hash } = await signedIn("consents@example.com");
  const stranger = await signedIn("consents-stranger@example.com");
  const dcl = "dcl_" + "c".repeat(24);
  const url = "https://agent.example/client.json";
  const token = (n: number, owner: typeof user, client: string, resource: string | null) =>
    db.sql`insert into astapa.refresh_tokens (project_id, token_hash, family_id, user_id, client_id, scope,
             resource, expires_at)
           values (${project.id}, ${new Uint8Array(32).fill(n)}, gen_random_uuid(), ${owner}, ${client},
                   'mcp:read', ${resource}, now() + interval '1 day')`;
  await token(60, user, dcl, "https://mcp.example/");
  await token(61, user, url, "https://mcp.example/");
  await token(62, stranger.user, url, "https://mcp.example/");
  await db.sql`insert into astapa.consents (project_id, user_id, client_id, resource, scopes) values
    (${project.id}, ${user}, ${dcl}, 'https://mcp.example/', '{mcp:read}'),
    (${project.id}, ${user}, ${dcl}, 'https://docs.example/', '{docs:read,docs:write}'),
    (${project.id}, ${stranger.user}, ${url}, 'https://mcp.example/', '{mcp:read}')`;
  const apps = async () => (await accountOverview(db.sql, project.id, hash, null))?.apps;
  const listed = await apps();
  assert.deepEqual(listed?.map((a) => [a.client_id, a.host, a.consents.map((c) => [c.resource, c.scopes])]), [
    [dcl, undefined, [["https://docs.example/", ["docs:read", "docs:write"]], ["https://mcp.example/", [
      "mcp:read",
    ]]]],
    [url, "agent.example", []],
  ]);
  const withdraw = (clientId: string, resource: string, h = hash) =>
    change(h, { kind: "revokeConsent", clientId, resource });
  await rejectsAs(withdraw(url, "https://mcp.example/"), "not_found"); // the stranger's consent, not theirs
  assert.equal(await withdraw(dcl, "https://mcp.example/"), 1);
  await rejectsAs(withdraw(dcl, "https://mcp.example/"), "not_found");
  const [ended] = await db.sql`select revoked_reason from astapa.refresh_tokens
                               where token_hash = ${new Uint8Array(32).fill(60)}`;
  assert.equal(ended.revoked_reason, "consent_revoked");
  // The client stays listed while one consent remains; removing access forgets it and ends its tokens.
  assert.deepEqual((await apps())?.map((a) => [a.client_id, a.consents.length]).sort(), [[dcl, 1], [url, 0]]);
  assert.equal(await change(hash, { kind: "revokeApp", clientId: dcl }), 0);
  assert.equal(await change(hash, { kind: "revokeApp", clientId: url }), 1);
  assert.deepEqual(await apps(), []);
  const [theirs] = await db.sql`select
      (select count(*) from astapa.consents where user_id = ${stranger.user})::int as consents,
      (select count(*) from astapa.refresh_tokens where user_id = ${stranger.user} and revoked_at is null)::int as tokens`;
  assert.deepEqual({ ...theirs }, { consents: 1, tokens: 1 });
  await rejectsAs(change(hash, { kind: "revokeApp", clientId: "javascript:alert(1)" }), "validation_failed");
});

Deno.test("astapa.erase_user — the outbox keeps no address of the person; the goodbye goes out, then loses its", async () => {
  const { user, hash } = await signedIn("outbox-gone@example.com");
  await signedIn("outbox-stays@example.com");
  const queue = (to: string, template: string) =>
    appValue<string>(
      db.sql,
      project.id,
      (tx) =>
        tx`select api.queue_mail(${project.id}, ${
          tx.json({ to, template, subject: "s", text: "https://link.example/once" })
        })::text`,
    );
  const sent = await queue("Outbox-Gone@example.com", "verify_email");
  await asApp(db.sql, project.id, (tx) => tx`select api.mail_delivered(${sent}::bigint)`);
  const pending = await queue("outbox-gone@example.com", "password_reset");
  const stranger = await queue("outbox-stays@example.com", "password_reset");
  await change(hash, {
    kind: "delete",
    typedEmail: "outbox-gone@example.com",
    freshSeconds: FRESH,
    mail: { template: "account_deleted", subject: "Goodbye", text: "Your account was deleted." },
  });
  type Row = { id: string; to_address: string; attempts: number; body_text: string };
  const listed = await db.sql<Row[]>`select id::text, to_address, attempts, body_text from astapa.mail_outbox
                    where project_id = ${project.id} and (to_address ilike 'outbox-%' or to_address like '%.invalid')`;
  const after: Record<string, Row> = Object.fromEntries(listed.map((r) => [r.id, r]));
  assert.equal(after[sent].to_address, `deleted-${user}@deleted.invalid`);
  assert.equal(after[pending].to_address, after[sent].to_address);
  assert.equal(after[pending].attempts, 8, "unsent mail to the deleted address is never sent");
  assert.doesNotMatch(after[pending].body_text, /link\.example/);
  assert.equal(after[stranger].to_address, "outbox-stays@example.com");
  const goodbye = Object.values(after).find((r) => r.to_address === "outbox-gone@example.com");
  assert.ok(goodbye, "the goodbye still has its address until it is delivered");
  await asApp(db.sql, project.id, (tx) => tx`select api.mail_delivered(${goodbye.id}::bigint)`);
  const [out] = await db.sql`select to_address from astapa.mail_outbox where id = ${goodbye.id}::bigint`;
  assert.equal(out.to_address, "deleted@deleted.invalid");
  const [left] = await db.sql`select count(*)::int as n from astapa.mail_outbox
                              where project_id = ${project.id} and lower(to_address) = 'outbox-gone@example.com'`;
  assert.equal(left.n, 0);
});

Deno.test("api.confirm_email_change — changed (audited, old address told) or confirmed; AS4G0 unknown, used, expired or another project's; AS409 taken", async () => {
  const confirm = (projectId: string, token: Uint8Array, oldMail: unknown = mail) =>
    appValue<string>(
      db.sql,
      projectId,
      (tx) =>
        tx`select api.confirm_email_change(${token}, ${oldMail === null ? null : tx.json(oldMail as never)})`,
    );
  const ask = (hash: Uint8Array, newEmail: string, tokenHash: Uint8Array) =>
    change(hash, { kind: "email", newEmail, tokenHash, freshSeconds: FRESH, mail });
  const audits = async (user: string) =>
    (await db.sql`select action from astapa.audit_log where project_id = ${project.id}
                  and target = ${
      "user:" + user
    } and action in ('user.email_changed', 'user.email_verified') order by id`).map((r) => r.action);
  const mailedTo = async (address: string) =>
    (await db.sql`select count(*)::int as n from astapa.mail_outbox where to_address = ${address}`)[0].n;

  const { user, hash } = await signedIn("direct-old@example.com");
  const token = await sha256("direct-change");
  await ask(hash, "direct-new@example.com", token);
  await rejectsAs(confirm(other.id, token), "invalid_grant", /unknown, used or expired/);
  await rejectsAs(confirm(project.id, await sha256("direct-unknown")), "invalid_grant");
  assert.equal(await confirm(project.id, token), "changed", "another project's attempt left the link usable");
  const [row] = await db.sql`select email, email_verified from astapa.users where id = ${user}`;
  assert.deepEqual({ ...row }, { email: "direct-new@example.com", email_verified: true });
  assert.deepEqual(await audits(user), ["user.email_changed"]);
  assert.equal(await mailedTo("direct-old@example.com"), 1, "the old address is told");
  await rejectsAs(confirm(project.id, token), "invalid_grant", /used/);

  // Without old_mail, nothing is mailed to the old address.
  const quiet = await sha256("direct-quiet");
  await ask(hash, "direct-newer@example.com", quiet);
  const before = await mailedTo("direct-new@example.com");
  assert.equal(await confirm(project.id, quiet, null), "changed");
  assert.equal(await mailedTo("direct-new@example.com"), before);

  const expired = await sha256("direct-expired");
  await ask(hash, "direct-late@example.com", expired);
  await db
    .sql`update astapa.email_changes set created_at = now() - interval '1 day', expires_at = now() - interval '1 second'
               where token_hash = ${expired}`;
  await rejectsAs(confirm(project.id, expired), "invalid_grant");

  const taken = await sha256("direct-taken");
  await ask(hash, "direct-taken@example.com", taken);
  await seedUser(db.sql, project.id, "direct-taken@example.com");
  await rejectsAs(confirm(project.id, taken), "conflict", /another account/);
  assert.equal(
    (await db.sql`select email from astapa.users where id = ${user}`)[0].email,
    "direct-newer@example.com",
  );

  const own = await signedIn("Direct-Own@example.com");
  await db.sql`update astapa.users set email_verified = false where id = ${own.user}`;
  const ownToken = await sha256("direct-own");
  await ask(own.hash, "direct-own@EXAMPLE.com", ownToken);
  const mailedOwn = await mailedTo("Direct-Own@example.com");
  assert.equal(await confirm(project.id, ownToken), "confirmed");
  const [ownRow] = await db.sql`select email, email_verified from astapa.users where id = ${own.user}`;
  assert.deepEqual(
    { ...ownRow },
    { email: "Direct-Own@example.com", email_verified: true },
    "as it is written",
  );
  assert.deepEqual(await audits(own.user), ["user.email_verified"]);
  assert.equal(await mailedTo("Direct-Own@example.com"), mailedOwn, "nobody to tell");
});
