/**
 * SQL tests for joining organizations (db/api/organization_invitations.sql, issue 28 item 1): invitations and
 * their acceptance (only by a proven address, seat limit, expiry, another project's link, two acceptances into
 * the last seat), verified domains (claimed twice, joining by domain per the project's setting), a person's own
 * organizations and the active organization's claims.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";
import { lockRace } from "../helpers/lock_race.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

type Json = Record<string, unknown>;
const a = await seedProject(db.sql, { name: "A" });
const b = await seedProject(db.sql, { name: "B" });

const call = <T = Json>(
  project: string,
  query: (tx: Tx) => PromiseLike<readonly Record<string, unknown>[]>,
) => appValue<T>(db.sql, project, query);
const hash = (token: string) =>
  crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)).then((d) => new Uint8Array(d));
const count = (project: string, table: string, where: string) =>
  appValue<number>(
    db.sql,
    project,
    (tx) => tx.unsafe(`select count(*)::int from astapa.${table} where ${where}`),
  );

async function organization(project: string, slug: string, owner: string | null = null, seats?: number) {
  const org = await call(project, (tx) => tx`select api.create_organization(${slug}, ${slug}, ${owner})`);
  if (seats) {
    await db.sql`update astapa.organizations set seat_limit = ${seats} where id = ${org.id as string}`;
  }
  return org.id as string;
}

async function invite(
  project: string,
  org: string,
  email: string,
  token: string,
  role = "member",
  ttl = 604800,
) {
  const tokenHash = await hash(token);
  return call(
    project,
    (tx) => tx`select api.invite_to_organization(${org}, ${email}, ${role}, ${tokenHash}, ${ttl})`,
  );
}

async function accept(project: string, token: string, user: string) {
  const tokenHash = await hash(token);
  return asApp(
    db.sql,
    project,
    (tx) => tx`select api.accept_organization_invitation(${tokenHash}, ${user}) as m`,
  )
    .then(([row]) => row.m as Json);
}

Deno.test("api.invite_to_organization / accept — the invited address, once proven, joins with the role; mail queued; audited", async () => {
  const owner = await seedUser(db.sql, a.id, "boss@inv.example");
  const org = await organization(a.id, "inv", owner);
  const tokenHash = await hash("first");
  const mail = {
    to: "new@inv.example",
    template: "organization_invitation",
    subject: "Join inv",
    text: "Open the link",
  };
  const invitation = await call(
    a.id,
    (tx) =>
      tx`select api.invite_to_organization(${org}, 'New@inv.example', 'admin', ${tokenHash}, 3600, ${owner},
                                         ${tx.json(mail)}, 'https://app.example/join')`,
  );
  assert.match(invitation.id as string, /^oin_/);
  assert.equal(invitation.status, "pending");
  assert.equal(
    await count(a.id, "mail_outbox", `to_address = 'new@inv.example' and kind = 'organization_invitation'`),
    1,
  );
  const seen = await call(a.id, (tx) => tx`select api.organization_invitation(${tokenHash})`);
  assert.equal(seen.organization_name, "inv");
  assert.equal(await call(b.id, (tx) => tx`select api.organization_invitation(${tokenHash})`), null);
  // Anyone may sign up with the address, and the token is no proof of the mailbox (the app gets it back, an
  // admin may copy the link): an account whose address nobody proved is refused, and nothing changes.
  const user = await seedUser(db.sql, a.id, "new@inv.example");
  await rejectsAs(accept(a.id, "first", user), "email_unverified", /^Confirm new@inv\.example first/i);
  assert.equal(
    await count(a.id, "users", `id = ${user} and email_verified`),
    0,
    "accepting verifies nothing",
  );
  assert.equal(await count(a.id, "organization_memberships", `organization_id = '${org}'`), 1);
  assert.equal(seen.status, "pending");
  assert.equal(
    (await call(a.id, (tx) => tx`select api.organization_invitation(${tokenHash})`)).status,
    "pending",
  );
  // Proven (a confirmation link, an email code), the same account accepts it.
  await db.sql`update astapa.users set email_verified = true where id = ${user}`;
  const membership = await accept(a.id, "first", user);
  assert.equal(membership.role, "admin");
  const listed = await call<Json[]>(a.id, (tx) => tx`select api.list_organization_invitations(${org})`);
  assert.deepEqual(listed.map((i) => [i.status, i.accepted_by]), [["accepted", user]]);
  await rejectsAs(accept(a.id, "first", user), "conflict", /already accepted/);
  assert.equal(await count(a.id, "audit_log", `action = 'organization.invited'`), 1);
  assert.equal(
    await count(a.id, "events", `type = 'membership.created' and data ->> 'reason' = 'invitation'`),
    1,
  );
});

async function offer(project: string, token: string, user: string) {
  const tokenHash = await hash(token);
  return call(project, (tx) => tx`select api.organization_invitation_offer(${tokenHash}, ${user})`);
}

Deno.test("api.organization_invitation_offer — what the sign-in asks before joining; accepts nothing; refuses as accepting would", async () => {
  const owner = await seedUser(db.sql, a.id, "boss@offer.example");
  const org = await organization(a.id, "offer", owner);
  const tokenHash = await hash("offer-1");
  await call(
    a.id,
    (tx) =>
      tx`select api.invite_to_organization(${org}, 'ana@offer.example', 'admin', ${tokenHash}, 3600, ${owner})`,
  );
  const ana = await seedUser(db.sql, a.id, "ana@offer.example", { verified: true });
  assert.deepEqual({ ...(await offer(a.id, "offer-1", ana)), invitation_id: "…" }, {
    invitation_id: "…",
    organization_id: org,
    organization_name: "offer",
    role: "admin",
    invited_by_email: "boss@offer.example",
  });
  assert.equal(
    await count(a.id, "organization_memberships", `organization_id = '${org}'`),
    1,
    "nobody joined",
  );
  assert.equal(
    (await call(a.id, (tx) => tx`select api.organization_invitation(${tokenHash})`)).status,
    "pending",
  );
  // Invited by the app (no inviter named): no inviter shown.
  await invite(a.id, org, "budi@offer.example", "offer-2");
  const budi = await seedUser(db.sql, a.id, "budi@offer.example", { verified: true });
  assert.equal((await offer(a.id, "offer-2", budi)).invited_by_email, null);
  // Each refusal of api.accept_organization_invitation, before anything is asked.
  await rejectsAs(offer(a.id, "never-issued", ana), "not_found", /not one of this app/);
  await rejectsAs(offer(b.id, "offer-1", await seedUser(db.sql, b.id, "ana@offer.example")), "not_found");
  await rejectsAs(offer(a.id, "offer-1", budi), "forbidden", /for ana@offer\.example/);
  const cici = await seedUser(db.sql, a.id, "cici@offer.example");
  await invite(a.id, org, "cici@offer.example", "offer-3");
  await rejectsAs(offer(a.id, "offer-3", cici), "email_unverified", /^Confirm cici@offer\.example first/);
  await db.sql`update astapa.users set email_verified = true where id = ${cici}`;
  await call(a.id, (tx) => tx`select api.add_organization_member(${org}, ${cici})`);
  await rejectsAs(offer(a.id, "offer-3", cici), "conflict", /already a member/);
  // The plan shrank since: the members fill its 3 seats (owner, cici and ana once she accepts).
  await db.sql`update astapa.organizations set seat_limit = 3 where id = ${org}`;
  await accept(a.id, "offer-1", ana);
  await rejectsAs(offer(a.id, "offer-1", ana), "conflict", /already accepted/);
  await rejectsAs(offer(a.id, "offer-2", budi), "organization_full", /all of its 3 seats taken/);
  await rejectsAs(accept(a.id, "offer-2", budi), "organization_full", /all of its 3 seats taken/);
});

Deno.test("api.invite_to_organization — bad input, members, non-admin inviters, re-inviting replaces the open one", async () => {
  const owner = await seedUser(db.sql, a.id, "boss@re.example");
  const plain = await seedUser(db.sql, a.id, "plain@re.example");
  const org = await organization(a.id, "re", owner);
  await call(a.id, (tx) => tx`select api.add_organization_member(${org}, ${plain})`);
  await rejectsAs(invite(a.id, org, "not-an-address", "x1"), "validation_failed", /email/);
  await rejectsAs(invite(a.id, org, "x@re.example", "x2", "wizard"), "validation_failed", /wizard/);
  await rejectsAs(invite(a.id, org, "x@re.example", "x3", "member", 10), "validation_failed", /1 minute/);
  await rejectsAs(invite(a.id, org, "PLAIN@re.example", "x4"), "conflict", /already a member/);
  await rejectsAs(invite(a.id, "org_aaaaaaaaaaaaaaaaaaaaaaaa", "x@re.example", "x5"), "not_found");
  const tokenHash = await hash("x6");
  await rejectsAs(
    asApp(
      db.sql,
      a.id,
      (tx) =>
        tx`select api.invite_to_organization(${org}, 'x@re.example', 'member', ${tokenHash}, 3600, ${plain})`,
    ),
    "forbidden",
    /owners and admins/,
  );
  await invite(a.id, org, "again@re.example", "old");
  await invite(a.id, org, "Again@re.example", "new", "admin");
  const statuses = await call<Json[]>(a.id, (tx) => tx`select api.list_organization_invitations(${org})`);
  assert.deepEqual(statuses.map((i) => [i.role, i.status]), [["admin", "pending"], ["member", "revoked"]]);
  const again = await seedUser(db.sql, a.id, "again@re.example");
  await rejectsAs(accept(a.id, "old", again), "conflict", /withdrawn/);
  const revoked = await call(
    a.id,
    (tx) => tx`select api.revoke_organization_invitation(${statuses[0].id as string})`,
  );
  assert.equal(revoked.status, "revoked");
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select api.revoke_organization_invitation(${statuses[0].id as string})`),
    "not_found",
  );
  assert.equal(await count(a.id, "audit_log", `action = 'organization.invitation_revoked'`), 1);
});

Deno.test("api.accept_organization_invitation — another address, expired, unknown or another project's link: refused", async () => {
  const owner = await seedUser(db.sql, a.id, "boss@acc.example");
  const org = await organization(a.id, "acc", owner);
  await invite(a.id, org, "invited@acc.example", "acc-1");
  const someoneElse = await seedUser(db.sql, a.id, "else@acc.example");
  await rejectsAs(accept(a.id, "acc-1", someoneElse), "forbidden", /invited@acc\.example/);
  const inB = await seedUser(db.sql, b.id, "invited@acc.example");
  await rejectsAs(accept(b.id, "acc-1", inB), "not_found", /not one of this app/);
  await rejectsAs(accept(a.id, "never-issued", someoneElse), "not_found");
  await invite(a.id, org, "late@acc.example", "acc-2", "member", 60);
  await db.sql`update astapa.organization_invitations set expires_at = now() - interval '1 second'
               where lower(email) = 'late@acc.example'`;
  const late = await seedUser(db.sql, a.id, "late@acc.example");
  await rejectsAs(accept(a.id, "acc-2", late), "conflict", /expired/);
  assert.equal(await count(a.id, "organization_memberships", `organization_id = '${org}'`), 1);
});

Deno.test("seats — inviting past the seat limit (members and open invitations) is refused with a clear message", async () => {
  const owner = await seedUser(db.sql, a.id, "boss@seats.example");
  const org = await organization(a.id, "seats", owner, 2);
  await invite(a.id, org, "one@seats.example", "seat-1");
  await rejectsAs(
    invite(a.id, org, "two@seats.example", "seat-2"),
    "organization_full",
    /all of its 2 seats taken/,
  );
  const list = await call<Json[]>(a.id, (tx) => tx`select api.list_organization_invitations(${org})`);
  await call(a.id, (tx) => tx`select api.revoke_organization_invitation(${list[0].id as string})`);
  await invite(a.id, org, "two@seats.example", "seat-2");
});

Deno.test("seats — two invitations accepted into the last seat at once: one joins, the other is told the seats are taken", async () => {
  const owner = await seedUser(db.sql, a.id, "boss@race.example");
  const org = await organization(a.id, "race", owner);
  await invite(a.id, org, "r1@race.example", "race-1");
  await invite(a.id, org, "r2@race.example", "race-2");
  await db.sql`update astapa.organizations set seat_limit = 2 where id = ${org}`; // the plan shrank since
  const r1 = await seedUser(db.sql, a.id, "r1@race.example", { verified: true });
  const r2 = await seedUser(db.sql, a.id, "r2@race.example", { verified: true });
  const [h1, h2] = [await hash("race-1"), await hash("race-2")];
  const [first, second] = await lockRace(
    db.sql,
    a.id,
    (tx) => tx`select api.accept_organization_invitation(${h1}, ${r1})`,
    () => asApp(db.sql, a.id, (tx) => tx`select api.accept_organization_invitation(${h2}, ${r2})`),
  );
  assert.equal(first.status, "fulfilled");
  assert.equal(second.status, "rejected");
  if (second.status === "rejected") {
    await rejectsAs(Promise.reject(second.reason), "organization_full", /seats taken/);
  }
  assert.equal(await count(a.id, "organization_memberships", `organization_id = '${org}'`), 2);
  const statuses = await call<Json[]>(a.id, (tx) => tx`select api.list_organization_invitations(${org})`);
  assert.deepEqual(statuses.map((i) => i.status).sort(), ["accepted", "pending"]);
});

Deno.test("domains — add, verify, remove; another organization cannot verify a domain one already has", async () => {
  const org = await organization(a.id, "dom");
  const rival = await organization(a.id, "dom-rival");
  const added = await call(a.id, (tx) => tx`select api.add_organization_domain(${org}, ' Dom.Example ')`);
  assert.equal(added.domain, "dom.example");
  assert.equal(added.verified, false);
  assert.match(added.verification_token as string, /^astapa-domain-verification=[a-z2-7]{30}$/);
  const again = await call(a.id, (tx) => tx`select api.add_organization_domain(${org}, 'dom.example')`);
  assert.equal(again.verification_token, added.verification_token);
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select api.add_organization_domain(${org}, 'not a domain')`),
    "validation_failed",
  );
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select api.verify_organization_domain(${org}, 'other.example')`),
    "not_found",
  );
  assert.equal(
    (await call(a.id, (tx) => tx`select api.verify_organization_domain(${org}, 'dom.example')`)).verified,
    true,
  );
  await call(a.id, (tx) => tx`select api.add_organization_domain(${rival}, 'dom.example')`);
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select api.verify_organization_domain(${rival}, 'dom.example')`),
    "conflict",
    /another organization/,
  );
  // Another project's organization may verify the same domain: projects are separate user pools.
  const inB = await organization(b.id, "dom");
  await call(b.id, (tx) => tx`select api.add_organization_domain(${inB}, 'dom.example')`);
  assert.equal(
    (await call(b.id, (tx) => tx`select api.verify_organization_domain(${inB}, 'dom.example')`)).verified,
    true,
  );
  await call(a.id, (tx) => tx`select api.remove_organization_domain(${org}, 'dom.example')`);
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select api.remove_organization_domain(${org}, 'dom.example')`),
    "not_found",
  );
  assert.equal(await count(a.id, "audit_log", `action like 'organization.domain_%'`), 5);
});

Deno.test("domains — two organizations verifying one domain at once: the first keeps it, the second gets a conflict", async () => {
  const one = await organization(a.id, "claim-one");
  const two = await organization(a.id, "claim-two");
  for (const org of [one, two]) {
    await call(a.id, (tx) => tx`select api.add_organization_domain(${org}, 'claimed.example')`);
  }
  const [first, second] = await lockRace(
    db.sql,
    a.id,
    (tx) => tx`select api.verify_organization_domain(${one}, 'claimed.example')`,
    () => asApp(db.sql, a.id, (tx) => tx`select api.verify_organization_domain(${two}, 'claimed.example')`),
  );
  assert.equal(first.status, "fulfilled");
  assert.equal(second.status, "rejected");
  if (second.status === "rejected") {
    await rejectsAs(Promise.reject(second.reason), "conflict", /another organization/);
  }
  assert.equal(
    await count(a.id, "organization_domains", `domain = 'claimed.example' and verified_at is not null`),
    1,
  );
});

Deno.test("domains — joining by a verified domain follows organization_domain_join: off, suggest, automatic", async () => {
  const setting = (value: string | null) =>
    db.sql`update astapa.projects set settings = settings || jsonb_build_object('organization_domain_join', ${value}::text)
           where id = ${a.id}`;
  const org = await organization(a.id, "joinable", null, 2);
  await call(a.id, (tx) => tx`select api.add_organization_domain(${org}, 'joinable.example')`);
  await call(a.id, (tx) => tx`select api.verify_organization_domain(${org}, 'joinable.example')`);
  const person = await seedUser(db.sql, a.id, "person@joinable.example", { verified: true });
  const unverified = await seedUser(db.sql, a.id, "unverified@joinable.example");
  const organizations = (user: string) => call(a.id, (tx) => tx`select api.user_organizations(${user})`);
  const join = (user: string) =>
    asApp(db.sql, a.id, (tx) => tx`select api.join_organization_by_domain(${org}, ${user})`);
  await setting(null);
  assert.deepEqual(await organizations(person), { memberships: [], joinable: [] });
  await rejectsAs(join(person), "forbidden", /verified address at a verified domain/);
  await setting("suggest");
  assert.deepEqual((await organizations(person)).joinable, [{ id: org, name: "joinable", slug: "joinable" }]);
  assert.deepEqual((await organizations(unverified)).joinable, []);
  await rejectsAs(join(unverified), "forbidden");
  assert.equal((await join(person))[0].join_organization_by_domain.role, "member");
  assert.deepEqual((await organizations(person)).joinable, []);
  await setting("automatic");
  const third = await seedUser(db.sql, a.id, "third@joinable.example", { verified: true });
  const mine = await organizations(third);
  assert.deepEqual(
    (mine.memberships as Json[]).map((m) => [m.organization_id, m.role, m.organization_name]),
    [
      [org, "member", "joinable"],
    ],
  );
  // Full (2 seats): the next one is offered the organization, not joined.
  const fourth = await seedUser(db.sql, a.id, "fourth@joinable.example", { verified: true });
  const offered = await organizations(fourth);
  assert.deepEqual(offered.memberships, []);
  assert.equal((offered.joinable as Json[]).length, 1);
  await setting(null);
});

Deno.test("api.organization_claims / astapa.organization_grant — the member's org claims; nothing once removed or without an org", async () => {
  await call(a.id, (tx) => tx`select api.set_organization_role('auditor', 'Auditor', '{reports:read}')`);
  const owner = await seedUser(db.sql, a.id, "boss@claims.example");
  const member = await seedUser(db.sql, a.id, "m@claims.example");
  const org = await organization(a.id, "claims", owner);
  await call(a.id, (tx) => tx`select api.add_organization_member(${org}, ${member}, 'auditor')`);
  assert.deepEqual(await call(a.id, (tx) => tx`select api.organization_claims(${member}, ${org})`), {
    org_id: org,
    org_slug: "claims",
    org_role: "auditor",
    org_permissions: ["reports:read"],
  });
  assert.equal(await call(b.id, (tx) => tx`select api.organization_claims(${member}, ${org})`), null);
  assert.deepEqual(await call(a.id, (tx) => tx`select astapa.organization_grant(${member}, ${org})`), {
    organization: { org_id: org, org_slug: "claims", org_role: "auditor", org_permissions: ["reports:read"] },
    organization_custom_claims: {},
  });
  assert.deepEqual(await call(a.id, (tx) => tx`select astapa.organization_grant(${member}, null)`), {});
  assert.deepEqual(await call(b.id, (tx) => tx`select astapa.organization_grant(${member}, ${org})`), {});
  const mine = await call(a.id, (tx) => tx`select api.user_organizations(${member})`);
  assert.deepEqual((mine.memberships as Json[]).map((m) => m.organization_slug), ["claims"]);
  await call(a.id, (tx) => tx`select api.remove_organization_member(${org}, ${member})`);
  assert.equal(await call(a.id, (tx) => tx`select api.organization_claims(${member}, ${org})`), null);
  assert.deepEqual((await call(a.id, (tx) => tx`select api.user_organizations(${member})`)).memberships, []);
  assert.deepEqual(await call(a.id, (tx) => tx`select astapa.organization_grant(${member}, ${org})`), {});
});

Deno.test("api.invite_to_organization — a mailed invitation links only to the app: an origin of a project redirect URI", async () => {
  const owner = await seedUser(db.sql, a.id, "boss@link.example");
  const org = await organization(a.id, "link", owner);
  const mail = {
    to: "x@link.example",
    template: "organization_invitation",
    subject: "Join",
    text: "Open it",
  };
  const invite = (url: string | null) =>
    call(
      a.id,
      async (tx) =>
        tx`select api.invite_to_organization(${org}, 'x@link.example', 'member', ${await hash(
          `t-${url}`,
        )}, 3600,
                                           null, ${tx.json(mail)}, ${url})`,
    );
  for (
    const url of [
      null,
      "https://evil.example/join",
      "https://app.example.evil.example/join",
      "javascript:alert(1)",
      `https://app.example/${"a".repeat(2000)}`,
    ]
  ) {
    await rejectsAs(
      invite(url),
      "validation_failed",
      /accept_url must be on the origin of one of the project's/,
    );
  }
  assert.equal(await count(a.id, "organization_invitations", `email = 'x@link.example'`), 0);
  assert.equal(await count(a.id, "mail_outbox", `to_address = 'x@link.example'`), 0);
  // Same origin, any path and query, any case of the host; another project's origin is not this one's.
  assert.equal((await invite("https://APP.example/join?from=mail")).status, "pending");
  const c = await seedProject(db.sql, { name: "C", redirectUri: "https://c.example/callback" });
  const [checks] = await db.sql`
    select astapa.is_app_url(${a.id}, 'https://app.example') as bare,
           astapa.is_app_url(${a.id}, 'http://app.example/join') as other_scheme,
           astapa.is_app_url(${a.id}, 'https://app.example:8443/join') as other_port,
           astapa.is_app_url(${a.id}, 'https://c.example/join') as another_projects,
           astapa.is_app_url(${c.id}, 'https://c.example/join') as its_own,
           astapa.is_app_url('prj_missing', 'https://app.example/join') as unknown_project`;
  assert.deepEqual(checks, {
    bare: true,
    other_scheme: false,
    other_port: false,
    another_projects: false,
    its_own: true,
    unknown_project: false,
  });
  // Without a mail (the app delivers the token itself) no link is needed.
  const unmailed = await call(
    a.id,
    async (tx) =>
      tx`select api.invite_to_organization(${org}, 'y@link.example', 'member', ${await hash("y")}, 3600)`,
  );
  assert.equal(unmailed.status, "pending");
});

Deno.test("api.invite_to_organization — an admin invites members and admins, never an owner: only an owner makes owners", async () => {
  const owner = await seedUser(db.sql, a.id, "boss@rank.example");
  const admin = await seedUser(db.sql, a.id, "admin@rank.example");
  const org = await organization(a.id, "rank", owner);
  await call(a.id, (tx) => tx`select api.add_organization_member(${org}, ${admin}, 'admin')`);
  const inviteAs = async (inviter: string, email: string, role: string) => {
    const tokenHash = await hash(`${inviter}-${email}-${role}`);
    return call(
      a.id,
      (tx) =>
        tx`select api.invite_to_organization(${org}, ${email}, ${role}, ${tokenHash}, 3600, ${inviter})`,
    );
  };
  // The admin's second address as owner would outrank the owner who made them admin.
  await rejectsAs(inviteAs(admin, "alt@rank.example", "owner"), "forbidden", /Only an owner .* owner/);
  assert.equal(await count(a.id, "organization_invitations", `email = 'alt@rank.example'`), 0);
  assert.equal((await inviteAs(admin, "helper@rank.example", "admin")).role, "admin");
  assert.equal((await inviteAs(owner, "partner@rank.example", "owner")).role, "owner");
});
