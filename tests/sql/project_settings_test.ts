/**
 * SQL tests for the settings functions of db/api/projects.sql: settings validation, token lifetime bounds,
 * the go-live rule and project deletion — each happy path and each refusal, as the app role.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { createPlan } from "@/db/plans.ts";
import { applyPaymentEvent, createCheckout, recordPayment, recordPaymentEvent } from "@/db/payments.ts";
import { createMachineClient } from "@/db/machine_clients.ts";
import { setWebhookEndpoint } from "@/db/webhooks.ts";
import { redeemAuthorizationCode } from "@/db/tokens.ts";
import { addMember } from "@/db/accounts.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { rows, testDatabase } from "../helpers/db.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";
import { giveLiveXenditKeys } from "../helpers/live_keys.ts";
import { issueCode } from "../helpers/oauth.ts";

/** A valid settings.social_login.apple (the sealed key is opaque base64url to SQL). */
const APPLE = {
  client_id: "com.example.signin",
  team_id: "TEAM000001",
  key_id: "KEY0000001",
  private_key_sealed: "A".repeat(120),
};
const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const settingsUpdate = (projectId: string, changes: unknown, actingFor: string | null = projectId) =>
  asApp(
    db.sql,
    actingFor,
    (tx) =>
      tx`select api.update_project_settings(${projectId}, ${JSON.stringify(changes)}::text::jsonb) as p`,
    { actor: "test" },
  ).then(([row]) => row.p as { settings: Record<string, unknown> });

const LIMITS = {
  access_token_ttl: { default: 3600, min: 300, max: 86400 },
  refresh_token_ttl: { default: 2592000, min: 3600, max: 31536000 },
  refresh_grace_seconds: { default: 10, min: 0, max: 60 },
  refresh_token_max_age: { default: 7776000, min: 3600, max: 315360000 },
  login_session_ttl: { default: 604800, min: 300, max: 2592000 },
};

Deno.test("api.token_lifetime_limits — the bounds astapa.token_policy clamps to", async () => {
  const limits = await appValue(db.sql, null, (tx) => tx`select api.token_lifetime_limits()`);
  assert.deepEqual(limits, LIMITS);
  const policy = (settings: Record<string, unknown>) =>
    asApp(db.sql, null, async (tx) => {
      const p = await seedProject(db.sql, { settings });
      await tx`select set_config('astapa.project_id', ${p.id}, true)`;
      return { ...(await tx`select * from astapa.token_policy()`)[0] };
    });
  assert.deepEqual(await policy({}), { access_ttl: 3600, refresh_ttl: 2592000, refresh_grace: 10 });
  assert.deepEqual(
    await policy({ access_token_ttl: 1, refresh_token_ttl: 10 ** 9, refresh_grace_seconds: -5 }),
    { access_ttl: 300, refresh_ttl: 31536000, refresh_grace: 0 },
  );
  assert.deepEqual(
    await policy({ access_token_ttl: 900, refresh_token_ttl: "soon", refresh_grace_seconds: 30 }),
    { access_ttl: 900, refresh_ttl: 2592000, refresh_grace: 30 },
  );
});

Deno.test("astapa.is_exact_origin — origins as browsers send them, nothing more", async () => {
  const check = (origin: string) =>
    appValue<boolean>(db.sql, null, (tx) => tx`select astapa.is_exact_origin(${origin})`);
  for (
    const good of ["https://app.example", "https://app.example:8443", "http://localhost:5173", "http://[::1]"]
  ) {
    assert.equal(await check(good), true, good);
  }
  for (
    const bad of [
      "https://app.example/",
      "https://app.example/path",
      "https://App.example",
      "http://app.example",
      "https://app.example?x=1",
      "https://user@app.example",
      "app.example",
      "*",
    ]
  ) {
    assert.equal(await check(bad), false, bad);
  }
});

Deno.test("api.update_project_settings — merges, null removes, keeps other settings, audits without secrets", async () => {
  const p = await seedProject(db.sql, { settings: { grant_types: ["authorization_code"] } });
  const sealed = "A".repeat(60);
  const first = await settingsUpdate(p.id, {
    allowed_origins: ["https://app.example"],
    access_token_ttl: 600,
    require_verified_email: true,
    social_login: { github: { client_id: "gh", client_secret_sealed: sealed }, google: { enabled: false } },
  });
  assert.deepEqual(first.settings, {
    grant_types: ["authorization_code"],
    allowed_origins: ["https://app.example"],
    access_token_ttl: 600,
    require_verified_email: true,
    social_login: { github: { client_id: "gh", client_secret_sealed: sealed }, google: { enabled: false } },
  });
  const second = await settingsUpdate(p.id, { access_token_ttl: null, social_login: { google: null } });
  assert.deepEqual(second.settings.social_login, {
    github: { client_id: "gh", client_secret_sealed: sealed },
  });
  assert.equal(second.settings.access_token_ttl, undefined);
  assert.deepEqual(second.settings.grant_types, ["authorization_code"]);
  const audit = rows(
    await asApp(
      db.sql,
      p.id,
      (tx) => tx`select actor, details from astapa.audit_log where action = 'project.settings' order by id`,
    ),
  );
  assert.equal(audit.length, 2);
  assert.equal(audit[0].actor, "test");
  assert.deepEqual(audit[0].details.social_login, { github: "own_app", google: "off" });
  assert.deepEqual(audit[1].details, { access_token_ttl: null, social_login: { google: "default" } });
  assert.ok(!JSON.stringify(audit).includes(sealed), "no sealed secret in the audit log");
});

Deno.test("api.update_project_settings — each refusal names the problem", async () => {
  const p = await seedProject(db.sql);
  const other = await seedProject(db.sql);
  const refused: [unknown, RegExp][] = [
    [{}, /non-empty JSON object/],
    [[1], /non-empty JSON object/],
    [{ plan_limits: 1 }, /plan_limits is not a setting this function changes/],
    [{ allowed_origins: "https://a.example" }, /must be a list of origins/],
    [{ allowed_origins: ["https://a.example/cb"] }, /https:\/\/a\.example\/cb is not an origin/],
    [{ allowed_origins: [42] }, /42 is not an origin/],
    [{ allowed_origins: ["https://a.example", "https://a.example"] }, /listed once/],
    [
      { allowed_origins: Array.from({ length: 51 }, (_, i) => `https://a${i}.example`) },
      /at most 50 origins/,
    ],
    [{ access_token_ttl: 299 }, /access_token_ttl must be a whole number of seconds from 300 to 86400/],
    [{ access_token_ttl: 600.5 }, /whole number/],
    [{ refresh_token_ttl: "3600" }, /refresh_token_ttl must be a whole number/],
    [{ refresh_grace_seconds: 61 }, /from 0 to 60/],
    [{ require_verified_email: "yes" }, /true or false/],
    [{ social_login: [] }, /google, github, apple and\/or microsoft/],
    [{ social_login: { facebook: { enabled: false } } }, /google, github, apple and microsoft, not facebook/],
    [{ social_login: { google: { enabled: "no" } } }, /enabled must be true or false/],
    [{ social_login: { google: { secret: "x" } } }, /takes enabled, client_id and client_secret_sealed only/],
    [{ social_login: { google: { client_id: "g" } } }, /needs both a client id and a client secret/],
    [
      { social_login: { google: { client_id: "g", client_secret_sealed: "plain secret" } } },
      /sealed by the server/,
    ],
    [{ social_login: { google: { client_id: "", client_secret_sealed: "A".repeat(60) } } }, /1 to 500/],
    // Apple: a Services ID, Team ID, Key ID and a sealed private key, all four or none; never a client secret.
    [
      { social_login: { apple: { client_id: "com.x", client_secret_sealed: "A".repeat(60) } } },
      /private_key_sealed only/,
    ],
    [{ social_login: { apple: { enabled: 1 } } }, /apple.enabled must be true or false/],
    [
      { social_login: { apple: { client_id: "com.x", team_id: "TEAM000001" } } },
      /needs all of a Services ID/,
    ],
    [{ social_login: { apple: { ...APPLE, client_id: "com x" } } }, /Services ID looks like/],
    [{ social_login: { apple: { ...APPLE, team_id: "team000001" } } }, /Team ID is 10 capital/],
    [{ social_login: { apple: { ...APPLE, key_id: "KEY1" } } }, /Key ID is 10 capital/],
    [
      { social_login: { apple: { ...APPLE, private_key_sealed: "-----BEGIN PRIVATE KEY-----" } } },
      /Apple private key must be sealed by the server/,
    ],
    // Microsoft's entry may name its tenant, a path segment of the authority: no slash, no query, no other key.
    [
      { social_login: { google: { tenant: "common" } } },
      /google takes enabled, client_id and client_secret_sealed only/,
    ],
    [
      { social_login: { microsoft: { secret: "x" } } },
      /microsoft takes enabled, client_id, client_secret_sealed and tenant/,
    ],
    [{ social_login: { microsoft: { tenant: "common/../x" } } }, /Microsoft tenant is common, organizations/],
    [
      { social_login: { microsoft: { tenant: "contoso.com?x=1" } } },
      /Microsoft tenant is common, organizations/,
    ],
    [{ social_login: { microsoft: { tenant: "" } } }, /Microsoft tenant is common, organizations/],
    [{ social_login: { microsoft: { tenant: ["common"] } } }, /Microsoft tenant is common, organizations/],
    [{ social_login: { microsoft: { client_id: "m" } } }, /needs both a client id and a client secret/],
  ];
  for (const [changes, message] of refused) {
    await rejectsAs(settingsUpdate(p.id, changes), "validation_failed", message);
  }
  const apple = await settingsUpdate(p.id, { social_login: { apple: APPLE } });
  assert.deepEqual((apple.settings.social_login as Record<string, unknown>).apple, APPLE);
  for (
    const tenant of [
      "common",
      "organizations",
      "consumers",
      "72f988bf-86f1-41af-91ab-2d7cd011db47",
      "contoso.com",
    ]
  ) {
    const microsoft = { client_id: "m", client_secret_sealed: "A".repeat(60), tenant };
    const saved = await settingsUpdate(p.id, { social_login: { microsoft } });
    assert.deepEqual((saved.settings.social_login as Record<string, unknown>).microsoft, microsoft);
  }
  // Each value may be fine and the whole still too big.
  const longOrigins = Array.from({ length: 50 }, (_, i) => `https://${"x".repeat(280)}${i}.example`);
  await settingsUpdate(p.id, { allowed_origins: longOrigins });
  const bigApp = { client_id: "g".repeat(500), client_secret_sealed: "A".repeat(3000) };
  await rejectsAs(
    settingsUpdate(p.id, { social_login: { google: bigApp, github: bigApp } }),
    "validation_failed",
    /16 KiB/,
  );
  await rejectsAs(settingsUpdate(p.id, { access_token_ttl: 600 }, other.id), "not_found");
  await rejectsAs(settingsUpdate(p.id, { access_token_ttl: 600 }, null), "not_found");
});

const setMode = (projectId: string, mode: string, deploymentLive = false) =>
  asApp(db.sql, projectId, async (tx) => {
    await tx`select set_config('astapa.deployment_live_xendit', ${deploymentLive ? "on" : ""}, true)`;
    const [row] = await tx`select api.update_project(${projectId}, mode => ${mode}) ->> 'mode' as mode`;
    return row.mode as string;
  });

Deno.test("api.update_project — production needs live Xendit keys, the project's or the deployment's", async () => {
  const p = await seedProject(db.sql);
  await rejectsAs(setMode(p.id, "production"), "conflict", /Add live Xendit keys before going live/);
  // Test keys are not live keys.
  await asApp(db.sql, p.id, (tx) =>
    tx`select api.set_xendit_keys(${p.id}, 'sandbox', ${new Uint8Array(40)},
    ${new Uint8Array(40)})`);
  await rejectsAs(setMode(p.id, "production"), "conflict", /live Xendit keys/);
  assert.equal(await setMode(p.id, "production", true), "production");
  assert.equal(await setMode(p.id, "sandbox"), "sandbox", "going back to sandbox needs nothing");
  await giveLiveXenditKeys(db.sql, p.id);
  assert.equal(await setMode(p.id, "production"), "production");
  assert.equal(await setMode(p.id, "production"), "production", "staying in production is not going live");
});

Deno.test("api.ensure_console_project — the console goes to production without keys", async () => {
  const consoleMode = await asApp(db.sql, null, async (tx) => {
    const [row] = await tx`select api.ensure_console_project('http://localhost:8000/dashboard/callback',
      sha256(convert_to('x', 'UTF8'))) ->> 'project_id' as id`;
    return (await tx`select mode from astapa.projects where id = ${row.id}`)[0].mode;
  });
  assert.equal(consoleMode, "production");
});

async function deleteProject(projectId: string, name: string, actingFor: string | null = projectId) {
  return await asApp(
    db.sql,
    actingFor,
    async (tx) => (await tx`select api.delete_project(${projectId}, ${name}) as r`)[0].r,
    { actor: "account:1" },
  );
}

async function paidLiveCheckout(projectId: string, userId: string) {
  const as = <T>(work: (tx: Tx) => Promise<T>) => asApp(db.sql, projectId, work);
  const checkout = await as((tx) =>
    createCheckout(tx, projectId, { sub: userId, plan: "pro", xendit_account: "project" })
  );
  await as((tx) =>
    recordPayment(tx, projectId, checkout.checkout_id, {
      kind: "payment_request",
      provider_id: `pr-live-${projectId}`,
      method: "qris",
      details: { qr_string: "000201" },
      expires_at: null,
    })
  );
  await as((tx) =>
    recordPaymentEvent(tx, projectId, {
      providerId: `pr-live-${projectId}`,
      status: "SUCCEEDED",
      checkoutId: checkout.checkout_id,
      body: { data: { amount: 50_000, status: "SUCCEEDED" } },
    })
  );
  while (await as((tx) => applyPaymentEvent(tx, projectId)));
}

Deno.test("api.delete_project — switches everything off, keeps the records, audits", async () => {
  const p = await seedProject(db.sql, { name: "Doomed" });
  const userId = await seedUser(db.sql, p.id, "kept@example.com");
  const code = await issueCode(db.sql, p, { userId });
  await redeemAuthorizationCode(db.sql, p.id, {
    codeHash: await sha256(code),
    clientId: p.clientId,
    redirectUri: p.redirectUri,
    codeVerifier: null,
    refreshHash: await sha256(randomSecret()),
  });
  await asApp(db.sql, p.id, async (tx) => {
    await tx`select api.start_login_session(${userId}, ${await sha256("session")}, 3600)`;
    await createMachineClient(tx, { name: "Worker" });
    await setWebhookEndpoint(tx, p.id, {
      url: "https://hooks.example/astapa",
      secretSealed: new Uint8Array(40),
    });
    await createPlan(tx, p.id, { key: "pro", name: "Pro", price_idr: 50_000, interval: "month" });
    await tx`select api.assign_plan(${p.id}, ${userId}::bigint, 'pro', 'dashboard')`;
    await createCheckout(tx, p.id, { sub: userId, plan: "pro", xendit_account: "simulator" });
    const [account] = await tx`select api.invite_account('member@dev.example') ->> 'id' as id`;
    await addMember(tx, p.id, account.id, "admin");
  });
  await rejectsAs(deleteProject(p.id, "doomed"), "validation_failed", /type its name exactly: Doomed/);
  assert.deepEqual(await deleteProject(p.id, " Doomed "), {
    project_id: p.id,
    name: "Doomed",
    deleted: true,
  });
  const after = await asApp(db.sql, p.id, async (tx) => ({
    project: {
      ...(await tx`select client_id, redirect_uris, deleted_at is not null as deleted from astapa.projects`)[
        0
      ],
    },
    liveRefresh:
      (await tx`select count(*)::int as n from astapa.refresh_tokens where revoked_at is null`)[0].n,
    liveSessions:
      (await tx`select count(*)::int as n from astapa.login_sessions where ended_at is null`)[0].n,
    enabledClients: (await tx`select count(*)::int as n from astapa.machine_clients where enabled`)[0].n,
    endpoints: (await tx`select count(*)::int as n from astapa.webhook_endpoints`)[0].n,
    openCheckouts:
      (await tx`select count(*)::int as n from astapa.checkouts where status in ('open', 'pending')`)[0].n,
    current: (await tx`select count(*)::int as n from astapa.subscriptions where ended_at is null`)[0].n,
    members: (await tx`select count(*)::int as n from astapa.memberships`)[0].n,
    users: (await tx`select count(*)::int as n from astapa.users`)[0].n,
    audit: { ...(await tx`select actor, details from astapa.audit_log where action = 'project.delete'`)[0] },
  }));
  assert.notEqual(after.project.client_id, p.clientId);
  assert.deepEqual(after.project.redirect_uris, []);
  assert.equal(after.project.deleted, true);
  assert.deepEqual(
    [
      after.liveRefresh,
      after.liveSessions,
      after.enabledClients,
      after.endpoints,
      after.openCheckouts,
      after.current,
    ],
    [0, 0, 0, 0, 0, 0],
  );
  assert.equal(after.members, 0);
  assert.equal(after.users, 1, "users are kept");
  assert.deepEqual(after.audit, {
    actor: "account:1",
    details: { name: "Doomed", mode: "sandbox", subscriptions_ended: 1 },
  });
  const verified = await appValue(
    db.sql,
    null,
    (tx) => tx`select api.verify_client_credentials(${p.clientId}, sha256(convert_to(${p.secret}, 'UTF8')))`,
  );
  assert.equal(verified, null);
  await rejectsAs(deleteProject(p.id, "Doomed"), "not_found", /deleted already/);
});

Deno.test("api.delete_project — refuses the console, other projects, and a live project with live payments", async () => {
  const consoleId = await appValue<string>(
    db.sql,
    null,
    (tx) => tx`select console_project_id from astapa.deployment`,
  );
  await rejectsAs(deleteProject(consoleId, "Astapa console"), "forbidden", /console project/);
  const a = await seedProject(db.sql, { name: "A" });
  const b = await seedProject(db.sql, { name: "B" });
  await rejectsAs(deleteProject(a.id, "A", b.id), "not_found");
  await rejectsAs(deleteProject(a.id, "A", null), "not_found");

  const live = await seedProject(db.sql, { name: "Live" });
  await asApp(
    db.sql,
    live.id,
    (tx) => createPlan(tx, live.id, { key: "pro", name: "Pro", price_idr: 50_000, interval: "month" }),
  );
  await giveLiveXenditKeys(db.sql, live.id);
  await setMode(live.id, "production");
  // A live payer is a production user: sandbox users of a live project cannot check out (db/api/payments.sql).
  const userId = await seedUser(db.sql, live.id, "payer@example.com");
  await paidLiveCheckout(live.id, userId);
  await rejectsAs(
    deleteProject(live.id, "Live"),
    "conflict",
    /has taken 1 live payments\. Switch it back to sandbox/,
  );
  await setMode(live.id, "sandbox");
  assert.equal((await deleteProject(live.id, "Live")).deleted, true);
  const paid = await appValue<number>(
    db.sql,
    live.id,
    (tx) => tx`select count(*)::int from astapa.payments where status = 'paid'`,
  );
  assert.equal(paid, 1, "payment records are kept");
});

Deno.test("astapa.retire_client_id — only for the acting project, only once it is deleted", async () => {
  const p = await seedProject(db.sql, { name: "Kept" });
  const other = await seedProject(db.sql, { name: "Other" });
  const retire = (actingFor: string | null) =>
    asApp(db.sql, actingFor, (tx) => tx`select astapa.retire_client_id(${p.id})`);
  await rejectsAs(retire(p.id), "forbidden", /deleted project/);
  await rejectsAs(retire(other.id), "forbidden");
  await rejectsAs(retire(null), "forbidden");
  const clientId = await appValue(db.sql, p.id, (tx) => tx`select client_id from astapa.projects`);
  assert.equal(clientId, p.clientId);
});

Deno.test("api.list_projects — a deleted project leaves the operator's list", async () => {
  const gone = await seedProject(db.sql, { name: "Gone" });
  const listed = async () =>
    (await appValue<{ project_id: string }[]>(db.sql, null, (tx) => tx`select api.list_projects()`))
      .map((p) => p.project_id);
  assert.ok((await listed()).includes(gone.id));
  await deleteProject(gone.id, "Gone");
  assert.ok(!(await listed()).includes(gone.id));
});
