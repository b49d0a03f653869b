/**
 * astapa.claim_unproven_account (db/api/users.sql): proving an address or number the account had not proven
 * leaves only what was proven on it — every kind of way in is removed and counted in the audit, another user's
 * and another project's rows stay, an account that had proven it changes nothing, and a second claim does
 * nothing; every organization membership goes (the organizations stay). The callers (email codes, phone
 * codes, password reset, a passkey sign-up's mailed code) claim through it.
 */
import assert from "node:assert/strict";
import { asApp, type Sql } from "@/db/client.ts";
import { sha256 } from "@/lib/secrets.ts";
import { mailPasskeySignUpCode, provePasskeySignUp } from "@/db/passkey_sign_ups.ts";
import { testDatabase } from "../helpers/db.ts";
import { appValue, rejectsAs, seedPasskey, seedProject, seedUser } from "../helpers/identity.ts";
import { claimNotice } from "@/lib/login/claimed_mail.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const project = await seedProject(db.sql, { settings: { passkeys: true, email_codes: true } });
const other = await seedProject(db.sql, { settings: { passkeys: true } });

let seed = 0;
/** A fresh 32-byte value (token hashes must be unique across tests). */
function bytes(): Uint8Array {
  seed += 1;
  const out = new Uint8Array(32);
  new DataView(out.buffer).setUint32(0, seed);
  return out;
}

/** Everything another person could set up on an account without proving its address or number. */
async function setUpEverything(sql: Sql, projectId: string, user: string, phone: string | null, n: number) {
  await sql`update astapa.users set password_hash = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
    phone_number = ${phone}, phone_number_verified = false where project_id = ${projectId} and id = ${user}`;
  await seedPasskey(sql, projectId, user, n);
  await seedPasskey(sql, projectId, user, n + 1);
  await sql`insert into astapa.user_factors (project_id, user_id, kind, secret_sealed, confirmed_at)
    values (${projectId}, ${user}, 'totp', '\\x01', now())`;
  for (let i = 0; i < 3; i++) {
    await sql`insert into astapa.recovery_codes (project_id, user_id, code_hash) values (${projectId}, ${user}, ${bytes()})`;
  }
  await sql`insert into astapa.identities (project_id, provider, subject, user_id, email)
    values (${projectId}, 'github', ${`gh-${n}`}, ${user}, 'someone@example.com')`;
  for (let i = 0; i < 2; i++) {
    await sql`insert into astapa.login_sessions (project_id, token_hash, user_id, expires_at)
      values (${projectId}, ${bytes()}, ${user}, now() + interval '1 day')`;
  }
  await sql`insert into astapa.consents (project_id, user_id, client_id, resource, scopes)
    values (${projectId}, ${user}, ${`dcl_${"a".repeat(24)}`}, 'https://mcp.example/', '{mcp:read}')`;
  await sql`insert into astapa.refresh_tokens (project_id, token_hash, family_id, user_id, client_id, expires_at)
    values (${projectId}, ${bytes()}, gen_random_uuid(), ${user}, 'cid_x', now() + interval '1 day')`;
  await sql`insert into astapa.email_tokens (project_id, token_hash, user_id, purpose, expires_at)
    values (${projectId}, ${bytes()}, ${user}, 'reset_password', now() + interval '1 hour')`;
  await sql`insert into astapa.mfa_challenges (project_id, token_hash, user_id, amr, expires_at)
    values (${projectId}, ${bytes()}, ${user}, '{pwd}', now() + interval '10 minutes')`;
  await sql`insert into astapa.email_changes (project_id, token_hash, user_id, new_email, expires_at)
    values (${projectId}, ${bytes()}, ${user}, 'attacker@example.com', now() + interval '1 hour')`;
  await sql`insert into astapa.authorization_codes (project_id, code_hash, client_id, user_id, redirect_uri,
      auth_time, expires_at)
    values (${projectId}, ${bytes()}, 'cid_x', ${user}, 'https://app.example/callback', now(),
      now() + interval '60 seconds')`;
}

/** What is left of each kind, counted as the owner sees it. */
async function left(sql: Sql, projectId: string, user: string) {
  const [row] = await sql`select
    (select password_hash is not null from astapa.users where project_id = ${projectId} and id = ${user}) as password,
    (select email from astapa.users where project_id = ${projectId} and id = ${user}) as email,
    (select email_verified from astapa.users where project_id = ${projectId} and id = ${user}) as email_verified,
    (select phone_number from astapa.users where project_id = ${projectId} and id = ${user}) as phone_number,
    (select phone_number_verified from astapa.users where project_id = ${projectId} and id = ${user}) as phone_verified,
    (select count(*)::int from astapa.passkeys where project_id = ${projectId} and user_id = ${user}) as passkeys,
    (select count(*)::int from astapa.user_factors where project_id = ${projectId} and user_id = ${user}) as factors,
    (select count(*)::int from astapa.recovery_codes where project_id = ${projectId} and user_id = ${user})
      as recovery_codes,
    (select count(*)::int from astapa.identities where project_id = ${projectId} and user_id = ${user}) as identities,
    (select count(*)::int from astapa.consents where project_id = ${projectId} and user_id = ${user}) as consents,
    (select count(*)::int from astapa.login_sessions where project_id = ${projectId} and user_id = ${user}
      and ended_at is null) as sessions,
    (select count(*)::int from astapa.refresh_tokens where project_id = ${projectId} and user_id = ${user}
      and revoked_at is null) as refresh_tokens,
    (select count(*)::int from astapa.email_tokens where project_id = ${projectId} and user_id = ${user}
      and used_at is null) as email_tokens,
    (select count(*)::int from astapa.mfa_challenges where project_id = ${projectId} and user_id = ${user}
      and used_at is null) as challenges,
    (select count(*)::int from astapa.email_changes where project_id = ${projectId} and user_id = ${user})
      as email_changes,
    (select count(*)::int from astapa.authorization_codes where project_id = ${projectId} and user_id = ${user}
      and redeemed_at is null) as authorization_codes`;
  return { ...row };
}

function claim(projectId: string, user: string, proven: string, actingFor = projectId) {
  return asApp(db.sql, actingFor, async (tx) => {
    const [row] = await tx`select astapa.claim_unproven_account(${projectId}, ${user}, ${proven}) as result`;
    return row.result as Record<string, number> | null;
  });
}

const nothingLeft = {
  password: false,
  passkeys: 0,
  factors: 0,
  recovery_codes: 0,
  identities: 0,
  consents: 0,
  sessions: 0,
  refresh_tokens: 0,
  email_tokens: 0,
  challenges: 0,
  email_changes: 0,
  authorization_codes: 0,
};

Deno.test("astapa.claim_unproven_account — email: every way in another person set up goes, counted in the audit", async () => {
  const victim = await seedUser(db.sql, project.id, "claim-victim@example.com");
  await setUpEverything(db.sql, project.id, victim, "+6281200000001", 10);
  // Another user of the project and a user of another project, set up the same way, are left alone.
  const neighbour = await seedUser(db.sql, project.id, "claim-neighbour@example.com");
  await setUpEverything(db.sql, project.id, neighbour, "+6281200000002", 20);
  const stranger = await seedUser(db.sql, other.id, "claim-victim@example.com");
  await setUpEverything(db.sql, other.id, stranger, "+6281200000001", 30);
  const before = {
    neighbour: await left(db.sql, project.id, neighbour),
    stranger: await left(db.sql, other.id, stranger),
  };

  const [{ last }] = await db.sql`select coalesce(max(id), 0) as last from astapa.events`;
  const removed = await claim(project.id, victim, "email");
  assert.deepEqual(removed, {
    password: 1,
    passkeys: 2,
    factors: 1,
    recovery_codes: 3,
    identities: 1,
    consents: 1,
    payment_methods: 0,
    organizations: 0,
    invitations: 0,
    sessions: 2,
    refresh_tokens: 1,
    authorization_codes: 1,
    device_authorizations: 0,
    email_changes: 1,
    mfa_challenges: 1,
    impersonation_links: 0,
    phone_number: 1,
  });
  assert.deepEqual(await left(db.sql, project.id, victim), {
    ...nothingLeft,
    email: "claim-victim@example.com",
    email_verified: true,
    phone_number: null,
    phone_verified: false,
  });
  assert.deepEqual(await left(db.sql, project.id, neighbour), before.neighbour);
  assert.deepEqual(await left(db.sql, other.id, stranger), before.stranger);
  const audit = await db.sql`select action, details from astapa.audit_log where project_id = ${project.id}
    and target = ${`user:${victim}`} order by id`;
  const claimed = audit.filter((a) => a.action === "user.claimed");
  assert.equal(claimed.length, 1);
  assert.deepEqual(claimed[0].details, { proven: "email", removed });
  // The removals that tell the app on their own do so here too, and the changes to the user's row.
  assert.equal(audit.filter((a) => a.action === "user.passkey_removed").length, 2);
  assert.ok(audit.some((a) => a.action === "user.mfa_removed"));
  const events = await db.sql`select type, data -> 'previous' as previous from astapa.events
    where project_id = ${project.id} and id > ${last} and data -> 'user' ->> 'id' = ${victim} order by id`;
  assert.deepEqual(events.map((e) => e.type).sort(), [
    "user.mfa_removed",
    "user.passkey_removed",
    "user.passkey_removed",
    "user.updated",
    "user.updated",
  ]);
  // The app hears the address proven and the number someone else attached removed (user.updated's previous).
  assert.deepEqual(events.filter((e) => e.type === "user.updated").map((e) => e.previous), [
    { email_verified: false },
    { phone_number: "+6281200000001" },
  ]);

  assert.equal(await claim(project.id, victim, "email"), null, "a second claim finds the address proven");
  const [again] = await db
    .sql`select count(*)::int as n from astapa.audit_log where project_id = ${project.id}
    and target = ${`user:${victim}`} and action = 'user.claimed'`;
  assert.equal(again.n, 1);
});

/** An organization of the project with its members ([user, role]); its id. */
async function organization(slug: string, members: [string, string][]): Promise<string> {
  return await asApp(db.sql, project.id, async (tx) => {
    const [row] = await tx`select api.create_organization(${slug}, ${slug}) ->> 'id' as id`;
    for (const [user, role] of members) {
      await tx`select api.add_organization_member(${row.id}, ${user}, ${role})`;
    }
    return row.id as string;
  });
}

/** An open invitation to `email`, sent by `by` (null: by the app). */
function invite(org: string, email: string, by: string | null) {
  return asApp(db.sql, project.id, async (tx) => {
    const [row] =
      await tx`select api.invite_to_organization(${org}, ${email}, 'member', ${bytes()}, 3600, ${by})
      ->> 'id' as id`;
    return row.id as string;
  });
}

/** Each organization's members as [user, role], by organization. */
async function members(orgs: string[]) {
  const rows = await db.sql`select organization_id, user_id::text, role from astapa.organization_memberships
    where project_id = ${project.id} and organization_id = any(${orgs}) order by organization_id, user_id`;
  return Object.fromEntries(
    orgs.map((org) => [org, rows.filter((r) => r.organization_id === org).map((r) => [r.user_id, r.role])]),
  );
}

Deno.test("astapa.claim_unproven_account — every organization membership goes (member, admin, sole and last owner); the organizations and everyone else stay", async () => {
  const victim = await seedUser(db.sql, project.id, "claim-orgs@example.com");
  const boss = await seedUser(db.sql, project.id, "claim-orgs-boss@example.com", { verified: true });
  const colleague = await seedUser(db.sql, project.id, "claim-orgs-colleague@example.com", {
    verified: true,
  });
  const orgs = {
    member: await organization("claim-member", [[boss, "owner"], [victim, "member"]]),
    admin: await organization("claim-admin", [[boss, "owner"], [victim, "admin"]]),
    sole: await organization("claim-sole", [[victim, "owner"]]),
    last: await organization("claim-last", [[victim, "owner"], [colleague, "member"]]),
    coOwned: await organization("claim-co", [[victim, "owner"], [boss, "owner"]]),
    untouched: await organization("claim-untouched", [[boss, "owner"], [colleague, "admin"]]),
  };
  // What the account sent as an admin goes when still open; the app's and the boss's invitations stay, and so
  // does one to the account's own address (accepting it needs the address proven, which it now is).
  const sent = await invite(orgs.admin, "claim-orgs-friend@example.com", victim);
  const byBoss = await invite(orgs.admin, "claim-orgs-other@example.com", boss);
  const toTheAddress = await invite(orgs.untouched, "claim-orgs@example.com", null);
  const membersBefore = await members(Object.values(orgs));

  const removed = await claim(project.id, victim, "email");
  assert.equal(removed?.organizations, 5);
  assert.equal(removed?.invitations, 1);

  assert.deepEqual(await members(Object.values(orgs)), {
    [orgs.member]: [[boss, "owner"]],
    [orgs.admin]: [[boss, "owner"]],
    [orgs.sole]: [],
    [orgs.last]: [[colleague, "member"]],
    [orgs.coOwned]: [[boss, "owner"]],
    [orgs.untouched]: membersBefore[orgs.untouched],
  });
  const [kept] = await db.sql`select count(*)::int as n from astapa.organizations
    where project_id = ${project.id} and id = any(${Object.values(orgs)})`;
  assert.equal(kept.n, 6, "no organization is deleted: one may be the person's own, with its plan and data");
  const statuses = await db
    .sql`select id, revoked_at is not null as revoked from astapa.organization_invitations
    where project_id = ${project.id} and id = any(${[sent, byBoss, toTheAddress]})`;
  assert.deepEqual(Object.fromEntries(statuses.map((r) => [r.id, r.revoked])), {
    [sent]: true,
    [byBoss]: false,
    [toTheAddress]: false,
  });

  // The app hears each removal as it hears an admin's, with the reason; the audit log has each too.
  const events = await db.sql`select data -> 'membership' ->> 'organization_id' as org,
      data -> 'membership' ->> 'role' as role, data ->> 'reason' as reason
    from astapa.events where project_id = ${project.id} and type = 'membership.deleted'
      and data -> 'membership' ->> 'user_id' = ${victim} order by org`;
  const expected = [
    [orgs.member, "member"],
    [orgs.admin, "admin"],
    [orgs.sole, "owner"],
    [orgs.last, "owner"],
    [orgs.coOwned, "owner"],
  ].sort((a, b) => a[0].localeCompare(b[0]));
  assert.deepEqual(events.map((e) => [e.org, e.role, e.reason]), expected.map(([o, r]) => [o, r, "claimed"]));
  const audit = await db.sql`select action, target, details from astapa.audit_log
    where project_id = ${project.id} and (target = any(${
    Object.values(orgs)
  }) or target = ${`user:${victim}`})
      and action in ('membership.deleted', 'organization.owner_removed_by_claim', 'organization.invitation_revoked',
                     'user.claimed')
    order by id`;
  const removals = audit.filter((a) => a.action === "membership.deleted");
  assert.deepEqual(
    removals.map((a) => [a.target, a.details.role, a.details.reason, a.details.user_id]).sort(),
    expected.map(([o, r]) => [o, r, "claimed", victim]).sort(),
  );
  // Left without an owner, the organization is said so for the project's admins; one with another owner is not.
  assert.deepEqual(
    audit.filter((a) => a.action === "organization.owner_removed_by_claim")
      .map((a) => [a.target, a.details.members]).sort(),
    [[orgs.last, 1], [orgs.sole, 0]].sort(),
  );
  assert.deepEqual(
    audit.filter((a) => a.action === "organization.invitation_revoked").map((a) => [a.target, a.details]),
    [[orgs.admin, { invitation: sent, email: "claim-orgs-friend@example.com", reason: "claimed" }]],
  );
  assert.deepEqual(audit.filter((a) => a.action === "user.claimed").map((a) => a.details.removed), [removed]);

  // The person who proved the address is in none of them, and no departure keeps them out of their own domain's.
  const mine = await appValue<{ memberships: unknown[] }>(
    db.sql,
    project.id,
    (tx) => tx`select api.user_organizations(${victim})`,
  );
  assert.deepEqual(mine.memberships, []);
  assert.equal(
    await appValue(db.sql, project.id, (tx) => tx`select api.organization_claims(${victim}, ${orgs.admin})`),
    null,
  );
  const [departures] = await db.sql`select count(*)::int as n from astapa.organization_departures
    where project_id = ${project.id} and user_id = ${victim}`;
  assert.equal(departures.n, 0);
  // The ownerless organization is the project's to mend: a member can be made its owner as usual.
  await asApp(
    db.sql,
    project.id,
    (tx) => tx`select api.set_organization_member_role(${orgs.last}, ${colleague}, 'owner')`,
  );
  assert.deepEqual((await members([orgs.last]))[orgs.last], [[colleague, "owner"]]);
  // The proven account is bound by the last-owner rule again: only the claim bypasses it.
  await asApp(
    db.sql,
    project.id,
    (tx) => tx`select api.add_organization_member(${orgs.sole}, ${victim}, 'owner')`,
  );
  await rejectsAs(
    asApp(db.sql, project.id, (tx) => tx`select api.remove_organization_member(${orgs.sole}, ${victim})`),
    "conflict",
    /keeps at least one owner/,
  );
});

Deno.test("astapa.remove_claimed_memberships — only inside the acting project", async () => {
  const user = await seedUser(db.sql, project.id, "claim-orgs-guard@example.com");
  await rejectsAs(
    asApp(db.sql, other.id, (tx) => tx`select astapa.remove_claimed_memberships(${project.id}, ${user})`),
    "forbidden",
  );
  // Another project's user is invisible to it: nothing to remove.
  assert.deepEqual(
    await appValue(
      db.sql,
      other.id,
      (tx) => tx`select astapa.remove_claimed_memberships(${other.id}, ${user})`,
    ),
    { organizations: 0, invitations: 0 },
  );
});

Deno.test("astapa.claim_unproven_account — phone: an unverified email goes; beside a verified one it is refused", async () => {
  const numberOnly = await seedUser(db.sql, project.id, "claim-phone@example.com");
  await setUpEverything(db.sql, project.id, numberOnly, "+6281200000011", 40);
  const removed = await claim(project.id, numberOnly, "phone");
  assert.equal(removed?.email, 1);
  assert.equal(removed?.passkeys, 2);
  assert.deepEqual(await left(db.sql, project.id, numberOnly), {
    ...nothingLeft,
    email: null,
    email_verified: false,
    phone_number: "+6281200000011",
    phone_verified: true,
  });

  // A verified email's owner owns the account: a number attached unverified beside it is not a way in
  // (astapa.proof_signs_in), so proving it claims nothing and takes nothing away.
  const proven = await seedUser(db.sql, project.id, "claim-proven@example.com", { verified: true });
  await setUpEverything(db.sql, project.id, proven, "+6281200000012", 50);
  const before = await left(db.sql, project.id, proven);
  await rejectsAs(claim(project.id, proven, "phone"), "account_changed_during_sign_in", /Sign in again/);
  assert.deepEqual(await left(db.sql, project.id, proven), before);
  assert.equal(before.password, true);
  assert.equal(before.phone_verified, false);
});

Deno.test("astapa.claim_unproven_account — an account that had proven it changes nothing", async () => {
  const owner = await seedUser(db.sql, project.id, "claim-owner@example.com", { verified: true });
  await setUpEverything(db.sql, project.id, owner, "+6281200000021", 60);
  const before = await left(db.sql, project.id, owner);
  assert.equal(await claim(project.id, owner, "email"), null);
  assert.deepEqual(await left(db.sql, project.id, owner), before);
  // An account without a phone number has none to prove.
  assert.equal(
    await claim(project.id, await seedUser(db.sql, project.id, "claim-nophone@example.com"), "phone"),
    null,
  );
});

Deno.test("astapa.claim_unproven_account — only for the acting project; email or phone", async () => {
  const user = await seedUser(db.sql, project.id, "claim-guard@example.com");
  await rejectsAs(claim(project.id, user, "email", other.id), "forbidden");
  await rejectsAs(claim(project.id, user, "password"), "validation_failed");
  // Row security hides the user from another project even when it names itself.
  assert.equal(await claim(other.id, user, "email"), null);
  const [row] = await db.sql`select email_verified from astapa.users where id = ${user}`;
  assert.equal(row.email_verified, false);
});

Deno.test("api.reset_password — an unverified account's passkeys, factors and identities go; a verified one keeps them", async () => {
  const victim = await seedUser(db.sql, project.id, "claim-reset@example.com");
  await setUpEverything(db.sql, project.id, victim, "+6281200000031", 70);
  const owner = await seedUser(db.sql, project.id, "claim-reset-owner@example.com", { verified: true });
  await setUpEverything(db.sql, project.id, owner, "+6281200000032", 80);
  const hash = "$argon2id$v=19$m=19456,t=2,p=1$bmV3$bmV3";
  for (const user of [victim, owner]) {
    const token = await sha256(`reset-${user}`);
    await asApp(db.sql, project.id, async (tx) => {
      await tx`select api.issue_email_token(${user}, 'reset_password', ${token})`;
      await tx`select api.reset_password(${token}, ${hash})`;
    });
  }
  assert.deepEqual(await left(db.sql, project.id, victim), {
    ...nothingLeft,
    password: true,
    email: "claim-reset@example.com",
    email_verified: true,
    phone_number: null,
    phone_verified: false,
  });
  const kept = await left(db.sql, project.id, owner);
  assert.deepEqual([kept.passkeys, kept.factors, kept.identities, kept.consents, kept.phone_number], [
    2,
    1,
    1,
    1,
    "+6281200000032",
  ]);
  assert.deepEqual(
    [kept.sessions, kept.refresh_tokens, kept.authorization_codes],
    [0, 0, 0],
    "a reset signs everyone out, as before, and voids codes not yet redeemed",
  );
});

Deno.test("api.prove_passkey_sign_up — proving the mailbox of an existing unverified account claims it", async () => {
  const passkeysOnly = await seedProject(db.sql, { settings: { passwords: false, passkeys: true } });
  const user = await seedUser(db.sql, passkeysOnly.id, "claim-passkey@example.com");
  await db.sql`update astapa.users set password_hash = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA'
    where project_id = ${passkeysOnly.id} and id = ${user}`;
  await db.sql`insert into astapa.identities (project_id, provider, subject, user_id, email)
    values (${passkeysOnly.id}, 'google', 'g-claim', ${user}, 'claim-passkey@example.com')`;
  const mail = { kind: "passkey_sign_up", subject: "Your code", body: "123456", html: "<p>123456</p>" };
  const hashes = { token: await sha256("claim-t"), code: await sha256("424242") };
  assert.equal(
    await mailPasskeySignUpCode(db.sql, passkeysOnly.id, "claim-passkey@example.com", hashes, mail),
    true,
  );
  assert.deepEqual(
    await provePasskeySignUp(
      db.sql,
      passkeysOnly.id,
      hashes.token,
      hashes.code,
      claimNotice("en", "App", "passkey_sign_up"),
    ),
    {
      user_id: user,
    },
  );
  const after = await left(db.sql, passkeysOnly.id, user);
  assert.deepEqual([after.email_verified, after.password, after.identities], [true, false, 0]);
});
