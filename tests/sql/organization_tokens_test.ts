/**
 * SQL tests for the active organization in tokens (issue 28 item 2): the code carries it, redemption and every
 * refresh read its claims fresh (a removed member's stop at the next refresh, the organization stays chosen),
 * and token exchange keeps it.
 */
import assert from "node:assert/strict";
import { asApp, type Sql } from "@/db/client.ts";
import { sha256 } from "@/lib/secrets.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";
import { issueCode, lookupIdOf } from "../helpers/oauth.ts";
import { seedMachineClient, seedRegistry } from "../helpers/machine_clients.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

type Grant = Record<string, unknown> & { organization?: Record<string, unknown>; error?: string };
const a = await seedProject(db.sql, { name: "A" });
const b = await seedProject(db.sql, { name: "B" });

async function redeem(sql: Sql, code: string, refresh: string): Promise<Grant> {
  const [codeHash, refreshHash] = [await sha256(code), await sha256(refresh)];
  return appValue<Grant>(
    sql,
    a.id,
    (tx) =>
      tx`select api.redeem_authorization_code(${codeHash}, ${a.clientId}, ${a.redirectUri}, null, ${refreshHash})`,
  );
}

async function rotate(sql: Sql, refresh: string, successor: string): Promise<Grant> {
  const [hash, next, lookupId] = [
    await sha256(refresh),
    await sha256(successor),
    await lookupIdOf(db.sql, refresh),
  ];
  return appValue<Grant>(
    sql,
    a.id,
    (tx) => tx`select api.rotate_refresh_token(${hash}, ${a.clientId}, ${next}, null, null, ${lookupId})`,
  );
}

const owner = await seedUser(db.sql, a.id, "owner@tok.example");
const member = await seedUser(db.sql, a.id, "member@tok.example");
const org = await appValue<Record<string, string>>(
  db.sql,
  a.id,
  (tx) => tx`select api.create_organization('Tok', 'tok', ${owner})`,
);
await asApp(db.sql, a.id, async (tx) => {
  await tx`select api.set_organization_role('analyst', 'Analyst', '{reports:read,reports:export}')`;
  await tx`select api.add_organization_member(${org.id}, ${member}, 'analyst')`;
});

Deno.test("tokens — the chosen organization's claims on redemption and refresh; a removed member's stop at the next refresh", async () => {
  const code = await issueCode(db.sql, a, { userId: member, organization: "tok" });
  const granted = await redeem(db.sql, code, "refresh-1");
  assert.deepEqual(granted.organization, {
    org_id: org.id,
    org_slug: "tok",
    org_role: "analyst",
    org_permissions: ["reports:export", "reports:read"],
  });
  await asApp(
    db.sql,
    a.id,
    (tx) => tx`select api.set_organization_member_role(${org.id}, ${member}, 'admin')`,
  );
  const refreshed = await rotate(db.sql, "refresh-1", "refresh-2");
  assert.equal(refreshed.organization?.org_role, "admin", "read fresh at each refresh");
  await asApp(db.sql, a.id, (tx) => tx`select api.remove_organization_member(${org.id}, ${member})`);
  const removed = await rotate(db.sql, "refresh-2", "refresh-3");
  assert.equal(removed.sub, member);
  assert.equal(removed.organization, undefined);
  await asApp(db.sql, a.id, (tx) => tx`select api.add_organization_member(${org.id}, ${member})`);
  const back = await rotate(db.sql, "refresh-3", "refresh-4");
  assert.equal(back.organization?.org_role, "member", "the sign-in kept the organization it chose");
});

Deno.test("tokens — without an organization a grant has none; a non-member or another project's organization is refused at the code", async () => {
  const plain = await redeem(db.sql, await issueCode(db.sql, a, { userId: owner }), "plain-refresh");
  assert.equal(plain.organization, undefined);
  const outsider = await seedUser(db.sql, a.id, "outsider@tok.example");
  await rejectsAs(
    issueCode(db.sql, a, { userId: outsider, organization: org.id }),
    "forbidden",
    /not a member/,
  );
  const inB = await seedUser(db.sql, b.id, "b@tok.example");
  await rejectsAs(issueCode(db.sql, b, { userId: inB, organization: org.id }), "forbidden");
  await rejectsAs(issueCode(db.sql, a, { userId: owner, organization: "nope" }), "forbidden");
});

Deno.test("tokens — deleting the organization ends its claims at the next refresh", async () => {
  const other = await appValue<Record<string, string>>(
    db.sql,
    a.id,
    (tx) => tx`select api.create_organization('Gone', 'gone', ${owner})`,
  );
  const code = await issueCode(db.sql, a, { userId: owner, organization: other.id });
  assert.equal((await redeem(db.sql, code, "gone-1")).organization?.org_role, "owner");
  await asApp(db.sql, a.id, (tx) => tx`select api.delete_organization(${other.id})`);
  assert.equal((await rotate(db.sql, "gone-1", "gone-2")).organization, undefined);
});

Deno.test("api.exchange_token — keeps the subject token's organization while the person is its member", async () => {
  await seedRegistry(db.sql, a.id, { resources: ["https://api.tok.example"], scopes: [] });
  const actor = await seedMachineClient(db.sql, a.id);
  await asApp(
    db.sql,
    a.id,
    (tx) => tx`select api.allow_token_exchange(${actor.clientId}, 'https://api.tok.example')`,
  );
  const exchange = (organization: string | null) =>
    appValue<Grant>(
      db.sql,
      a.id,
      (tx) =>
        tx`select api.exchange_token(${a.id}, ${owner}, ${a.clientId}, '', null, ${actor.clientId},
                                   'https://api.tok.example', null, ${organization})`,
    );
  assert.equal((await exchange(org.id)).organization?.org_id, org.id);
  assert.equal((await exchange(null)).organization, undefined);
  const stranger = await appValue<Record<string, string>>(
    db.sql,
    a.id,
    (tx) => tx`select api.create_organization('Stranger', 'stranger')`,
  );
  assert.equal(
    (await exchange(stranger.id)).organization,
    undefined,
    "no claims for an organization they are not in",
  );
});

Deno.test("tokens — the organization's team plan is custom_claims.org_plan beside the person's own plan, read fresh", async () => {
  const person = await seedUser(db.sql, a.id, "planned@tok.example");
  const team = await appValue<Record<string, string>>(
    db.sql,
    a.id,
    (tx) => tx`select api.create_organization('Planned', 'planned', ${person})`,
  );
  await asApp(db.sql, a.id, async (tx) => {
    await tx`select api.create_plan(${a.id}, '{"key": "solo", "name": "Solo", "claims": {"feature_flags": ["export"]}}')`;
    await tx`select api.create_plan(${a.id}, '{"key": "team", "name": "Team", "claims": {"feature_flags": ["sso", "audit"]}}')`;
    await tx`select api.assign_plan(${a.id}, ${person}, 'solo', 'claims_api')`;
    await tx`select api.set_plan_seats(${a.id}, 'team', 'per_seat')`;
    await tx`select api.update_organization(${team.id}, '{"plan": "team"}')`;
  });
  const code = await issueCode(db.sql, a, { userId: person, organization: team.id });
  const granted = await redeem(db.sql, code, "planned-1") as Grant & {
    custom_claims: Record<string, unknown>;
    organization_custom_claims: Record<string, unknown>;
  };
  assert.equal(granted.custom_claims.plan, "solo", "the personal plan is never replaced");
  assert.deepEqual(granted.custom_claims.feature_flags, ["export"]);
  assert.deepEqual(granted.organization_custom_claims, {
    org_plan: "team",
    org_feature_flags: ["sso", "audit"],
  });
  await asApp(db.sql, a.id, (tx) => tx`select api.update_organization(${team.id}, '{"plan": null}')`);
  const planless = await rotate(db.sql, "planned-1", "planned-2");
  assert.deepEqual(planless.organization_custom_claims, {}, "an organization without a plan adds nothing");
  assert.equal(planless.organization?.org_role, "owner");
  const withoutOrg = await redeem(db.sql, await issueCode(db.sql, a, { userId: person }), "planned-3");
  assert.equal(withoutOrg.organization_custom_claims, undefined);
});

Deno.test("astapa.organization_plan_claims — an organization of another project adds nothing", async () => {
  const owned = await appValue<Record<string, string>>(
    db.sql,
    a.id,
    (tx) => tx`select api.create_organization('Elsewhere', 'elsewhere')`,
  );
  await asApp(db.sql, a.id, async (tx) => {
    await tx`select api.create_plan(${a.id}, '{"key": "crew", "name": "Crew"}')`;
    await tx`select api.set_plan_seats(${a.id}, 'crew', 'flat', 5)`;
    await tx`select api.update_organization(${owned.id}, '{"plan": "crew"}')`;
  });
  assert.deepEqual(
    await appValue(db.sql, a.id, (tx) => tx`select astapa.organization_plan_claims(${owned.id})`),
    { org_plan: "crew", org_feature_flags: [] },
  );
  assert.deepEqual(
    await appValue(db.sql, b.id, (tx) => tx`select astapa.organization_plan_claims(${owned.id})`),
    {},
  );
});
