/**
 * Who a user grant signs for, read once (issue 24): astapa.sign_in_user_claims (the user's row, or AS4G0),
 * astapa.grant_result (which checks it itself), and astapa.custom_claims (api.token_claims' answer in one
 * statement, without the user check).
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { assignPlan, createPlan } from "@/db/plans.ts";
import { startTrial } from "@/db/trials.ts";
import { patchUserClaims } from "@/db/users.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";
import { issueCode, lookupIdOf, redeemCode } from "../helpers/oauth.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const project = await seedProject(db.sql);
await asApp(db.sql, project.id, async (tx) => {
  await createPlan(tx, project.id, {
    key: "starter",
    name: "Starter",
    claims: { feature_flags: ["basic", "export"], seats: 1 },
    default: true,
  });
  await createPlan(tx, project.id, {
    key: "pro",
    name: "Pro",
    price_idr: 99000,
    trial_days: 14,
    claims: { feature_flags: ["export", "beta"], seats: 5 },
  });
});

const signInClaims = (user: string, projectId = project.id) =>
  appValue<string>(
    db.sql,
    projectId,
    (tx) => tx`select astapa.sign_in_user_claims(${user}::bigint) ->> 'email'`,
  );
const customClaims = (user: string) =>
  appValue<Record<string, unknown>>(
    db.sql,
    project.id,
    (tx) => tx`select astapa.custom_claims(${project.id}, ${user}::bigint)`,
  );
/** astapa.user_plan: the plan custom_claims names, read on its own (billing portal, plan changes). */
const userPlan = (user: string) =>
  appValue<string>(db.sql, project.id, (tx) => tx`select astapa.user_plan(${project.id}, ${user}::bigint)`);
const tokenClaims = (user: string) =>
  appValue<Record<string, unknown>>(
    db.sql,
    project.id,
    (tx) => tx`select api.token_claims(${project.id}, ${user}::bigint)`,
  );
const grantResult = (user: string) =>
  appValue<Record<string, unknown>>(
    db.sql,
    project.id,
    (tx) =>
      tx`select astapa.grant_result(${user}::bigint, 'openid', null, now(), 'n1', now() + interval '1 day', 600)`,
  );

Deno.test("astapa.sign_in_user_claims — the user's standard claims; AS4G0 for unknown, foreign, deleted, disabled and sandbox-in-live users", async () => {
  const ayu = await seedUser(db.sql, project.id, "ayu@example.com");
  assert.equal(await signInClaims(ayu), "ayu@example.com");
  assert.deepEqual(
    await appValue(db.sql, project.id, (tx) => tx`select astapa.sign_in_user_claims(${ayu}::bigint)`),
    {
      sub: ayu,
      email: "ayu@example.com",
      email_verified: false,
      phone_number: null,
      phone_number_verified: null,
      project_id: project.id,
      // Only a guest's say is_anonymous (true); grant_result strips the null (docs/anonymous-users.md).
      is_anonymous: null,
      environment: "sandbox",
      profile: null,
    },
  );
  await rejectsAs(signInClaims("999999999"), "invalid_grant", /no longer exists/);
  const other = await seedProject(db.sql);
  await rejectsAs(signInClaims(ayu, other.id), "invalid_grant", /no longer exists/);

  const gone = await seedUser(db.sql, project.id, "gone@example.com");
  await db.sql`update astapa.users set deleted_at = now() where id = ${gone}`;
  await rejectsAs(signInClaims(gone), "invalid_grant", /no longer exists/);

  const blocked = await seedUser(db.sql, project.id, "blocked@example.com");
  await db.sql`update astapa.users set disabled = true where id = ${blocked}`;
  await rejectsAs(signInClaims(blocked), "invalid_grant", /disabled/);

  const live = await seedProject(db.sql);
  const tester = await seedUser(db.sql, live.id, "tester@example.com");
  assert.equal(await signInClaims(tester, live.id), "tester@example.com");
  await db.sql`update astapa.projects set mode = 'production' where id = ${live.id}`;
  await rejectsAs(signInClaims(tester, live.id), "invalid_grant", /sandbox data.*production mode/);
});

Deno.test("astapa.grant_result — signs the user's claims; refuses whom astapa.sign_in_user_claims refuses", async () => {
  const budi = await seedUser(db.sql, project.id, "budi@example.com", { verified: true });
  const granted = await grantResult(budi);
  assert.equal(granted.sub, budi);
  assert.equal(granted.email, "budi@example.com");
  assert.equal(granted.email_verified, true);
  assert.equal(granted.project_id, project.id);
  assert.equal(granted.environment, "sandbox");
  assert.equal(granted.nonce, "n1");
  assert.equal(granted.access_ttl, 600);
  assert.deepEqual(granted.custom_claims, await tokenClaims(budi));

  await db.sql`update astapa.users set disabled = true where id = ${budi}`;
  await rejectsAs(grantResult(budi), "invalid_grant", /disabled/);
  await db.sql`update astapa.users set disabled = false, deleted_at = now() where id = ${budi}`;
  await rejectsAs(grantResult(budi), "invalid_grant", /no longer exists/);
});

Deno.test("api.redeem_authorization_code and api.rotate_refresh_token — a deleted user's tombstone gets no token", async () => {
  const citra = await seedUser(db.sql, project.id, "citra@example.com");
  const code = await issueCode(db.sql, project, { userId: citra });
  const refresh = "refresh-of-citra";
  await redeemCode(db.sql, project, code, refresh);
  const rotate = () =>
    asApp(
      db.sql,
      project.id,
      async (tx) =>
        tx`select api.rotate_refresh_token(${await sha256(refresh)}, ${project.clientId},
         ${await sha256("successor-of-citra")}, null, null, ${await lookupIdOf(db.sql, refresh)})`,
    );
  await db.sql`update astapa.users set deleted_at = now() where id = ${citra}`;
  await rejectsAs(rotate(), "invalid_grant", /no longer exists/);
  const unused = await db.sql`select used_at from astapa.refresh_tokens where token_hash = ${await sha256(
    refresh,
  )}`;
  assert.equal(unused[0].used_at, null, "the refused rotation left the token as it was");

  const dewi = await seedUser(db.sql, project.id, "dewi@example.com");
  const second = await issueCode(db.sql, project, { userId: dewi });
  await db.sql`update astapa.users set deleted_at = now() where id = ${dewi}`;
  await rejectsAs(
    redeemCode(db.sql, project, second, "refresh-of-dewi"),
    "invalid_grant",
    /no longer exists/,
  );
});

Deno.test("astapa.custom_claims — the default plan's claims, a trial's plan and end, the user's flags after the plan's", async () => {
  const eka = await seedUser(db.sql, project.id, "eka@example.com");
  assert.deepEqual(await customClaims(eka), {
    plan: "starter",
    feature_flags: ["basic", "export"],
    seats: 1,
  });

  await asApp(
    db.sql,
    project.id,
    (tx) =>
      patchUserClaims(tx, project.id, eka, {
        role: "admin",
        feature_flags: ["beta", "mine"],
        seats: 3,
        team: "t1",
      }),
  );
  assert.deepEqual(await customClaims(eka), {
    plan: "starter",
    role: "admin",
    feature_flags: ["basic", "export", "beta", "mine"],
    seats: 3,
    team: "t1",
  });

  const started = await asApp(db.sql, project.id, (tx) => startTrial(tx, project.id, eka, "pro"));
  const trialing = await customClaims(eka);
  assert.equal(trialing.plan, "pro");
  assert.equal(trialing.trial_ends_at, Math.floor(new Date(started.trial_ends_at!).getTime() / 1000));
  assert.deepEqual(trialing.feature_flags, ["export", "beta", "mine"], "each flag once, the plan's first");
  assert.deepEqual(trialing, await tokenClaims(eka));
  assert.equal(trialing.plan, await userPlan(eka));

  await asApp(db.sql, project.id, (tx) => assignPlan(tx, project.id, eka, "pro", "claims_api"));
  const paid = await customClaims(eka);
  assert.equal(paid.plan, "pro");
  assert.equal(paid.trial_ends_at, undefined, "an active subscription is no trial");
  assert.equal(paid.plan, await userPlan(eka));

  // A canceled subscription whose period has run out grants nothing: the default plan again.
  await db
    .sql`update astapa.subscriptions set status = 'canceled', current_period_start = now() - interval '31 days',
                   current_period_end = now() - interval '1 day'
               where user_id = ${eka} and ended_at is null`;
  const lapsed = await customClaims(eka);
  assert.equal(lapsed.plan, "starter");
  assert.equal(lapsed.trial_ends_at, undefined);
  assert.equal(lapsed.plan, await userPlan(eka));
});

Deno.test("astapa.custom_claims — a project without a default plan names free, with no plan claims", async () => {
  const bare = await seedProject(db.sql);
  const fajar = await seedUser(db.sql, bare.id, "fajar@example.com");
  assert.deepEqual(
    await appValue(db.sql, bare.id, (tx) => tx`select astapa.custom_claims(${bare.id}, ${fajar}::bigint)`),
    { plan: "free", feature_flags: [] },
  );
});
