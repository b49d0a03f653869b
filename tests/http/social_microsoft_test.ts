/**
 * Sign in with Microsoft through the hosted login, against a local Microsoft identity platform the unmodified
 * oauth4webapi talks to: the multi-tenant issuer checked against the token's own tid, a fixed tenant exactly,
 * the email verified only by xms_edov or a personal account (the "nOAuth" takeover refused), a project's own
 * app and tenant over the deployment's, and a disabled provider's 404.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { hashPassword } from "@/lib/passwords.ts";
import { sealProviderSecret } from "@/lib/login/social/providers.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import type { SeededProject } from "../helpers/identity.ts";
import { appTokenClaims, FAILED_SAYS, projectRows, socialTestApp } from "../helpers/social.ts";
import { MSA_TENANT, startFakeMicrosoft } from "../fakes/microsoft.ts";

const microsoft = await startFakeMicrosoft();
const { t } = await socialTestApp({
  MICROSOFT_CLIENT_ID: microsoft.clientId,
  MICROSOFT_CLIENT_SECRET: microsoft.clientSecret,
  MICROSOFT_AUTHORITY: microsoft.authority,
});
Deno.test.afterAll(() => microsoft.close());
const html = { accept: "text/html" };

const project = await seedProject(t.db.sql, { name: "Warung Kopi" });
const CONTOSO = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const FABRIKAM = "3c5b0d4e-1f2a-4b6c-8d9e-0a1b2c3d4e5f";

type Started = { start: Response; cookie: string; back?: URL };

/** Clicks "Continue with Microsoft": Astapa's start route, then the fake's authorize endpoint. */
async function start(p: SeededProject = project, extra: Record<string, string> = {}): Promise<Started> {
  const query = new URLSearchParams({
    client_id: p.clientId,
    redirect_uri: p.redirectUri,
    state: "app-st",
    ...extra,
  });
  const res = await t.app.request(`/auth/social/microsoft?${query}`, { headers: html });
  const cookie = res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const started: Started = { start: res, cookie };
  if (res.status === 303) {
    const upstream = await fetch(res.headers.get("location")!, { redirect: "manual" });
    await upstream.body?.cancel();
    if (upstream.status === 302) started.back = new URL(upstream.headers.get("location")!);
  }
  return started;
}

function callback(started: Started) {
  const url = started.back!;
  return t.app.request(url.pathname + url.search, { headers: { ...html, cookie: started.cookie } });
}

async function signIn(p: SeededProject = project) {
  const started = await start(p);
  assert.equal(started.start.status, 303, await started.start.clone().text());
  return await callback(started);
}

const appTokens = (res: Response, p: SeededProject = project) => appTokenClaims(t, res, p);

/** A project with its own app registration (sealed secret) and, when given, its tenant. */
async function ownAppProject(clientId: string, secret: string, tenant?: string) {
  const own = await seedProject(t.db.sql);
  const sealed = await sealProviderSecret(t.deps.masterKeys.social, own.id, "microsoft", secret);
  await t.db.sql`update astapa.projects set settings = ${
    t.db.sql.json({
      social_login: {
        microsoft: { client_id: clientId, client_secret_sealed: sealed, ...(tenant ? { tenant } : {}) },
      },
    })
  } where id = ${own.id}`;
  microsoft.extraClients[clientId] = secret;
  return own;
}

Deno.test("microsoft — the button comes after the others, with Microsoft's four-square logo, in en and id", async () => {
  const query = new URLSearchParams({ client_id: project.clientId, redirect_uri: project.redirectUri });
  for (const path of ["/auth/login", "/auth/signup"]) {
    const page = await (await t.app.request(`${path}?${query}`)).text();
    const order = ["google", "github", "microsoft"].map((p) => page.indexOf(`href="/auth/social/${p}?`));
    assert.ok(order[0] > 0 && order[0] < order[1] && order[1] < order[2], String(order));
    assert.match(
      page,
      /class="button social social-microsoft" href="\/auth\/social\/microsoft\?[^"]+"><svg[^>]*aria-hidden="true"/,
    );
    for (const colour of ["#f25022", "#7fba00", "#00a4ef", "#ffb900"]) {
      assert.ok(page.includes(colour), colour);
    }
    assert.match(page, /<\/svg>Continue with Microsoft</);
  }
  assert.match(
    await (await t.app.request(`/auth/login?${query}&lang=id`)).text(),
    /Lanjutkan dengan Microsoft/,
  );
});

Deno.test("microsoft — a personal account signs up through common (PKCE, state, nonce), then signs in again", async () => {
  microsoft.approveAs = { sub: "AAAAmsa-dewi", tid: MSA_TENANT, email: "dewi@outlook.test", name: "Dewi" };
  const started = await start();
  assert.equal(started.start.status, 303);
  const sent = microsoft.authorizeRequests.at(-1)!;
  assert.equal(sent.tenant, "common");
  assert.equal(sent.query.get("client_id"), microsoft.clientId);
  assert.equal(sent.query.get("redirect_uri"), `${t.origin}/auth/social/microsoft/callback`);
  assert.equal(sent.query.get("scope"), "openid email profile");
  assert.equal(sent.query.get("code_challenge_method"), "S256");
  assert.ok(sent.query.get("nonce") && sent.query.get("state"));
  const first = await appTokens(await callback(started));
  assert.equal(first.email, "dewi@outlook.test");
  assert.equal(first.email_verified, true, "a personal account's address is Microsoft's to vouch for");
  const sub = String(first.sub);
  const [identity] = await t.db.sql`select provider, subject from astapa.identities
    where project_id = ${project.id} and user_id = ${sub}::bigint`;
  assert.deepEqual({ ...identity }, { provider: "microsoft", subject: "AAAAmsa-dewi" });
  const [profile] = await t.db.sql`select name from astapa.users where id = ${sub}::bigint`;
  assert.equal(profile.name, "Dewi");
  const second = await appTokens(await signIn());
  assert.equal(second.sub, first.sub);
});

Deno.test("microsoft — a work account's email counts as verified only with xms_edov: then it links", async () => {
  const existing = await seedUser(t.db.sql, project.id, "rina@contoso.test", { verified: true });
  microsoft.approveAs = { sub: "AAAAwork-rina", tid: CONTOSO, email: "rina@contoso.test", xms_edov: true };
  assert.equal((await appTokens(await signIn())).sub, existing);

  // A new work account without xms_edov gets an account whose address is unverified.
  microsoft.approveAs = { sub: "AAAAwork-new", tid: CONTOSO, email: "new@contoso.test" };
  const created = await appTokens(await signIn());
  assert.equal(created.email, "new@contoso.test");
  assert.equal(created.email_verified, false);
});

Deno.test("microsoft — nOAuth: a tenant that sets someone's address on its user never gets their password account", async () => {
  const victim = await asApp(t.db.sql, project.id, async (tx) => {
    const [row] = await tx`select api.create_user(${project.id}, 'boss@example.com',
                                                  ${await hashPassword(
      "correct horse battery",
    )}, true) ->> 'id' as id`;
    return row.id as string;
  });
  for (const xms_edov of [undefined, false]) {
    microsoft.approveAs = {
      sub: `AAAAattacker-${xms_edov}`,
      tid: FABRIKAM,
      email: "boss@example.com",
      xms_edov,
    };
    const before = await projectRows(t.db.sql, project.id);
    const res = await signIn();
    assert.equal(res.status, 409, await res.clone().text());
    assert.equal(res.headers.get("location"), null);
    assert.equal(
      res.headers.getSetCookie().some((c) => c.startsWith(`astapa_session_${project.id}=`)),
      false,
    );
    assert.match(await res.text(), /not verified on both sides/);
    const after = await projectRows(t.db.sql, project.id);
    assert.equal(after.identities, before.identities, "nothing linked");
    assert.equal(after.sessions, before.sessions, "no session");
  }
  const linked = await t.db.sql`select 1 from astapa.identities where user_id = ${victim}::bigint`;
  assert.equal(linked.length, 0);
});

Deno.test("microsoft — common: a token whose iss names another tenant than its tid is refused", async () => {
  microsoft.approveAs = {
    sub: "AAAAmixed",
    tid: CONTOSO,
    email: "mixed@contoso.test",
    xms_edov: true,
    iss: `${microsoft.authority}/${FABRIKAM}/v2.0`,
  };
  const before = await projectRows(t.db.sql, project.id);
  const res = await signIn();
  assert.equal(res.status, 400);
  assert.ok((await res.text()).includes(FAILED_SAYS.en));
  // Nor the template itself, nor a prefix of the right issuer.
  for (const iss of [`${microsoft.authority}/{tenantid}/v2.0`, `${microsoft.authority}/${CONTOSO}/v2.0/x`]) {
    microsoft.approveAs = { ...microsoft.approveAs, iss };
    assert.equal((await signIn()).status, 400, iss);
  }
  assert.deepEqual(await projectRows(t.db.sql, project.id), before);
});

Deno.test("microsoft — a project's own app with a fixed tenant: that tenant's tokens only", async () => {
  const own = await ownAppProject("11111111-2222-3333-4444-555555555555", "own~secret", CONTOSO);
  microsoft.approveAs = { sub: "AAAAcontoso-ayu", tid: CONTOSO, email: "ayu@contoso.test", xms_edov: true };
  const started = await start(own);
  const sent = microsoft.authorizeRequests.at(-1)!;
  assert.equal(sent.tenant, CONTOSO);
  assert.equal(sent.query.get("client_id"), "11111111-2222-3333-4444-555555555555");
  assert.equal((await appTokens(await callback(started), own)).email, "ayu@contoso.test");

  // Another tenant's user (its own, consistent iss and tid) is not this tenant's.
  microsoft.approveAs = { sub: "AAAAfabrikam-x", tid: FABRIKAM, email: "x@fabrikam.test", xms_edov: true };
  const before = await projectRows(t.db.sql, own.id);
  const res = await signIn(own);
  assert.equal(res.status, 400);
  assert.ok((await res.text()).includes(FAILED_SAYS.en));
  assert.deepEqual(await projectRows(t.db.sql, own.id), before);
});

Deno.test("microsoft — a tenant named by its domain: the discovered tenant's issuer, exactly", async () => {
  microsoft.domains["fabrikam.test"] = FABRIKAM;
  const own = await ownAppProject("66666666-7777-8888-9999-000000000000", "domain~secret", "fabrikam.test");
  microsoft.approveAs = { sub: "AAAAfab-budi", tid: FABRIKAM, email: "budi@fabrikam.test", xms_edov: true };
  assert.equal((await appTokens(await signIn(own), own)).email, "budi@fabrikam.test");
  assert.equal(microsoft.authorizeRequests.at(-1)!.tenant, "fabrikam.test");
  microsoft.approveAs = { sub: "AAAAcon-eko", tid: CONTOSO, email: "eko@contoso.test", xms_edov: true };
  assert.equal((await signIn(own)).status, 400);
});

Deno.test("microsoft — own app without a tenant uses common; the deployment's app serves the others", async () => {
  const own = await ownAppProject("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "common~secret");
  microsoft.approveAs = { sub: "AAAAmsa-own", tid: MSA_TENANT, email: "own@outlook.test" };
  assert.equal((await appTokens(await signIn(own), own)).email, "own@outlook.test");
  const sent = microsoft.authorizeRequests.at(-1)!;
  assert.deepEqual([sent.tenant, sent.query.get("client_id")], [
    "common",
    "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
  ]);
  await signIn();
  assert.equal(microsoft.authorizeRequests.at(-1)!.query.get("client_id"), microsoft.clientId);
});

Deno.test("microsoft — turned off for a project: no button, and its start route is 404", async () => {
  const off = await seedProject(t.db.sql, { settings: { social_login: { microsoft: { enabled: false } } } });
  const query = new URLSearchParams({ client_id: off.clientId, redirect_uri: off.redirectUri });
  const page = await (await t.app.request(`/auth/login?${query}`)).text();
  assert.match(page, /Continue with Google/);
  assert.doesNotMatch(page, /Continue with Microsoft/);
  assert.equal((await t.app.request(`/auth/social/microsoft?${query}`, { headers: html })).status, 404);
});
