/**
 * The TOTP enrolment form carries the new secret sealed under the master key (lib/login/factors/proof.ts): after
 * a master key change, one sealed under the earlier key (still listed in ASTAPA_MASTER_KEY_PREVIOUS, which may
 * have leaked) is not taken — whoever holds that key could otherwise choose the secret a person enrols — and the
 * page starts the enrolment over with a new secret; one sealed under the current key is.
 */
import assert from "node:assert/strict";
import * as OTPAuth from "otpauth";
import { enrolmentContext, sealTotpSecret } from "@/lib/login/factors/totp.ts";
import { base64url, hex, sha256 } from "@/lib/secrets.ts";
import { deriveMasterKeys } from "@/lib/tokens/master_key.ts";
import { testApp } from "../helpers/app.ts";
import { FormBrowser } from "../helpers/form_browser.ts";
import { seedProject } from "../helpers/oauth.ts";

const EARLIER = "earlier-master-secret-".padEnd(44, "e");
const CURRENT = "current-master-secret-".padEnd(44, "c");
const t = await testApp({ env: { ASTAPA_MASTER_KEY: CURRENT, ASTAPA_MASTER_KEY_PREVIOUS: EARLIER } });
Deno.test.afterAll(() => t.close());

const project = await seedProject(t.db.sql, { name: "Toko Aman", settings: { mfa: { policy: "required" } } });
const query = new URLSearchParams({ client_id: project.clientId, redirect_uri: project.redirectUri })
  .toString();
const chosen = new OTPAuth.Secret({ size: 20 }).base32; // the secret whoever holds a key would pick

/** Signs up (the policy asks for enrolment) and answers the enrolment page with `chosen` sealed under `master`. */
async function enrolChosen(email: string, master: string) {
  const browser = new FormBrowser(t);
  await browser.submit(`/auth/signup?${query}`, { email, password: "correct horse" });
  const page = await (await browser.get(`/auth/mfa?${query}`)).text();
  assert.match(page, /class="totp-key"/);
  const token = browser.cookies.get(`astapa_mfa_${project.id}`)!;
  const context = enrolmentContext(project.id, hex(await sha256(token)));
  const sealed = await sealTotpSecret((await deriveMasterKeys(master)).factors, chosen, context);
  const code = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(chosen) }).generate();
  return await browser.post(page, { sealed: base64url.encode(sealed), code });
}

const enrolled = async (email: string) =>
  (await t.db.sql`select count(*)::int as n from astapa.user_factors f join astapa.users u
    on u.project_id = f.project_id and u.id = f.user_id where u.email = ${email} and f.kind = 'totp'`)[0].n;

Deno.test("mfa enrolment — a secret sealed under an earlier master key is not enrolled; the page starts over", async () => {
  const answer = await enrolChosen("earlier@example.com", EARLIER);
  assert.equal(answer.status, 422, "refused as a code that does not match");
  const html = await answer.text();
  assert.match(html, /class="totp-key"/, "the enrolment again");
  assert.doesNotMatch(html, new RegExp(chosen.replace(/(.{4})/g, "$1 ").trim()), "with a new secret");
  assert.equal(await enrolled("earlier@example.com"), 0);
});

Deno.test("mfa enrolment — the same form sealed under the current master key is enrolled", async () => {
  const answer = await enrolChosen("current@example.com", CURRENT);
  assert.equal(answer.status, 200, await answer.clone().text());
  assert.match(await answer.text(), /<li><code>[a-z2-9-]{14}<\/code><\/li>/, "the recovery codes");
  assert.equal(await enrolled("current@example.com"), 1);
});
