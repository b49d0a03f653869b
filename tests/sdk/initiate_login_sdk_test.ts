/**
 * The SDK's side of sign-ins the app did not start (docs/hosted-login.md): initiateLoginSettings, users.sendPasswordReset
 * and initiateLogin — the app's initiate-login route refusing another issuer's iss and starting its usual sign-in
 * (state, PKCE, login_hint), which the hosted login answers with the reset form — against a served Astapa.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { seedProject } from "../helpers/oauth.ts";
import { seedPasswordUser } from "../helpers/dynamic_clients.ts";
import { AstapaError, createAstapa } from "@/sdk/mod.ts";

const t = await testApp({ listen: true });
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, { redirectUri: "http://localhost:3000/callback" });
const astapa = createAstapa({
  baseUrl: t.origin,
  clientId: project.clientId,
  clientSecret: project.secret,
  redirectUri: project.redirectUri,
});
const START = "https://app.example/login/start";

const refused = (code: string) => (error: unknown) => error instanceof AstapaError && error.code === code;

Deno.test("sdk — initiateLoginSettings and users.sendPasswordReset: 409 without the URI, then the mail; initiateLogin starts the reset", async () => {
  const sub = await seedPasswordUser(t.db.sql, project.id, "sari@sdk.example", "old password of sari");
  assert.deepEqual(await astapa.initiateLoginSettings.get(), { initiate_login_uri: null });
  await assert.rejects(astapa.users.sendPasswordReset(sub), refused("initiate_login_uri_missing"));
  await assert.rejects(
    astapa.initiateLoginSettings.update({ initiate_login_uri: "http://app.example/start" }),
    refused("validation_failed"),
  );
  assert.deepEqual(await astapa.initiateLoginSettings.update({ initiate_login_uri: START }), {
    initiate_login_uri: START,
  });
  assert.deepEqual(await astapa.users.sendPasswordReset(sub), { sub, sent_to: "sari@sdk.example" });

  const [mail] = await t.db
    .sql`select body_text from astapa.mail_outbox where to_address = 'sari@sdk.example'`;
  const link = /(https?:\/\/\S+\/auth\/start\?\S+)/.exec(mail.body_text)![1];
  const opened = await fetch(link, { redirect: "manual" });
  await opened.body?.cancel();
  const cookie = opened.headers.getSetCookie()[0].split(";")[0];
  const initiate = opened.headers.get("location")!;
  assert.ok(initiate.startsWith(`${START}?`));
  // The app's initiate-login route: its own state and PKCE, the link's login_hint.
  const login = await astapa.initiateLogin(initiate);
  const url = new URL(login.url);
  assert.equal(url.searchParams.get("login_hint"), "sari@sdk.example");
  assert.equal(url.searchParams.get("state"), login.state);
  assert.equal(url.searchParams.get("code_challenge_method"), "S256");
  const hosted = await fetch(login.url, { redirect: "manual", headers: { cookie } });
  await hosted.body?.cancel();
  assert.equal(hosted.status, 303);
  assert.match(hosted.headers.get("location")!, /^\/auth\/reset\?/);
});

Deno.test("sdk — initiateLogin refuses an iss that is not this issuer (missing, another, twice); keeps target_link_uri on the app's origin only", async () => {
  const at = (query: string) => `${START}?${query}`;
  const iss = encodeURIComponent(t.origin);
  for (
    const query of ["login_hint=a%40b.example", "iss=https%3A%2F%2Fevil.example", `iss=${iss}&iss=${iss}`]
  ) {
    await assert.rejects(astapa.initiateLogin(at(query)), refused("invalid_request"), query);
  }
  const own = await astapa.initiateLogin(
    at(`iss=${iss}&target_link_uri=${encodeURIComponent("http://localhost:3000/inbox")}`),
  );
  assert.equal(own.targetLinkUri, "http://localhost:3000/inbox");
  assert.equal(new URL(own.url).searchParams.get("login_hint"), null);
  const away = await astapa.initiateLogin(
    at(`iss=${iss}&target_link_uri=${encodeURIComponent("https://evil.example/")}`),
  );
  assert.equal(away.targetLinkUri, undefined, "never an open redirect");
  const junk = await astapa.initiateLogin(at(`iss=${iss}&target_link_uri=not-a-url`));
  assert.equal(junk.targetLinkUri, undefined);
});
