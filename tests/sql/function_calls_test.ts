/**
 * Issue 24: how many SQL function calls a request costs. One refresh — the token endpoint's whole statement (client
 * authentication and api.rotate_refresh_token), counted by Postgres (`track_functions = 'all'`,
 * pg_stat_user_functions) in a fresh database. Functions Postgres inlines are not calls and do not count.
 * The budget is what the rotation needed after round two's cut (docs/performance.md "Per-refresh SQL"); a
 * change that makes it call more has to say why here. Counts, not times: nothing here depends on the machine.
 */
import assert from "node:assert/strict";
import { asApp, createPool, type Sql } from "@/db/client.ts";
import { authenticateClientAnd } from "@/db/client_authentication.ts";
import { importUsers } from "@/db/user_import.ts";
import { accountStartPhoneCode } from "@/db/phone_account.ts";
import { setOwnPhoneFactor, startMfaNewPhoneCode, startMfaPhoneCode } from "@/db/phone_factor.ts";
import { redeemAuthorizationCodeCall, rotateRefreshTokenCall } from "@/db/tokens.ts";
import { lockoutBuckets } from "@/lib/http/lockout_buckets.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { issueCode, seedProject, seedUser } from "../helpers/oauth.ts";

const db = await testDatabase();
await db.sql.unsafe(`alter database ${db.name} set track_functions = 'all'`);
// One connection, opened after the setting: every call below is counted by the same backend.
const counted = createPool(db.url, { max: 1 });
Deno.test.afterAll(async () => {
  await counted.end({ timeout: 5 });
  await db.close();
});

const project = await seedProject(db.sql);
const user = await seedUser(db.sql, project.id, "refresher@example.com");
const buckets = lockoutBuckets(
  { scope: "client_auth", ceiling: "client", key: project.clientId, address: "127.0.0.1" },
  { perPair: 10, perAddress: 30, perKey: 10, windowSeconds: 300 },
);

/** The token endpoint's statement for one grant, as lib/oauth/authenticate_client.ts sends it. */
async function tokenStatement(sql: Sql, call: Parameters<typeof authenticateClientAnd>[4]): Promise<unknown> {
  const { outcome, grant } = await authenticateClientAnd(
    sql,
    project.clientId,
    await sha256(project.secret),
    buckets,
    call,
  );
  assert.ok("client" in outcome, "the client authenticated");
  return grant;
}

/** Flushes this backend's pending statistics (they reach the shared view when it next goes idle). */
async function functionCalls(sql: Sql): Promise<Map<string, number>> {
  await sql`select pg_catalog.pg_stat_force_next_flush()`;
  const rows = await sql<{ name: string; calls: number }[]>`
    select schemaname || '.' || funcname as name, calls::int as calls from pg_catalog.pg_stat_user_functions`;
  return new Map(rows.map((r) => [r.name, r.calls]));
}

async function callsOf(work: () => Promise<unknown>): Promise<Record<string, number>> {
  const before = await functionCalls(counted);
  await work();
  const after = await functionCalls(counted);
  const made: Record<string, number> = {};
  for (const [name, calls] of [...after].sort(([a], [b]) => a.localeCompare(b))) {
    const delta = calls - (before.get(name) ?? 0);
    if (delta > 0) made[name] = delta;
  }
  return made;
}

const hashes = new Map<string, Uint8Array>();
for (const name of ["refresh-0", "refresh-1", "refresh-2"]) hashes.set(name, await sha256(name));
/** The SHA-256 of a token named in this file (hashed up front: the grant calls are built synchronously). */
const hashOf = (name: string) => hashes.get(name)!;

const total = (calls: Record<string, number>) => Object.values(calls).reduce((sum, n) => sum + n, 0);

/**
 * A signed-in user's refresh token: an authorization code redeemed through the endpoint's statement; returns
 * the lookup id the token carries.
 */
async function signIn(refresh: string): Promise<string> {
  const codeHash = await sha256(await issueCode(db.sql, project, { userId: user }));
  const grant = await tokenStatement(db.sql, (sql, clientId) => ({
    project: redeemAuthorizationCodeCall(sql, {
      codeHash,
      clientId,
      redirectUri: project.redirectUri,
      codeVerifier: null,
      refreshHash: hashOf(refresh),
    }),
    machine: null,
  }));
  return (grant as { refresh_token_id: string }).refresh_token_id;
}

const rotation = (from: string, lookupId: string, to: string) => (sql: Sql, clientId: string) => ({
  project: rotateRefreshTokenCall(sql, {
    presented: { lookupId, secretHash: hashOf(from) },
    clientId,
    successorHash: hashOf(to),
    scope: null,
  }),
  machine: null,
});

Deno.test("one refresh — the token endpoint's statement stays within its function-call budget", async () => {
  const lookupId = await signIn("refresh-0");
  const calls = await callsOf(() => tokenStatement(counted, rotation("refresh-0", lookupId, "refresh-1")));
  const shown = JSON.stringify(calls, null, 1);
  // Round two's cut (docs/performance.md): 96 calls before, 46 after; current_project_id 41 → 25 (the rest
  // are the row policies, once per statement and table), clamp_setting 7 → 0, token_lifetime_limits 18 → 1.
  // Session 17: current_project_id is inlined (no SET clause), so its 25 are no calls at all: 20 are left.
  // Session 19 (migration 4160): the presented token found by its lookup id (astapa.presented_refresh_token_id,
  // which the owner's row lock needs before the token's) and the successor's lookup id: two more.
  assert.ok(total(calls) <= 22, `at most 22 function calls per refresh, made ${total(calls)}: ${shown}`);
  assert.equal(calls["astapa.current_project_id"], undefined, `current_project_id is inlined: ${shown}`);
  assert.ok((calls["astapa.token_lifetime_limits"] ?? 0) <= 1, `the lifetime limits read once: ${shown}`);
  for (const replaced of ["astapa.clamp_setting", "astapa.token_policy", "astapa.refresh_max_age"]) {
    assert.equal(calls[replaced], undefined, `${replaced}: the lifetimes come from one token_lifetimes call`);
  }
  assert.equal(
    calls["astapa.default_plan_key"],
    undefined,
    `the default plan is read in user_plan: ${shown}`,
  );
  assert.equal(calls["api.rotate_refresh_token"], 1, "the rotation ran (and was counted)");
});

Deno.test("one code redemption — the token endpoint's statement stays within its function-call budget", async () => {
  const codeHash = await sha256(await issueCode(db.sql, project, { userId: user }));
  const calls = await callsOf(() =>
    tokenStatement(counted, (sql, clientId) => ({
      project: redeemAuthorizationCodeCall(sql, {
        codeHash,
        clientId,
        redirectUri: project.redirectUri,
        codeVerifier: null,
        refreshHash: hashOf("refresh-2"),
      }),
      machine: null,
    }))
  );
  const shown = JSON.stringify(calls, null, 1);
  // 94 calls before round two's cut, 61 after (the same lifetimes and default-plan changes as the refresh), 24
  // once current_project_id was inlined (session 17), 25 with the first token's lookup id (migration 4160).
  assert.ok(total(calls) <= 25, `at most 25 function calls per redemption, made ${total(calls)}: ${shown}`);
  assert.equal(calls["astapa.current_project_id"], undefined, `current_project_id is inlined: ${shown}`);
  assert.ok((calls["astapa.token_lifetime_limits"] ?? 0) <= 1, `the lifetime limits read once: ${shown}`);
  assert.equal(calls["astapa.clamp_setting"], undefined, shown);
  assert.equal(calls["astapa.default_plan_key"], undefined, shown);
  assert.equal(calls["api.redeem_authorization_code"], 1, "the redemption ran (and was counted)");
});

Deno.test("astapa.token_lifetimes — the same numbers as astapa.clamp_setting, key by key", async () => {
  const cases: unknown[] = [
    {},
    {
      access_token_ttl: 600,
      refresh_token_ttl: 7200,
      refresh_grace_seconds: 30,
      refresh_token_max_age: 86400,
    },
    { access_token_ttl: 1, refresh_token_ttl: 1e12, refresh_grace_seconds: -5, refresh_token_max_age: 0 },
    {
      access_token_ttl: "600",
      refresh_token_ttl: null,
      refresh_grace_seconds: true,
      refresh_token_max_age: [1],
    },
    { access_token_ttl: 900.7, refresh_grace_seconds: 60.2, grant_types: ["refresh_token"] },
  ];
  for (const settings of cases) {
    const [row] = await db.sql`
      select to_jsonb(l) as together,
             jsonb_build_object(
               'access_ttl', astapa.clamp_setting(${db.sql.json(settings as never)}, 'access_token_ttl'),
               'refresh_ttl', astapa.clamp_setting(${db.sql.json(settings as never)}, 'refresh_token_ttl'),
               'refresh_grace', astapa.clamp_setting(${
      db.sql.json(settings as never)
    }, 'refresh_grace_seconds'),
               'refresh_max_age', astapa.clamp_setting(${
      db.sql.json(settings as never)
    }, 'refresh_token_max_age')
             ) as one_by_one
      from astapa.token_lifetimes(${db.sql.json(settings as never)}) as l`;
    assert.deepEqual(row.together, row.one_by_one, JSON.stringify(settings));
  }
});

Deno.test("api.import_users — writes each row's claims without computing token claims it would discard", async () => {
  const rows = (from: number) =>
    Array.from({ length: 5 }, (_, i) => ({
      row: i + 1,
      email: `imported-${from + i}@example.com`,
      role: "member",
      feature_flags: ["beta"],
      custom_claims: { team: `t${i}` },
      name: `Person ${i}`,
    }));
  const run = (batch: object[]) =>
    asApp(
      counted,
      project.id,
      (tx) => importUsers(tx, project.id, batch, { dryRun: false, source: "claims_api" }),
    );
  let result: unknown;
  const created = await callsOf(async () => result = await run(rows(0)));
  assert.deepEqual(result, { created: 5, updated: 0, dry_run: false, refused: [] });
  // Five created, then the same five updated (and five more created) in one import.
  const mixed = await callsOf(async () =>
    result = await run([...rows(0), ...rows(5)].map((r, i) => ({ ...r, row: i + 1 })))
  );
  assert.deepEqual(result, { created: 5, updated: 5, dry_run: false, refused: [] });
  // [calls, rows imported, rows that updated a user]
  for (const [calls, imported, updated] of [[created, 5, 0], [mixed, 10, 5]] as const) {
    const shown = JSON.stringify(calls, null, 1);
    // Each row's claims are judged once (issue 22's leftover): by astapa.claims_problems in write_user_claims;
    // the shape check before it no longer judges the values again. The rest of the flag checks are the table's
    // check constraint: on the inserted row, and on an upsert's proposed and updated rows.
    assert.equal(calls["astapa.claims_problems"], imported, `claims checked once a row: ${shown}`);
    assert.equal(
      calls["astapa.are_valid_feature_flags"],
      imported + (imported + updated),
      `flags checked once a row besides the table's check: ${shown}`,
    );
    assert.equal(calls["api.token_claims"], undefined, `no token claims computed: ${shown}`);
    assert.equal(calls["api.set_user_claims"], undefined, shown);
    // The user.created event describes each new user from the inserted row (astapa.emit_user_created): the
    // user is not read back, nor their second factors (a user inserted a moment ago has none).
    assert.equal(calls["astapa.user_json"], undefined, `no user read back for the events: ${shown}`);
    assert.equal(calls["astapa.second_factor_kinds"], undefined, shown);
  }
  assert.equal(created["astapa.write_set_user_claims"], 5);
  assert.equal(mixed["astapa.write_set_user_claims"], 10);
  const [stored] = await db.sql`select c.role, c.feature_flags, c.extra, u.name from astapa.user_claims c
    join astapa.users u on u.project_id = c.project_id and u.id = c.user_id where u.email = 'imported-7@example.com'`;
  // The name is the profile's (migration 4261), inserted with the user: its user.created carries it, and no
  // user.updated follows (no astapa.second_factor_kinds above).
  assert.deepEqual({ ...stored }, {
    role: "member",
    feature_flags: ["beta"],
    extra: { team: "t2" },
    name: "Person 2",
  });
});

Deno.test("api.account_start_phone_code — the project's phone settings are read once, for its refusal and the code", async () => {
  const phones = await seedProject(db.sql, { settings: { phone: { enabled: true } } });
  const adder = await seedUser(db.sql, phones.id, "phone.adder@example.com");
  const session = await sha256("phone-adder-session");
  await asApp(db.sql, phones.id, (tx) => tx`select api.start_login_session(${adder}, ${session})`);
  let decision: unknown;
  const calls = await callsOf(async () =>
    decision = await accountStartPhoneCode(counted, phones.id, session, {
      phoneNumber: "+6281355500001",
      country: "ID",
      channel: "whatsapp",
      tokenHash: await sha256("phone-adder-token"),
      codeHash: await sha256("phone-adder-token:123456"),
      freshSeconds: 600,
    }, "10.4.4.4")
  );
  assert.deepEqual(decision, { sent: true, sandbox: true });
  const shown = JSON.stringify(calls, null, 1);
  // The page's refusal, astapa.insert_phone_code and astapa.phone_send_wait judge one read of the project row
  // (migration 4156): read again, a settings change committed in between could pass one check and fail the next.
  assert.equal(calls["astapa.phone_settings"], 1, `phone settings read once: ${shown}`);
  assert.equal(calls["astapa.insert_phone_code"], 1, "the code was stored (and counted)");
});

Deno.test("api.start_mfa_phone_code and api.start_mfa_new_phone_code — the project's phone settings are read once, for the refusal and the code", async () => {
  const mfa = await seedProject(db.sql, { settings: { mfa: { policy: "optional", phone: true } } });
  /** A person with a second step owed (required: also without a factor), and maybe a (verified) number. */
  const challenged = async (email: string, number: string | null, factor = false) => {
    const user = await seedUser(db.sql, mfa.id, email);
    const session = await sha256(`${email}-session`);
    await asApp(db.sql, mfa.id, async (tx) => {
      if (number) await tx`select api.set_user_phone(${mfa.id}, ${user}, ${number}, true)`;
      await tx`select api.start_login_session(${user}, ${session})`;
    });
    if (factor) await setOwnPhoneFactor(db.sql, mfa.id, session, true, 600);
    const challenge = await sha256(`${email}-challenge`);
    await asApp(
      db.sql,
      mfa.id,
      (tx) => tx`select api.start_mfa_challenge(${user}, ${challenge}, '{pwd}', true)`,
    );
    return challenge;
  };
  const code = async (name: string) => ({
    country: "ID",
    channel: "sms" as const,
    tokenHash: await sha256(name),
    codeHash: await sha256(`${name}:123456`),
  });
  // Each path judges the phone second factor: a phone factor that counts, one to set up by its first code
  // ('enrol'), a number typed at the step ('add').
  const factor = await challenged("mfa.factor@example.com", "+6281355500011", true);
  const enrol = await challenged("mfa.enrol@example.com", "+6281355500012");
  const add = await challenged("mfa.add@example.com", null);
  const paths = {
    factor: async () => startMfaPhoneCode(counted, mfa.id, factor, await code("factor-code"), "10.5.5.1"),
    enrol: async () => startMfaPhoneCode(counted, mfa.id, enrol, await code("enrol-code"), "10.5.5.2"),
    add: async () =>
      startMfaNewPhoneCode(counted, mfa.id, add, {
        ...await code("add-code"),
        phoneNumber: "+6281355500013",
      }, "10.5.5.3"),
  };
  const reads: Record<string, unknown> = {};
  for (const [path, send] of Object.entries(paths)) {
    let decision: { sent: boolean } | undefined;
    const calls = await callsOf(async () => decision = await send());
    reads[path] = {
      settings: calls["astapa.phone_settings"],
      sent: decision?.sent,
      stored: calls["astapa.insert_phone_code"],
    };
  }
  // The challenge's checks (astapa.phone_second_factor through the factor kinds or the offer) and
  // astapa.insert_phone_code judge one read: read twice, a settings change committed in between could pass the
  // check and refuse the code (AS403), or the other way round.
  const once = { settings: 1, sent: true, stored: 1 };
  assert.deepEqual(reads, { factor: once, enrol: once, add: once }, "phone settings read once on each path");

  // Meeting the step with the code judges the offer and the factor kinds on one read as well.
  const met: Record<string, unknown> = {};
  for (const [path, challenge] of Object.entries({ factor, enrol, add })) {
    const { tokenHash, codeHash } = await code(`${path}-code`);
    let answer: { accepted?: boolean } | undefined;
    const calls = await callsOf(async () => {
      [{ answer }] = await asApp(
        counted,
        mfa.id,
        (tx) => tx`select api.meet_mfa_challenge_by_phone(${challenge}, ${tokenHash}, ${codeHash}) as answer`,
      );
    });
    // Setting the factor up also sends user.mfa_enrolled, whose user (astapa.user_json) reads them for itself.
    const judged = (calls["astapa.phone_settings"] ?? 0) - (calls["astapa.user_json"] ?? 0);
    met[path] = { judged, enrolled: calls["astapa.user_json"] ?? 0, accepted: answer?.accepted };
  }
  assert.deepEqual(met, {
    factor: { judged: 1, enrolled: 0, accepted: true },
    enrol: { judged: 1, enrolled: 1, accepted: true },
    add: { judged: 1, enrolled: 1, accepted: true },
  }, "phone settings read once per meeting, besides the event's user");
});
