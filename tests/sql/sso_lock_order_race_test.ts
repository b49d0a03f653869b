/**
 * api.sign_in_with_sso (db/api/sso_connections.sql) against a claim of the same account under way: the sign-in
 * takes the organization's row, then the person's; a claim (astapa.claim_unproven_account) takes the person's
 * row and never waits for an organization's (astapa.clear_claimed_billing_methods skips a held one). So the
 * sign-in waits for the claim and no circle forms, whichever starts first. The transactions overlap for certain.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { appValue, seedProject, seedUser } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";
import { waitForLockWaiter } from "../helpers/lock_race.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const project = await seedProject(db.sql, { name: "SSO race" });
const call = (query: Parameters<typeof appValue>[2]) =>
  appValue<Record<string, unknown>>(db.sql, project.id, query);
const org = (await call((tx) => tx`select api.create_organization('Acme', 'acme-race', null)`)).id as string;
await call((tx) => tx`select api.add_organization_domain(${org}, 'race.example')`);
await call((tx) => tx`select api.verify_organization_domain(${org}, 'race.example')`);
const connection =
  (await call((tx) =>
    tx`select api.put_sso_connection(${org}, 'https://idp.example', 'client-1', 'c2VhbGVk', true, true)`
  )).id as string;

Deno.test("api.sign_in_with_sso — while a claim of the person holds their row: it waits, no deadlock", async () => {
  // An account nobody proved, made a member of the organization before the proof.
  const user = await seedUser(db.sql, project.id, "squat@race.example", { verified: false });
  await call((tx) => tx`select api.add_organization_member(${org}, ${user}, 'owner')`);
  let signingIn: Promise<PromiseSettledResult<Record<string, unknown>>> | undefined;
  const removed = await asApp(db.sql, project.id, async (tx) => {
    // The claim's first step (a mailed link proved the address), then the sign-in, which takes the
    // organization's row and is seen waiting for the person's; then the rest of the claim, which removes the
    // person from that organization and must not wait for the row the sign-in holds.
    await tx`select from astapa.users where project_id = ${project.id} and id = ${user} for update`;
    signingIn = call((app) =>
      app`select api.sign_in_with_sso(${connection}, 'sub-squat', 'squat@race.example', true)`
    ).then(
      (value) => ({ status: "fulfilled", value }) as const,
      (reason) => ({ status: "rejected", reason }) as const,
    );
    await waitForLockWaiter(db.sql);
    const [row] = await tx`select astapa.claim_unproven_account(${project.id}, ${user}, 'email') as r`;
    return row.r as Record<string, number>;
  });
  assert.equal(removed.organizations, 1, "the claim removed the membership made before the proof");
  const signedIn = await signingIn!;
  assert.equal(signedIn.status, "fulfilled", String((signedIn as PromiseRejectedResult).reason));
  const value = (signedIn as PromiseFulfilledResult<Record<string, unknown>>).value;
  assert.deepEqual(
    [value.user_id, value.created],
    [user, false],
    "the claimed account, now proven, signs in",
  );
  const [member] = await db.sql`select role from astapa.organization_memberships
    where project_id = ${project.id} and organization_id = ${org} and user_id = ${user}`;
  assert.equal(member.role, "member", "a member again, through SSO");
});
