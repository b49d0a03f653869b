import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { addDeveloperTo, getAs, inviteDeveloper, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { asApp } from "@/db/client.ts";
import { getProject, verifyClientCredentials } from "@/db/projects.ts";
import { xenditAccount } from "@/lib/payments/accounts.ts";
import { xenditPublicKey } from "@/db/linked_methods.ts";
import { providerCredentials } from "@/lib/login/social/providers.ts";
import { ATTEMPTS } from "@/lib/login/flow.ts";
import { CLIENT_FAILURES } from "@/lib/oauth/authenticate_client.ts";
import { seedUser } from "../helpers/identity.ts";
import { newAppleKey } from "../fakes/apple.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const owner = await signInDeveloper(t, "owner@dev.example");
await inviteDeveloper(t, "admin@dev.example");
await inviteDeveloper(t, "viewer@dev.example");
const admin = await signInDeveloper(t, "admin@dev.example");
const viewer = await signInDeveloper(t, "viewer@dev.example");

async function createProject(name: string) {
  const res = await postAs(t, owner, "/dashboard/projects/new", {
    name,
    redirect_uri: "https://app.example/cb",
  });
  assert.equal(res.status, 201);
  const html = await res.text();
  const projectId = /href="\/dashboard\/projects\/(proj_[a-z2-7]+)"/.exec(html)![1];
  const clientId = /data-credential="client_id">(cid_[a-z2-7]+)</.exec(html)![1];
  const secret = /data-credential="client_secret">(acs_[A-Za-z0-9_-]+)</.exec(html)![1];
  await addDeveloperTo(t, projectId, admin.accountId, "admin");
  await addDeveloperTo(t, projectId, viewer.accountId, "viewer");
  return { projectId, clientId, secret, settings: `/dashboard/projects/${projectId}/settings` };
}

const settingsOf = async (projectId: string) =>
  (await asApp(t.db.sql, projectId, (tx) => getProject(tx, projectId))).settings;

const auditOf = (projectId: string, action: string) =>
  asApp(
    t.db.sql,
    projectId,
    (tx) => tx`select actor, details from astapa.audit_log where action = ${action} order by id desc limit 1`,
  );

Deno.test("settings — the page shows defaults and bounds from SQL, and the rate-limit profiles from code", async () => {
  const { settings } = await createProject("Limits");
  const res = await getAs(t, viewer, settings);
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /aria-current="page">Settings</);
  assert.match(html, /Default 3600 s \(1 h\); from 300 s to 86400 s/);
  assert.match(html, /Default 2592000 s \(30 d\)/);
  assert.match(html, /You are a viewer here/);
  assert.ok(!html.includes(`action="${settings}/origins"`), "viewers get no forms");
  const rows = [...html.matchAll(/<tr><td>([^<]+)<\/td><td>(\d+)<\/td><td>(\d+)<\/td><\/tr>/g)]
    .map((m) => [Number(m[2]), Number(m[3])]);
  assert.deepEqual(rows, [
    [ATTEMPTS.sandbox.perEmail, ATTEMPTS.production.perEmail],
    [ATTEMPTS.sandbox.perAddress, ATTEMPTS.production.perAddress],
    [CLIENT_FAILURES.perClient, CLIENT_FAILURES.perClient],
    [CLIENT_FAILURES.perAddress, CLIENT_FAILURES.perAddress],
  ]);
  assert.ok(ATTEMPTS.sandbox.perEmail > ATTEMPTS.production.perEmail, "sandbox is the relaxed profile");
});

Deno.test("settings — origins are saved as exact origins; a path or trailing slash is a 422 with the reason", async () => {
  const { projectId, settings } = await createProject("Origins");
  const ok = await postAs(t, admin, `${settings}/origins`, {
    origins: "https://app.example\r\n\r\nhttp://localhost:5173\n",
  });
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.get("location"), `${settings}?done=origins_saved`);
  assert.deepEqual((await settingsOf(projectId)).allowed_origins, [
    "https://app.example",
    "http://localhost:5173",
  ]);
  assert.match(await (await getAs(t, admin, ok.headers.get("location")!)).text(), /Allowed origins saved/);
  const [audit] = await auditOf(projectId, "project.settings");
  assert.deepEqual({ ...audit }, {
    actor: `account:${admin.accountId}`,
    details: { allowed_origins: ["https://app.example", "http://localhost:5173"] },
  });
  for (
    const bad of ["https://app.example/callback", "https://app.example/", "http://app.example", "app.example"]
  ) {
    const res = await postAs(t, admin, `${settings}/origins`, { origins: bad });
    assert.equal(res.status, 422, bad);
    assert.match(await res.text(), /is not an origin: use scheme:\/\/host\[:port\]/);
  }
  assert.deepEqual((await settingsOf(projectId)).allowed_origins, [
    "https://app.example",
    "http://localhost:5173",
  ]);
  assert.equal((await postAs(t, admin, `${settings}/origins`, { origins: "" })).status, 303);
  assert.equal((await settingsOf(projectId)).allowed_origins, undefined);
});

Deno.test("settings — lifetimes within bounds are saved, empty means default, out of bounds is 422", async () => {
  const { projectId, settings } = await createProject("Lifetimes");
  const ok = await postAs(t, admin, `${settings}/lifetimes`, {
    access_token_ttl: "900",
    refresh_token_ttl: "",
    refresh_grace_seconds: "0",
    refresh_token_max_age: "604800",
    login_session_ttl: "3600",
  });
  assert.equal(ok.status, 303);
  const saved = await settingsOf(projectId);
  assert.deepEqual(
    [
      saved.access_token_ttl,
      saved.refresh_token_ttl,
      saved.refresh_grace_seconds,
      saved.refresh_token_max_age,
      saved.login_session_ttl,
    ],
    [900, undefined, 0, 604800, 3600],
  );
  const page = await (await getAs(t, admin, settings)).text();
  assert.match(page, /name="access_token_ttl"[^>]*value="900"/);
  for (
    const [field, value, reason] of [
      ["access_token_ttl", "299", /access_token_ttl must be a whole number of seconds from 300 to 86400/],
      [
        "refresh_token_ttl",
        "31536001",
        /refresh_token_ttl must be a whole number of seconds from 3600 to 31536000/,
      ],
      ["refresh_grace_seconds", "ten", /refresh_grace_seconds must be a whole number/],
      ["refresh_token_max_age", "60", /refresh_token_max_age must be a whole number of seconds from 3600/],
      [
        "login_session_ttl",
        "2592001",
        /login_session_ttl must be a whole number of seconds from 300 to 2592000/,
      ],
    ] as const
  ) {
    const res = await postAs(t, admin, `${settings}/lifetimes`, { [field]: value });
    assert.equal(res.status, 422, field);
    assert.match(await res.text(), reason);
  }
  assert.equal((await settingsOf(projectId)).access_token_ttl, 900);
});

Deno.test("settings — the email verification policy is switched on and off", async () => {
  const { projectId, settings } = await createProject("Verify");
  assert.equal(
    (await postAs(t, admin, `${settings}/verification`, { require_verified_email: "on" })).status,
    303,
  );
  assert.equal((await settingsOf(projectId)).require_verified_email, true);
  assert.match(
    await (await getAs(t, admin, settings)).text(),
    /name="require_verified_email" value="on" checked/,
  );
  assert.equal((await postAs(t, admin, `${settings}/verification`, {})).status, 303);
  assert.equal((await settingsOf(projectId)).require_verified_email, undefined);
});

Deno.test("settings — DPoP is required of every client, then not", async () => {
  const { projectId, settings } = await createProject("Bound");
  assert.equal((await postAs(t, admin, `${settings}/dpop`, { dpop_required: "on" })).status, 303);
  assert.deepEqual((await settingsOf(projectId)).dpop, { required: true });
  assert.match(await (await getAs(t, admin, settings)).text(), /name="dpop_required" value="on" checked/);
  assert.equal((await postAs(t, admin, `${settings}/dpop`, {})).status, 303);
  assert.equal((await settingsOf(projectId)).dpop, undefined);
});

Deno.test("settings — sign-out settings: post-logout URIs and the back-channel URI saved, refused, removed", async () => {
  const { projectId, settings } = await createProject("Sign-out");
  const page = await (await getAs(t, viewer, settings)).text();
  assert.match(page, /<h2 id="logout-heading">Signing out<\/h2>/);
  assert.match(page, /None sent yet\./);
  const saved = await postAs(t, admin, `${settings}/logout`, {
    post_logout_redirect_uris: "https://app.example/bye\r\n\r\n https://app.example/see-you ",
    backchannel_logout_uri: "http://127.0.0.1:9/logout",
    backchannel_logout_session_required: "on",
  });
  assert.equal(saved.status, 303);
  assert.match(
    await (await getAs(t, admin, saved.headers.get("location")!)).text(),
    /Sign-out settings saved/,
  );
  assert.deepEqual((await settingsOf(projectId)).logout, {
    post_logout_redirect_uris: ["https://app.example/bye", "https://app.example/see-you"],
    backchannel_logout_uri: "http://127.0.0.1:9/logout",
    backchannel_logout_session_required: true,
  });
  const shown = await (await getAs(t, admin, settings)).text();
  assert.match(shown, /name="backchannel_logout_uri"[^>]*value="http:\/\/127\.0\.0\.1:9\/logout"/);
  for (
    const [fields, reason] of [
      [{ post_logout_redirect_uris: "javascript:alert(1)" }, /must be an absolute https URL/],
      [{ backchannel_logout_uri: "http://app.example/logout" }, /must be an absolute https URL/],
    ] as const
  ) {
    const refused = await postAs(t, admin, `${settings}/logout`, fields);
    assert.equal(refused.status, 422, JSON.stringify(fields));
    assert.match(await refused.text(), reason);
  }
  assert.equal(
    ((await settingsOf(projectId)).logout as { backchannel_logout_uri?: string }).backchannel_logout_uri,
    "http://127.0.0.1:9/logout",
    "a refusal changed nothing",
  );
  assert.equal((await postAs(t, admin, `${settings}/logout`, {})).status, 303);
  assert.equal((await settingsOf(projectId)).logout, undefined, "empty fields remove every setting");
});

Deno.test("settings — social providers: own app sealed (never shown), off, back to default", async () => {
  const { projectId, settings } = await createProject("Social");
  const own = await postAs(t, admin, `${settings}/social`, {
    provider: "github",
    action: "credentials",
    client_id: "gh-client-1",
    client_secret: "gh-very-secret-value",
  });
  assert.equal(own.status, 303);
  const project = { id: projectId, settings: await settingsOf(projectId) };
  assert.deepEqual(await providerCredentials(t.deps, project, "github"), {
    clientId: "gh-client-1",
    clientSecret: "gh-very-secret-value",
  });
  const html = await (await getAs(t, admin, settings)).text();
  assert.ok(!html.includes("gh-very-secret-value"));
  assert.ok(
    !html.includes(String(
      (project.settings.social_login as Record<string, Record<string, string>>)
        .github.client_secret_sealed,
    )),
  );
  assert.match(html, /own OAuth app gh-client-1; client secret set/);
  // Empty secret keeps the sealed one; Google is independent of GitHub.
  assert.equal(
    (await postAs(t, admin, `${settings}/social`, {
      provider: "github",
      action: "credentials",
      client_id: "gh-client-2",
      client_secret: "",
    })).status,
    303,
  );
  assert.equal(
    (await postAs(t, admin, `${settings}/social`, { provider: "google", action: "off" })).status,
    303,
  );
  const both = { id: projectId, settings: await settingsOf(projectId) };
  assert.deepEqual(await providerCredentials(t.deps, both, "github"), {
    clientId: "gh-client-2",
    clientSecret: "gh-very-secret-value",
  });
  assert.equal(await providerCredentials(t.deps, both, "google"), null);
  const entries = await asApp(
    t.db.sql,
    projectId,
    (tx) => tx`select details from astapa.audit_log where action = 'project.settings' order by id`,
  );
  assert.deepEqual(entries.map((e) => e.details), [
    { social_login: { github: "own_app" } },
    { social_login: { github: "own_app" } },
    { social_login: { google: "off" } },
  ]);
  const missing = await postAs(t, admin, `${settings}/social`, {
    provider: "google",
    action: "credentials",
    client_id: "g-1",
    client_secret: "",
  });
  assert.equal(missing.status, 422);
  assert.match(await missing.text(), /Enter both the client id and the client secret/);
  assert.equal(
    (await postAs(t, admin, `${settings}/social`, { provider: "github", action: "default" })).status,
    303,
  );
  assert.deepEqual((await settingsOf(projectId)).social_login, { google: { enabled: false } });
});

Deno.test("settings — Microsoft: own app registration with its tenant (common when left empty), secret sealed", async () => {
  const { projectId, settings } = await createProject("Microsoft");
  const page = await (await getAs(t, admin, settings)).text();
  assert.match(page, /<label for="microsoft-tenant">Microsoft tenant: common, organizations, consumers/);
  assert.ok(page.includes("/auth/social/microsoft/callback"));
  const save = (tenant: string) =>
    postAs(t, admin, `${settings}/social`, {
      provider: "microsoft",
      action: "credentials",
      client_id: "11111111-2222-3333-4444-555555555555",
      client_secret: "ms~very~secret",
      tenant,
    });
  assert.equal((await save("72f988bf-86f1-41af-91ab-2d7cd011db47")).status, 303);
  const project = { id: projectId, settings: await settingsOf(projectId) };
  assert.deepEqual(await providerCredentials(t.deps, project, "microsoft"), {
    clientId: "11111111-2222-3333-4444-555555555555",
    clientSecret: "ms~very~secret",
    tenant: "72f988bf-86f1-41af-91ab-2d7cd011db47",
  });
  const html = await (await getAs(t, admin, settings)).text();
  assert.ok(!html.includes("ms~very~secret"));
  assert.match(
    html,
    /own app registration 11111111-2222-3333-4444-555555555555 \(tenant 72f988bf-86f1-41af-91ab-2d7cd011db47\)/,
  );
  assert.equal((await save("")).status, 303);
  const common = { id: projectId, settings: await settingsOf(projectId) };
  assert.equal(
    ((await providerCredentials(t.deps, common, "microsoft")) as { tenant: string }).tenant,
    "common",
  );
  const bad = await save("contoso.com/evil");
  assert.equal(bad.status, 422);
  assert.match(await bad.text(), /The Microsoft tenant is common, organizations, consumers/);
  assert.equal(
    ((await settingsOf(projectId)).social_login as Record<string, { tenant: string }>).microsoft.tenant,
    "common",
  );
});

Deno.test("settings — Apple: Services ID, Team ID and Key ID shown, the private key sealed and never shown or audited", async () => {
  const { projectId, settings } = await createProject("Apple");
  const { privateKeyPem } = await newAppleKey();
  const fields = {
    provider: "apple",
    action: "credentials",
    client_id: "com.example.signin",
    team_id: "TEAM000001",
    key_id: "KEY0000001",
  };
  assert.equal(
    (await postAs(t, admin, `${settings}/social`, { ...fields, private_key: privateKeyPem })).status,
    303,
  );
  const project = { id: projectId, settings: await settingsOf(projectId) };
  assert.deepEqual(await providerCredentials(t.deps, project, "apple"), {
    clientId: "com.example.signin",
    appleKey: { teamId: "TEAM000001", keyId: "KEY0000001", privateKey: privateKeyPem.trim() },
  });
  const html = await (await getAs(t, admin, settings)).text();
  const keyBody = privateKeyPem.split("\n")[1];
  assert.ok(!html.includes(keyBody));
  const sealed =
    (project.settings.social_login as Record<string, Record<string, string>>).apple.private_key_sealed;
  assert.ok(!html.includes(sealed));
  assert.match(
    html,
    /own Services ID com.example.signin \(team TEAM000001, key KEY0000001\); private key set/,
  );
  const [audit] = await auditOf(projectId, "project.settings");
  assert.deepEqual(audit.details, { social_login: { apple: "own_app" } });
  // Empty keeps the sealed key; a text that is no .p8 key is refused, saying which part, not echoing it.
  assert.equal(
    (await postAs(t, admin, `${settings}/social`, { ...fields, key_id: "KEY0000002" })).status,
    303,
  );
  const kept = { id: projectId, settings: await settingsOf(projectId) };
  assert.equal(
    ((await providerCredentials(t.deps, kept, "apple")) as { appleKey: { privateKey: string } })
      .appleKey.privateKey,
    privateKeyPem.trim(),
  );
  const bad = await postAs(t, admin, `${settings}/social`, {
    ...fields,
    private_key: "-----BEGIN PRIVATE KEY-----\nnope",
  });
  assert.equal(bad.status, 422);
  const page = await bad.text();
  assert.match(page, /not the .p8 file Apple gave/);
  assert.ok(!page.includes("nope"));
  const wrongTeam = await postAs(t, admin, `${settings}/social`, { ...fields, team_id: "team" });
  assert.equal(wrongTeam.status, 422);
  assert.match(await wrongTeam.text(), /Team ID and the Key ID are 10 capital letters/);
});

Deno.test("settings — Apple: the server-to-server notification URL to paste into Apple's developer account is shown", async () => {
  const { settings } = await createProject("Apple notifications");
  const page = await (await getAs(t, admin, settings)).text();
  assert.match(page, /<code data-apple-notifications[^>]*>http[^<]+\/api\/webhooks\/apple<\/code>/);
  assert.ok(!page.includes("data-apple-revocations"), "no list while nothing waits");
});

Deno.test("settings — Apple: revocations waiting or given up are listed, without their tokens", async () => {
  const { projectId, settings } = await createProject("Apple revocations");
  await asApp(
    t.db.sql,
    projectId,
    (tx) => tx`select api.discard_apple_token('001.dash', 'com.dash.app', 'c2VjcmV0dG9rZW4')`,
  );
  const page = await (await getAs(t, viewer, settings)).text();
  const table = /<table class="list" data-apple-revocations[^>]*>[\s\S]*?<\/table>/.exec(page)?.[0] ?? "";
  assert.match(table, /<code>com\.dash\.app<\/code><\/td><td>pending<\/td><td>—<\/td>/);
  assert.ok(!page.includes("c2VjcmV0dG9rZW4"), "never the sealed token");
});

Deno.test("settings — Xendit keys are sealed, shown only as set, checked for their mode, removable", async () => {
  const { projectId, settings } = await createProject("Pay");
  const wrongKind = await postAs(t, admin, `${settings}/xendit`, {
    environment: "production",
    action: "save",
    secret_key: "xnd_development_abcdefgh1234",
    callback_token: "token-123456",
  });
  assert.equal(wrongKind.status, 422);
  assert.match(await wrongKind.text(), /must be a Xendit live \(xnd_production_…\) secret key/);
  const ok = await postAs(t, admin, `${settings}/xendit`, {
    environment: "production",
    action: "save",
    secret_key: "xnd_production_livekey_9876",
    callback_token: "live-token-abcdef",
    public_key: "xnd_public_production_livepublic_1234",
  });
  assert.equal(ok.status, 303);
  assert.equal(
    await asApp(t.db.sql, projectId, (tx) => xenditPublicKey(tx, projectId, "production")),
    "xnd_public_production_livepublic_1234",
    "the publishable key Xendit.js tokenises cards with",
  );
  const wrongPublic = await postAs(t, admin, `${settings}/xendit`, {
    environment: "production",
    action: "save",
    secret_key: "xnd_production_livekey_9876",
    callback_token: "live-token-abcdef",
    public_key: "xnd_public_development_testpublic_1",
  });
  assert.equal(wrongPublic.status, 422, "a test public key for production");
  await wrongPublic.body?.cancel();
  const account = await xenditAccount(t.deps, projectId, "production", "project");
  assert.equal(account?.connection.secretKey, "xnd_production_livekey_9876");
  assert.equal(account?.callbackToken, "live-token-abcdef");
  const html = await (await getAs(t, viewer, settings)).text();
  assert.match(html, /data-xendit="production">Set\./);
  assert.match(html, /data-xendit="sandbox">Not set\./);
  assert.ok(!html.includes("livekey_9876") && !html.includes("live-token-abcdef"));
  const [audit] = await auditOf(projectId, "xendit_keys.set");
  assert.equal(audit.actor, `account:${admin.accountId}`);
  const removed = await postAs(t, admin, `${settings}/xendit`, {
    environment: "production",
    action: "remove",
  });
  assert.equal(removed.headers.get("location"), `${settings}?done=xendit_removed`);
  assert.equal(await xenditAccount(t.deps, projectId, "production", "project"), null);
});

Deno.test("settings — going live is refused without live keys and allowed with them", async () => {
  const { projectId } = await createProject("Launch");
  const mode = `/dashboard/projects/${projectId}/mode`;
  const refused = await postAs(t, owner, mode, { mode: "production", confirm: "Launch" });
  assert.equal(refused.status, 422);
  assert.match(await refused.text(), /Add live Xendit keys before going live/);
  await postAs(t, admin, `/dashboard/projects/${projectId}/settings/xendit`, {
    environment: "production",
    action: "save",
    secret_key: "xnd_production_launchkey_1",
    callback_token: "launch-token-1",
  });
  assert.equal((await postAs(t, owner, mode, { mode: "production", confirm: "Launch" })).status, 303);
});

Deno.test("settings — viewers cannot change anything, admins cannot delete, CSRF is required on every form", async () => {
  const { settings } = await createProject("Guarded");
  const forms: [string, Record<string, string>][] = [
    [`${settings}/origins`, { origins: "https://a.example" }],
    [`${settings}/lifetimes`, { access_token_ttl: "600" }],
    [`${settings}/verification`, { require_verified_email: "on" }],
    [`${settings}/dpop`, { dpop_required: "on" }],
    [`${settings}/logout`, { post_logout_redirect_uris: "https://a.example/bye" }],
    [`${settings}/social`, { provider: "google", action: "off" }],
    [`${settings}/xendit`, { environment: "sandbox", action: "remove" }],
    [`${settings}/delete`, { confirm: "Guarded" }],
  ];
  for (const [path, fields] of forms) {
    const asViewer = await postAs(t, viewer, path, fields);
    assert.equal(asViewer.status, 403, `${path} as viewer`);
    await asViewer.body?.cancel();
    const noCsrf = await postAs(t, owner, path, fields, null);
    assert.equal(noCsrf.status, 403, `${path} without csrf`);
    await noCsrf.body?.cancel();
    const wrongCsrf = await postAs(t, owner, path, fields, viewer.csrf);
    assert.equal(wrongCsrf.status, 403, `${path} with another session's csrf`);
    await wrongCsrf.body?.cancel();
  }
  const asAdmin = await postAs(t, admin, `${settings}/delete`, { confirm: "Guarded" });
  assert.equal(asAdmin.status, 403);
  assert.match(await asAdmin.text(), /needs the owner role/);
  const adminPage = await (await getAs(t, admin, settings)).text();
  assert.match(adminPage, /Only the project's owners can delete it/);
});

Deno.test("settings — deleting needs the typed name; then credentials die and the project leaves the dashboard", async () => {
  const { projectId, clientId, secret, settings } = await createProject("Doomed");
  await seedUser(t.db.sql, projectId, "kept@example.com");
  const wrong = await postAs(t, owner, `${settings}/delete`, { confirm: "doomed" });
  assert.equal(wrong.status, 422);
  assert.match(await wrong.text(), /type its name exactly: Doomed/);
  const ok = await postAs(t, owner, `${settings}/delete`, { confirm: "Doomed" });
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.get("location"), "/dashboard?done=project_deleted");
  assert.equal(await asApp(t.db.sql, null, (tx) => verifyClientCredentials(tx, clientId, secret)), null);
  assert.equal((await getAs(t, owner, settings)).status, 404);
  assert.ok(!(await (await getAs(t, owner, "/dashboard")).text()).includes("Doomed"));
  const [audit] = await auditOf(projectId, "project.delete");
  assert.equal(audit.actor, `account:${owner.accountId}`);
  const [users] = await asApp(t.db.sql, projectId, (tx) => tx`select count(*)::int as n from astapa.users`);
  assert.equal(users.n, 1, "users are kept");
});

Deno.test("settings — the console project cannot be deleted", async () => {
  const consoleId = t.deps.consoleClient.projectId;
  await addDeveloperTo(t, consoleId, owner.accountId, "owner");
  const path = `/dashboard/projects/${consoleId}/settings`;
  assert.match(await (await getAs(t, owner, path)).text(), /This is the console project/);
  const res = await postAs(t, owner, `${path}/delete`, { confirm: "Astapa console" });
  assert.equal(res.status, 403);
  assert.match(await res.text(), /cannot be deleted/);
});
