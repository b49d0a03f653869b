/**
 * Device authorizations voided by astapa.void_ways_back (db/api/users.sql) through api.sign_out_everywhere,
 * api.reset_password, astapa.claim_unproven_account and api.disable_user: a device approved before and not yet
 * polled answers access_denied and gets no tokens, a pending one is left for a fresh approval, another user's is
 * left alone, and each is counted in the audit. Then the lock order with a poll under way
 * (tests/helpers/lock_race.ts): never a deadlock, never a refresh token left live.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { sha256 } from "@/lib/secrets.ts";
import { appValue, seedProject, seedSession, seedUser } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";
import { lockRace } from "../helpers/lock_race.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const project = await seedProject(db.sql, { name: "Devices" });

type Device = { hash: Uint8Array; userCode: string };
type Grant = Record<string, unknown>;

let started = 0;
/** Starts a device authorization with a fresh user code (8 letters of the alphabet, unique per start). */
async function startDevice(): Promise<Device> {
  const letters = "BCDFGHJKLMNPQRSTVWXZ";
  let n = ++started;
  let userCode = "";
  for (let i = 0; i < 8; i++, n = Math.floor(n / 20)) userCode = letters[n % 20] + userCode;
  const hash = await sha256(`void-device-${userCode}`);
  const answer = await appValue<Grant>(
    db.sql,
    project.id,
    (tx) =>
      tx`select api.start_device_authorization(${hash}, ${userCode}, ${project.clientId}, '', null, 600,
         1000)`,
  );
  assert.equal(answer.expires_in, 600, JSON.stringify(answer));
  return { hash, userCode };
}

/** Approves the device from a fresh live session of the user, as /device does. */
async function approve(device: Device, user: string): Promise<void> {
  const session = await seedSession(db.sql, project.id, user);
  assert.equal(
    await appValue(
      db.sql,
      project.id,
      (tx) => tx`select api.decide_device_authorization(${device.userCode}, ${session}, true)`,
    ),
    true,
  );
}

async function approvedDevice(user: string): Promise<Device> {
  const device = await startDevice();
  await approve(device, user);
  return device;
}

function poll(device: Device, refresh = crypto.randomUUID()): Promise<Grant> {
  return asApp(
    db.sql,
    project.id,
    async (tx) =>
      (await tx`select api.poll_device_authorization(${device.hash}, ${project.clientId}, ${await sha256(
        refresh,
      )}, null) as grant`)[0].grant,
  );
}

function assertIssued(grant: Grant, user: string) {
  assert.equal(grant.error, undefined, JSON.stringify(grant));
  assert.equal(grant.sub, user);
  assert.equal(typeof grant.refresh_token_id, "string");
}
function assertWithdrawn(grant: Grant) {
  assert.equal(grant.error, "access_denied", JSON.stringify(grant));
  assert.match(String(grant.error_description), /withdrawn/);
  assert.equal(grant.refresh_token_id, undefined);
}

async function refreshTokens(user: string): Promise<{ all: number; live: number }> {
  const [row] = await db
    .sql`select count(*)::int as all, count(*) filter (where revoked_at is null)::int as live
    from astapa.refresh_tokens where project_id = ${project.id} and user_id = ${user}`;
  return { all: row.all, live: row.live };
}

async function auditDetails(action: string, user: string): Promise<Record<string, unknown>> {
  const [audit] = await db.sql`select details from astapa.audit_log where project_id = ${project.id}
    and action = ${action} and target = ${`user:${user}`} order by id desc limit 1`;
  return audit.details;
}

Deno.test("api.sign_out_everywhere — an approved device gets access_denied and no tokens; counted", async () => {
  const user = await seedUser(db.sql, project.id, "device-signout@example.com", { verified: true });
  const neighbour = await seedUser(db.sql, project.id, "device-signout-neighbour@example.com", {
    verified: true,
  });
  const polled = await approvedDevice(user);
  assertIssued(await poll(polled), user);
  const approved = [await approvedDevice(user), await approvedDevice(user)];
  const pending = await startDevice();
  const theirs = await approvedDevice(neighbour);

  const counts = await asApp(
    db.sql,
    project.id,
    async (tx) => (await tx`select api.sign_out_everywhere(${project.id}, ${user}) as r`)[0].r,
  );
  // Each approval came from a session of its own (approve): the three end with the rest.
  assert.deepEqual(counts, {
    sessions: 3,
    refresh_tokens: 1,
    authorization_codes: 0,
    device_authorizations: 2,
    email_changes: 0,
    mfa_challenges: 0,
    impersonation_links: 0,
  });
  assert.deepEqual(await auditDetails("user.sign_out_everywhere", user), counts);

  for (const device of approved) assertWithdrawn(await poll(device));
  assertWithdrawn(await poll(approved[0]));
  assert.deepEqual(await refreshTokens(user), { all: 1, live: 0 }, "only the one polled before, revoked");
  assertIssued(await poll(theirs), neighbour);
  // A pending request names nobody yet: it waits for an approval, which now comes from a fresh sign-in.
  assert.equal((await poll(pending)).error, "authorization_pending");
  await approve(pending, user);
  assertIssued(await poll(pending), user);
  assert.deepEqual(await refreshTokens(user), { all: 2, live: 1 });
});

Deno.test("api.reset_password — an approved device gets access_denied; counted by reset or claim", async () => {
  for (const verified of [true, false]) {
    const user = await seedUser(db.sql, project.id, `device-reset-${verified}@example.com`, { verified });
    const device = await approvedDevice(user);
    const token = await sha256(`device-reset-${verified}`);
    await asApp(db.sql, project.id, async (tx) => {
      await tx`select api.issue_email_token(${user}, 'reset_password', ${token})`;
      await tx`select api.reset_password(${token}, '$argon2id$v=19$m=19456,t=2,p=1$bmV3$bmV3')`;
    });
    assertWithdrawn(await poll(device));
    assert.deepEqual(await refreshTokens(user), { all: 0, live: 0 });
    const reset = await auditDetails("user.password_reset", user);
    // An unverified address is claimed first: the claim voids it, and the reset finds nothing left.
    assert.equal(reset.device_authorizations, verified ? 1 : 0);
    if (!verified) {
      const claimed = await auditDetails("user.claimed", user);
      assert.equal((claimed.removed as Record<string, number>).device_authorizations, 1);
    }
    const after = await approvedDevice(user);
    assertIssued(await poll(after), user);
  }
});

Deno.test("astapa.claim_unproven_account — an approved device gets access_denied, counted in removed", async () => {
  const user = await seedUser(db.sql, project.id, "device-claim@example.com");
  const device = await approvedDevice(user);
  const removed = await appValue<Record<string, number>>(
    db.sql,
    project.id,
    (tx) => tx`select astapa.claim_unproven_account(${project.id}, ${user}, 'email')`,
  );
  assert.equal(removed.device_authorizations, 1);
  assertWithdrawn(await poll(device));
});

Deno.test("api.disable_user — an approved device stays withdrawn after a re-enable; counted", async () => {
  const user = await seedUser(db.sql, project.id, "device-disable@example.com", { verified: true });
  const neighbour = await seedUser(db.sql, project.id, "device-disable-neighbour@example.com", {
    verified: true,
  });
  const device = await approvedDevice(user);
  const theirs = await approvedDevice(neighbour);
  const disable = (disabled: boolean) =>
    asApp(db.sql, project.id, (tx) => tx`select api.disable_user(${project.id}, ${user}, ${disabled})`);
  await disable(true);
  await disable(false);
  assert.deepEqual(await auditDetails("user.disable", user), {
    sessions: 0,
    refresh_tokens: 0,
    authorization_codes: 0,
    device_authorizations: 1,
    email_changes: 0,
    mfa_challenges: 0,
    impersonation_links: 0,
  });
  assertWithdrawn(await poll(device));
  assertIssued(await poll(theirs), neighbour);
  assertIssued(await poll(await approvedDevice(user)), user);
});

Deno.test("api.poll_device_authorization — during a sign-out everywhere: waits, then access_denied", async () => {
  const user = await seedUser(db.sql, project.id, "device-late-poll@example.com", { verified: true });
  const device = await approvedDevice(user);
  const [signOut, polled] = await lockRace(
    db.sql,
    project.id,
    (tx) => tx`select api.sign_out_everywhere(${project.id}, ${user})`,
    () => poll(device),
  );
  assert.equal(signOut.status, "fulfilled");
  assert.equal(polled.status, "fulfilled");
  assertWithdrawn((polled as PromiseFulfilledResult<Grant>).value);
  assert.deepEqual(await refreshTokens(user), { all: 0, live: 0 });
});

Deno.test("api.sign_out_everywhere — during a poll's redemption: waits, revokes its refresh token", async () => {
  const user = await seedUser(db.sql, project.id, "device-early-poll@example.com", { verified: true });
  const device = await approvedDevice(user);
  const [polled, signOut] = await lockRace(
    db.sql,
    project.id,
    async (tx) =>
      (await tx`select api.poll_device_authorization(${device.hash}, ${project.clientId},
        ${await sha256("device-early-rt")}, null) as grant`)[0].grant,
    () =>
      asApp(
        db.sql,
        project.id,
        async (tx) => (await tx`select api.sign_out_everywhere(${project.id}, ${user}) as r`)[0].r,
      ),
  );
  assert.equal(polled.status, "fulfilled");
  assertIssued((polled as PromiseFulfilledResult<Grant>).value, user);
  assert.deepEqual((signOut as PromiseFulfilledResult<unknown>).value, {
    sessions: 1,
    refresh_tokens: 1,
    authorization_codes: 0,
    device_authorizations: 0,
    email_changes: 0,
    mfa_challenges: 0,
    impersonation_links: 0,
  });
  assert.deepEqual(await refreshTokens(user), { all: 1, live: 0 });
});

Deno.test("api.poll_device_authorization — the user's row held for update: pending, no deadlock", async () => {
  // The revocation's order: the user's row for update, then (later) the device rows. A poll that waited for the
  // user while holding the device row would close a cycle with the voiding below.
  const user = await seedUser(db.sql, project.id, "device-held-user@example.com", { verified: true });
  const device = await approvedDevice(user);
  let polling: Promise<PromiseSettledResult<Grant>> | undefined;
  const voided = await asApp(db.sql, project.id, async (tx) => {
    await tx`select from astapa.users where project_id = ${project.id} and id = ${user} for update`;
    polling = poll(device).then(
      (value) => ({ status: "fulfilled", value }) as const,
      (reason) => ({ status: "rejected", reason }) as const,
    );
    // Answered at once; a poll waiting for this row instead is given time to queue, then the cycle closes.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([polling, new Promise((resolve) => timer = setTimeout(resolve, 2000))]);
    clearTimeout(timer);
    return (await tx`select (astapa.void_ways_back(${user}) ->> 'device_authorizations')::int as n`)[0].n;
  });
  const polled = await polling!;
  assert.equal(polled.status, "fulfilled", String((polled as PromiseRejectedResult).reason));
  assert.equal((polled as PromiseFulfilledResult<Grant>).value.error, "authorization_pending");
  assert.equal(voided, 1);
  assertWithdrawn(await poll(device));
  assert.deepEqual(await refreshTokens(user), { all: 0, live: 0 });
});
