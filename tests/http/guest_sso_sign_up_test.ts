/**
 * A guest signs up at an address whose organization signs in through its own IdP (docs/anonymous-users.md,
 * docs/enterprise-sso.md) against a local OpenID Provider: the sign-up page hands over to the IdP, and the
 * account it makes is the guest's own row (same sub in the new ID token, no longer a guest, plan kept, a member
 * of the organization). An address an account has signs in to that account (the guest stays a guest); a hint
 * that no longer names a guest by the time the IdP answers goes back to the app as invalid_request.
 */
import assert from "node:assert/strict";
import { FormBrowser } from "../helpers/form_browser.ts";
import { seedUser } from "../helpers/identity.ts";
import { platformApi } from "../helpers/platform_api.ts";
import { appWithIdp } from "../helpers/oidc_sso.ts";
import {
  assertBackWithInvalidRequest,
  assertStillAGuest,
  guestRequest,
  guestRow,
  guestsProject,
  payingGuest,
  redeemedIdClaims,
} from "../helpers/guests.ts";

const { t, idp } = await appWithIdp();
const project = await guestsProject(t, {});
const api = platformApi(t, project);
const org = (await api("POST", "/organizations", { name: "Acme", slug: "acme" })).body.id as string;
assert.equal((await api("POST", "/organizations/acme/domains", { domain: "acme.test" })).status, 201);
assert.equal((await api("PUT", "/organizations/acme/domains/acme.test")).status, 200);
assert.equal(
  (await api("PUT", "/organizations/acme/sso-connection", {
    issuer: idp.issuer,
    idp_client_id: idp.clientId,
    idp_client_secret: idp.clientSecret,
  })).status,
  200,
);

/** The guest's sign-up with an address at acme.test: handed over to the IdP, which approves; Astapa's answer. */
async function signUpAtIdp(hint: string, email: string) {
  const { query, verifier } = await guestRequest(project, hint);
  const browser = new FormBrowser(t);
  browser.headers.origin = t.origin;
  const html = await (await browser.get(`/auth/signup?${query}`)).text();
  const handedOver = await browser.post(html, { email, password: "" });
  assert.equal(handedOver.status, 307, await handedOver.clone().text());
  // The browser repeats the POST at /auth/sso (307), which sends it on to the IdP.
  const form = new URLSearchParams(
    [...html.matchAll(/<input type="hidden" name="(request|csrf)" value="([^"]*)"/g)].map((m) => [
      m[1],
      m[2].replaceAll("&amp;", "&"),
    ]),
  );
  form.set("email", email);
  const started = browser.keep(
    await t.app.request(handedOver.headers.get("location")!, {
      method: "POST",
      headers: {
        accept: "text/html",
        "content-type": "application/x-www-form-urlencoded",
        origin: t.origin,
        cookie: browser.header(),
      },
      body: form,
    }),
  );
  assert.equal(started.status, 303, await started.clone().text());
  const upstream = await fetch(started.headers.get("location")!, { redirect: "manual" });
  await upstream.body?.cancel();
  const back = new URL(upstream.headers.get("location")!);
  return { res: await browser.get(back.pathname + back.search), verifier };
}

Deno.test("guest SSO sign-up — the IdP's new person is the guest's own row: same sub, plan kept, a member", async () => {
  const guest = await payingGuest(t, project);
  idp.approveAs = { sub: "acme-tamu", email: "tamu@acme.test", email_verified: true };
  const { res, verifier } = await signUpAtIdp(guest.idToken, "tamu@acme.test");
  assert.equal(res.status, 303, await res.clone().text());
  const { id, access } = await redeemedIdClaims(t, project, res.headers.get("location")!, verifier);
  assert.equal(id.sub, guest.sub);
  assert.equal(id.is_anonymous, undefined);
  assert.equal(access.org_id, org);
  assert.deepEqual(await guestRow(t, project, guest.sub), {
    email: "tamu@acme.test",
    email_verified: true,
    phone_number: null,
    is_anonymous: false,
    plan: "pro",
  });
  const [converted] = await t.db.sql`select details from astapa.audit_log where project_id = ${project.id}
    and action = 'user.converted' and target = ${"user:" + guest.sub}`;
  assert.equal(converted.details.provider, "sso");
});

Deno.test("guest SSO sign-up — an address an account has signs in to that account; the guest stays a guest", async () => {
  const member = await seedUser(t.db.sql, project.id, "ada@acme.test", { verified: true });
  const guest = await payingGuest(t, project);
  idp.approveAs = { sub: "acme-ada", email: "ada@acme.test", email_verified: true };
  const { res, verifier } = await signUpAtIdp(guest.idToken, "ada@acme.test");
  assert.equal(res.status, 303, await res.clone().text());
  assert.equal((await redeemedIdClaims(t, project, res.headers.get("location")!, verifier)).id.sub, member);
  await assertStillAGuest(t, project, guest.sub);
});

Deno.test("guest SSO sign-up — a guest who signed up meanwhile: guest_signed_up, nothing made", async () => {
  const guest = await payingGuest(t, project);
  idp.approveAs = { sub: "acme-dua", email: "dua@acme.test", email_verified: true };
  assert.equal((await signUpAtIdp(guest.idToken, "dua@acme.test")).res.status, 303);
  idp.approveAs = { sub: "acme-tiga", email: "tiga@acme.test", email_verified: true };
  const again = await signUpAtIdp(guest.idToken, "tiga@acme.test");
  assert.equal(again.res.status, 409);
  assert.match(await again.res.text(), /signed up already/);
  const made = await t.db.sql`select 1 from astapa.users where project_id = ${project.id}
    and email = 'tiga@acme.test'`;
  assert.equal(made.length, 0);
  // A hint that names no guest never gets as far as the IdP: the sign-up page sends it back.
  const { query } = await guestRequest(project, "not-an-id-token");
  assertBackWithInvalidRequest(await new FormBrowser(t).get(`/auth/signup?${query}`), project, "not a JWT");
});
