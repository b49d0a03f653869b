/**
 * One value of every kind the master key seals at rest, made by the code that seals it in the app (or its
 * sealing function with the row it would write), and the checks that each one opens again through the code that
 * reads it: what tests/tokens/master_key_reseal_test.ts re-seals and then opens without the earlier key.
 */
import assert from "node:assert/strict";
import { loadConfig } from "@/config.ts";
import { asApp, type Sql } from "@/db/client.ts";
import { setXenditKeys } from "@/db/payments.ts";
import { createWebhookEndpoint } from "@/db/webhook_endpoints.ts";
import { putSamlSsoConnection, putSsoConnection } from "@/db/sso_connections.ts";
import { setPhoneProviderCredentials } from "@/db/phone_providers.ts";
import type { ProviderIdentity } from "@/db/social.ts";
import { KeyStore } from "@/lib/tokens/signing_keys.ts";
import { type MasterKeys, open } from "@/lib/tokens/master_key.ts";
import { openWebhookSecret, sealWebhookSecret } from "@/lib/webhooks/signature.ts";
import { sealXenditKeys, xenditAccount } from "@/lib/payments/accounts.ts";
import type { XenditSimulator } from "@/lib/payments/xendit_simulator/simulator.ts";
import { sandboxKeys } from "@/lib/payments/sandbox_accounts.ts";
import { providerCredentials, sealProviderSecret } from "@/lib/login/social/providers.ts";
import { botSecretContext, sealBotSecret } from "@/lib/login/bot_check.ts";
import { keptAppleToken, openAppleToken } from "@/lib/login/social/apple_revocation.ts";
import { openSsoSecret, sealSsoSecret } from "@/lib/login/sso/secret.ts";
import { makeSpKey, openSpKeys } from "@/lib/login/sso/saml_sp_key.ts";
import { openIdToken, sealIdToken } from "@/lib/login/sso/oidc_id_token.ts";
import { newTotpSecret, openTotpSecret, sealTotpSecret, storedContext } from "@/lib/login/factors/totp.ts";
import { projectSenders, sealPhoneProvider } from "@/lib/phone/providers/project_credentials.ts";
import { base64url } from "@/lib/secrets.ts";
import { seedSession, seedUser } from "../helpers/identity.ts";

const APPLE_CLIENT = "com.example.web";
const XENDIT = { secretKey: "xnd_development_reseal0123", callbackToken: "callback-token-reseal" };
const PHONE = { userkey: "zenziva-userkey", passkey: "zenziva-passkey" };
const ID_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXNlYWwifQ.c2lnbmF0dXJl";

export type Sealed = { project: string; user: string; totp: string; sandbox: { secretKey: string } };

/** The app's view of a project for the social-login and bot-protection code. */
async function projectRow(sql: Sql, project: string) {
  const [row] = await sql`select id, settings from astapa.projects where id = ${project}`;
  return { id: row.id as string, settings: row.settings as Record<string, unknown> };
}

/** The deployment's signing keys (when it has none yet) and one value of every project kind, sealed under `keys`. */
export async function sealEveryKind(sql: Sql, keys: MasterKeys, project: string): Promise<Sealed> {
  await new KeyStore(sql, keys.sealing).ensureKeys();
  const user = await seedUser(sql, project, `sealed-${project}@example.com`);
  const orgs = await asApp(sql, project, async (tx) => {
    const [oidc] = await tx`select api.create_organization('OIDC', ${`oidc-${user}`}) ->> 'id' as id`;
    const [saml] = await tx`select api.create_organization('SAML', ${`saml-${user}`}) ->> 'id' as id`;
    return { oidc: oidc.id as string, saml: saml.id as string };
  });
  const spKey = await makeSpKey(keys.social, project);
  const webhook = await sealWebhookSecret(keys.sealing, project, "whsec_" + btoa("reseal".repeat(6)));
  const xendit = await sealXenditKeys(keys.payments, project, "sandbox", XENDIT);
  const ssoSecret = await sealSsoSecret(keys.social, project, "sso-client", "sso-secret");
  const phone = await sealPhoneProvider(keys.phone, project, "zenziva", PHONE);
  await asApp(sql, project, async (tx) => {
    await createWebhookEndpoint(tx, project, {
      url: "https://hooks.example/reseal",
      secretSealed: webhook,
      internalReason: null,
    });
    await setXenditKeys(tx, project, "sandbox", xendit);
    await putSsoConnection(tx, orgs.oidc, {
      issuer: "https://idp.example",
      clientId: "sso-client",
      clientSecretSealed: ssoSecret,
      enabled: true,
      emailVerifiedRequired: true,
      attributeMapping: null,
      groupRoles: null,
    });
    await putSamlSsoConnection(tx, orgs.saml, {
      entityId: null,
      ssoUrl: null,
      certificates: null,
      enabled: null,
      emailVerifiedRequired: null,
      wantAssertionsEncrypted: null,
      signAuthnRequests: null,
      idpInitiated: null,
      sloUrl: null,
      attributeMapping: null,
      groupRoles: null,
      makeSpKey: () => Promise.resolve(spKey),
    });
    await setPhoneProviderCredentials(tx, project, "zenziva", phone);
  });
  // An OpenID Connect SSO sign-in's session keeps the IdP's ID token (for RP-initiated logout at the IdP).
  const [oidc] =
    await sql`select id from astapa.sso_connections where project_id = ${project} and client_id is not null`;
  const session = await seedSession(sql, project, user);
  const idToken = await sealIdToken(keys.social, project, oidc.id, ID_TOKEN);
  await asApp(
    sql,
    project,
    (tx) => tx`select api.record_oidc_session(${session}, ${oidc.id}, 'sub', null, ${idToken})`,
  );
  // So does a sign-in still waiting at its second factor (the row keeps its id when the challenge is met).
  const challenge = crypto.getRandomValues(new Uint8Array(32));
  await sql`insert into astapa.mfa_challenges (project_id, token_hash, user_id, amr, expires_at)
    values (${project}, ${challenge}, ${user}, '{fed}', now() + interval '10 minutes')`;
  await asApp(
    sql,
    project,
    (tx) => tx`select api.hold_oidc_sign_in(${challenge}, ${oidc.id}, 'sub', null, ${idToken})`,
  );
  const sandbox = await sandboxKeys({ sql, masterKeys: keys }, project);
  const settings = {
    social_login: {
      google: {
        client_id: "google-client",
        client_secret_sealed: await sealProviderSecret(keys.social, project, "google", "g-secret"),
      },
      apple: {
        client_id: APPLE_CLIENT,
        team_id: "TEAM123456",
        key_id: "KEY1234567",
        private_key_sealed: await sealProviderSecret(keys.social, project, "apple", "apple-private-key"),
      },
    },
    bot_protection: {
      provider: "turnstile",
      site_key: "site-key",
      secret_key_sealed: await sealBotSecret(keys.social, project, "turnstile", "bot-secret"),
      on: ["sign_up"],
    },
  };
  await sql`update astapa.projects set settings = settings || ${sql.json(settings)} where id = ${project}`;
  const identity = {
    provider: "apple",
    subject: `apple-${user}`,
    refreshToken: "apple-refresh",
  } as ProviderIdentity;
  const kept = await keptAppleToken({ masterKeys: keys }, project, {
    clientId: APPLE_CLIENT,
    clientSecret: "",
  }, identity);
  const revoked = await keptAppleToken({ masterKeys: keys }, project, {
    clientId: APPLE_CLIENT,
    clientSecret: "",
  }, identity);
  await sql`insert into astapa.identities (project_id, provider, subject, user_id, refresh_token_sealed, token_client_id)
    values (${project}, 'apple', ${identity.subject}, ${user}, ${kept!.tokenSealed}, ${APPLE_CLIENT})`;
  await sql`insert into astapa.apple_token_revocations (project_id, client_id, token_sealed)
    values (${project}, ${APPLE_CLIENT}, ${revoked!.tokenSealed})`;
  const held = await keptAppleToken({ masterKeys: keys }, project, {
    clientId: APPLE_CLIENT,
    clientSecret: "",
  }, identity);
  await sql`insert into astapa.held_social_sign_ups (project_id, token_hash, provider, subject, email_verified,
      sign_in_request, expires_at, token_client_id, refresh_token_sealed)
    values (${project}, ${
    new Uint8Array(32).fill(7)
  }, 'apple', 'apple-held', true, '', now() + interval '10 minutes',
      ${APPLE_CLIENT}, ${held!.tokenSealed})`;
  const totp = await newTotpSecret();
  await sql`insert into astapa.user_factors (project_id, user_id, kind, secret_sealed, confirmed_at)
    values (${project}, ${user}, 'totp', ${await sealTotpSecret(
    keys.factors,
    totp,
    storedContext(project, user),
  )}, now())`;
  return { project, user, totp, sandbox };
}

/** Opens every value `sealEveryKind` made, with `keys`, through the code that reads each in the app. */
export async function openEveryKind(sql: Sql, keys: MasterKeys, sealed: Sealed): Promise<void> {
  const { project, user } = sealed;
  const config = loadConfig({ ASTAPA_MASTER_KEY: "only-for-the-config-".padEnd(40, "c") });
  const store = new KeyStore(sql, keys.sealing);
  await store.ensureKeys();
  assert.ok((await store.active()).privateKey, "the active signing key opens");
  for (const row of await sql`select kid, private_key from astapa.signing_keys`) {
    await open(keys.sealing, row.private_key, row.kid);
  }
  const [endpoint] =
    await sql`select secret_sealed from astapa.webhook_endpoints where project_id = ${project}`;
  assert.match(await openWebhookSecret(keys.sealing, project, endpoint.secret_sealed), /^whsec_/);
  const payments = { config, sql, masterKeys: keys, xenditSandbox: undefined as unknown as XenditSimulator };
  const xendit = await xenditAccount(payments, project, "sandbox", "project");
  assert.deepEqual([xendit?.connection.secretKey, xendit?.callbackToken], [
    XENDIT.secretKey,
    XENDIT.callbackToken,
  ]);
  assert.deepEqual(await sandboxKeys({ sql, masterKeys: keys }, project), sealed.sandbox);
  const row = await projectRow(sql, project);
  assert.deepEqual(await providerCredentials({ config, masterKeys: keys }, row, "google"), {
    clientId: "google-client",
    clientSecret: "g-secret",
  });
  const apple = await providerCredentials({ config, masterKeys: keys }, row, "apple");
  assert.equal(apple && "appleKey" in apple ? apple.appleKey.privateKey : null, "apple-private-key");
  const bot = (row.settings.bot_protection as { secret_key_sealed: string }).secret_key_sealed;
  const botSecret = await open(keys.social, base64url.decode(bot), botSecretContext(project, "turnstile"));
  assert.equal(new TextDecoder().decode(botSecret), "bot-secret");
  const [identity] =
    await sql`select refresh_token_sealed from astapa.identities where project_id = ${project}`;
  assert.equal(
    await openAppleToken({ masterKeys: keys }, project, APPLE_CLIENT, identity.refresh_token_sealed),
    "apple-refresh",
  );
  const [revocation] =
    await sql`select token_sealed from astapa.apple_token_revocations where project_id = ${project}`;
  assert.equal(
    await openAppleToken({ masterKeys: keys }, project, APPLE_CLIENT, revocation.token_sealed),
    "apple-refresh",
  );
  const [held] = await sql`select refresh_token_sealed from astapa.held_social_sign_ups
    where project_id = ${project} and provider = 'apple'`;
  assert.equal(
    await openAppleToken({ masterKeys: keys }, project, APPLE_CLIENT, held.refresh_token_sealed),
    "apple-refresh",
  );
  const [sso] = await sql`select client_secret_sealed from astapa.sso_connections
    where project_id = ${project} and client_id is not null`;
  assert.equal(
    await openSsoSecret(keys.social, project, "sso-client", sso.client_secret_sealed),
    "sso-secret",
  );
  const signIns = await sql`select connection_id, id_token_sealed, session_hash is not null as has_session
    from astapa.sso_oidc_sign_ins where project_id = ${project} order by has_session`;
  assert.deepEqual(
    signIns.map((r) => r.has_session),
    [false, true],
    "one held at a challenge, one with its session",
  );
  for (const signIn of signIns) {
    assert.equal(
      await openIdToken(keys.social, project, signIn.connection_id, signIn.id_token_sealed),
      ID_TOKEN,
      signIn.has_session ? "the OIDC session's ID token opens" : "the held OIDC sign-in's ID token opens",
    );
  }
  const spKeys = await sql`select id, state, certificate, private_key_sealed from astapa.sso_saml_sp_keys
    where project_id = ${project}`;
  const opened = await openSpKeys(keys.social, project, { sp_keys: spKeys as never });
  assert.match(opened[0].privateKeyPem, /BEGIN PRIVATE KEY/);
  const [factor] = await sql`select secret_sealed from astapa.user_factors where project_id = ${project}`;
  assert.equal(
    await openTotpSecret(keys.factors, factor.secret_sealed, storedContext(project, user)),
    sealed.totp,
  );
  const senders = await projectSenders({ config, masterKeys: keys, sql }, project);
  assert.ok(senders.length > 0, "the project's own Zenziva account opens and sends");
}
