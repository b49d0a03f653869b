/**
 * axe-core (injected by the test, npm `axe-core`) over the hosted pages in both languages and the dashboard's
 * main pages: no serious or critical violation (issue 29, Tests).
 */
import assert from "node:assert/strict";
import axe from "axe-core";
import type { Page } from "playwright-core";
import { asApp } from "@/db/client.ts";
import { createPlan } from "@/db/plans.ts";
import { addMember } from "@/db/accounts.ts";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage } from "../helpers/browser.ts";
import { signInDeveloper, signInPage } from "../helpers/dashboard.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { holdSocialSignUp } from "@/db/held_social_sign_ups.ts";
import { base64url, randomSecret, sha256 } from "@/lib/secrets.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { setProjectLogo } from "@/db/branding.ts";
import { validateLogo } from "@/lib/branding/logo_image.ts";
import { pngOf } from "../helpers/logos.ts";

const t = await testApp({ listen: true });
const project = await seedProject(t.db.sql, {
  name: "Toko Tenun",
  redirectUri: "https://tenun.example/cb",
  // mfa.phone: /auth/mfa?method=phone shows ayu (no factor, no number) the form to add a number there.
  settings: { phone: { enabled: true }, mfa: { phone: true } },
});
const ayu = await seedUser(t.db.sql, project.id, "ayu@example.com", { verified: true });
// Branded, so every hosted page is checked with the brand bar, the footer links and the brand's colours.
await asApp(t.db.sql, project.id, async (tx) => {
  await updateProjectSettings(tx, project.id, {
    branding: {
      display_name: "Tenun Ikat",
      primary_color: "#8a1c4a",
      terms_url: "https://tenun.example/terms",
      privacy_url: "https://tenun.example/privacy",
      support_email: "halo@tenun.example",
    },
  });
  await setProjectLogo(tx, project.id, await validateLogo(pngOf(64, 32)));
});
// A second-factor step owed by ayu, so /auth/mfa shows its set-up page (QR code, key, one-time-code field).
const challenge = randomSecret();
await asApp(
  t.db.sql,
  project.id,
  async (tx) => tx`select api.start_mfa_challenge(${ayu}, ${await sha256(challenge)}, '{pwd}', true)`,
);
// budi has an authenticator app and a live session, so /auth/mfa/manage shows its form (the secret is never
// opened on that page before a code is posted, so any sealed bytes do).
const budi = await seedUser(t.db.sql, project.id, "budi@example.com", { verified: true });
const BUDI_INVITATION = "invitation-for-budi-0123456789";
const budiSession = randomSecret();
await asApp(t.db.sql, project.id, async (tx) => {
  const enrolment = randomSecret();
  await tx`select api.start_mfa_challenge(${budi}, ${await sha256(enrolment)}, '{pwd}', true)`;
  const hashes = await Promise.all(Array.from({ length: 10 }, async (_, i) => {
    const bytes = await sha256(`budi-${i}`);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }));
  await tx`select api.meet_mfa_challenge(${await sha256(enrolment)}, 'enrol', 1, null, ${new Uint8Array([1])},
    (select array_agg(decode(h, 'hex')) from unnest(${hashes}::text[]) h))`;
  await tx`select api.start_login_session(${budi}, ${await sha256(budiSession)}, 3600, '{mfa,otp,pwd}')`;
  // budi is in an organization, so /auth/organization shows the org picker…
  await tx`select api.create_organization('Tenun Kolektif', 'tenun', ${budi})`;
  // …and invited to another, so /auth/invitation asks "Join Koperasi Batik?".
  const [batik] = await tx`select api.create_organization('Koperasi Batik', 'batik', null) ->> 'id' as id`;
  await tx`select api.invite_to_organization(${batik.id}, 'budi@example.com', 'member',
                                             ${await sha256(BUDI_INVITATION)})`;
});
// A project with passkeys and email codes on (issue 20): its sign-in page shows their button and link, and a
// signed-in person's /auth/passkeys page its list and "Add a passkey".
const keys = await seedProject(t.db.sql, {
  name: "Toko Kunci",
  redirectUri: "https://kunci.example/cb",
  settings: { passkeys: true, email_codes: true },
});
const keysLogin = new URLSearchParams({
  client_id: keys.clientId,
  redirect_uri: keys.redirectUri,
  state: "s",
});
const citraSession = randomSecret();
await asApp(t.db.sql, keys.id, async (tx) => {
  const [citra] =
    await tx`select api.create_user(${keys.id}, 'citra@example.com', null, true) ->> 'id' as id`;
  await tx`select api.start_login_session(${citra.id}, ${await sha256(citraSession)}, 3600, '{pwd}')`;
  // Two keys, so the page's rows with their Rename and Remove forms are what axe reads.
  await tx`insert into astapa.passkeys (project_id, credential_id, user_id, public_key, device_type, backed_up, name)
    values (${keys.id}, ${await sha256("a11y-citra-1")}, ${citra.id}, '\\x01', 'multiDevice', true, 'iCloud'),
      (${keys.id}, ${await sha256("a11y-citra-2")}, ${citra.id}, '\\x01', 'singleDevice', false, 'YubiKey')`;
});
const developer = await signInDeveloper(t, "a11y@dev.example");
await asApp(t.db.sql, project.id, (tx) => addMember(tx, project.id, developer.accountId, "owner"));
await asApp(t.db.sql, project.id, async (tx) => {
  await createPlan(tx, project.id, { key: "pro", name: "Pro", price_idr: 49_000, interval: "month" });
});

Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await t.close();
});

/** Serious and critical violations on the page, one line each ("rule: target"). */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(axe.source); // evaluate is not subject to the page's CSP, unlike a script tag
  const violations = await page.evaluate(async () => {
    const run = (globalThis as unknown as { axe: typeof axe }).axe.run;
    const results = await run(document, { resultTypes: ["violations"] });
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      targets: v.nodes.map((n) => String(n.target)),
    }));
  });
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.targets.join(", ")}`);
}

// dian signed up and has not confirmed: her link opens the question (password field, two forms).
const dian = await seedUser(t.db.sql, project.id, "dian@example.com");
await t.db.sql`update astapa.users set password_hash = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA'
  where id = ${dian}`;
const confirmation = randomSecret();
await asApp(
  t.db.sql,
  project.id,
  async (tx) => tx`select api.issue_email_token(${dian}, 'verify_email', ${await sha256(confirmation)})`,
);

// A project asking for consent at sign-up (settings.sign_up.require_legal_consent): its form's "I agree" box,
// with its label and the two links, an error shown on it too.
const consenting = await seedProject(t.db.sql, {
  name: "Toko Setuju",
  redirectUri: "https://setuju.example/cb",
  settings: {
    branding: { terms_url: "https://setuju.example/terms", privacy_url: "https://setuju.example/privacy" },
    sign_up: { require_legal_consent: true },
  },
});
const consentLogin = new URLSearchParams({
  client_id: consenting.clientId,
  redirect_uri: consenting.redirectUri,
});

const login = new URLSearchParams({
  client_id: project.clientId,
  redirect_uri: project.redirectUri,
  state: "s",
});
const HOSTED = [
  `/auth/verify?client_id=${project.clientId}&token=${confirmation}`,
  `/auth/verify?client_id=${project.clientId}&confirmed=claimed&continue=${
    encodeURIComponent(login.toString())
  }`,
  `/auth/login?${login}`,
  `/auth/signup?${login}`,
  `/auth/signup?${consentLogin}`,
  `/auth/forgot?${login}`,
  `/auth/reset?${login}&token=expired`,
  `/auth/logout?client_id=${project.clientId}`,
  `/auth/verify?client_id=${project.clientId}&confirmed=1`,
  `/auth/mfa?${login}`,
  `/auth/mfa?${login}&method=phone`,
  `/account/email?client_id=${project.clientId}&token=expired`,
  `/auth/login?${keysLogin}`,
  `/auth/email-code?${keysLogin}`,
  `/auth/phone?${login}`,
  `/auth/phone/claimed?${login}`,
  `/no-such-page`,
];

for (const lang of ["en", "id"] as const) {
  Deno.test(`accessibility (${lang}) — hosted pages have no serious or critical axe violation`, async () => {
    const { page, close } = await openPage({ locale: lang === "id" ? "id-ID" : "en-US" });
    try {
      await page.context().addCookies([{
        name: `astapa_mfa_${project.id}`,
        value: challenge,
        url: t.origin,
      }, {
        // What a phone code's claim removed, as its answer leaves it for /auth/phone/claimed.
        name: `astapa_phone_claimed_${project.id}`,
        value: base64url.encode(
          new TextEncoder().encode(JSON.stringify({ password: 1, passkeys: 2, email: 1 })),
        ),
        url: t.origin,
      }]);
      const found: string[] = [];
      for (const path of HOSTED) {
        await page.goto(`${t.origin}${path}`);
        for (const violation of await seriousViolations(page)) found.push(`${path} → ${violation}`);
      }
      // The consent step after a first social sign-in from the sign-in page: without a held sign-in its expired
      // page; with one its box, and the box's error when Continue is pressed without it.
      const step = `/auth/signup/continue?${consentLogin}&lang=${lang}`;
      await page.goto(`${t.origin}${step}`);
      assert.equal(await page.locator("#legal_consent").count(), 0, "the expired page is shown");
      for (const violation of await seriousViolations(page)) found.push(`${step} (expired) → ${violation}`);
      const held = randomSecret();
      await holdSocialSignUp(t.db.sql, consenting.id, await sha256(held), {
        provider: "google",
        subject: `a11y-${lang}`,
        email: `a11y-${lang}@setuju.example`,
        emailVerified: true,
      }, { query: consentLogin.toString() });
      await page.context().addCookies([{ name: "astapa_held_sign_up", value: held, url: t.origin }]);
      await page.goto(`${t.origin}${step}`);
      assert.equal(await page.locator("#legal_consent").count(), 1, "the box is shown");
      for (const violation of await seriousViolations(page)) found.push(`${step} → ${violation}`);
      await Promise.all([
        page.waitForURL(/\/auth\/signup\/continue\?lang=/),
        page.click("form[action^='/auth/signup/continue'] button[type=submit]"),
      ]);
      assert.equal(await page.locator("#legal_consent[aria-invalid=true]").count(), 1, "the box's error");
      for (const violation of await seriousViolations(page)) found.push(`${step} (error) → ${violation}`);
      // Last, signed in (a session would send /auth/login straight back to the app).
      await page.context().addCookies([{
        name: `astapa_session_${project.id}`,
        value: budiSession,
        url: t.origin,
      }]);
      const manage = `/auth/mfa/manage?${login}`;
      await page.goto(`${t.origin}${manage}`);
      assert.equal(await page.locator("#code").count(), 1, "the manage form is shown");
      for (const violation of await seriousViolations(page)) found.push(`${manage} → ${violation}`);
      // The account page's phone section, and the code page its form leads to (adding a number needs a
      // sign-in of the last 10 minutes: made fresh here, however long the run took to get this far).
      await t.db.sql`update astapa.login_sessions set created_at = now()
                     where token_hash = ${await sha256(budiSession)}`;
      const account = `/account?client_id=${project.clientId}&lang=${lang}`;
      await page.goto(`${t.origin}${account}`);
      for (const violation of await seriousViolations(page)) found.push(`${account} → ${violation}`);
      await page.fill("#new-phone", "0812 5555 0909");
      await Promise.all([page.waitForURL(/\/account\/phone\?/), page.click("#phone button[value=whatsapp]")]);
      assert.equal(
        await page.locator("input[autocomplete=one-time-code]").count(),
        1,
        "the code page is shown",
      );
      for (const violation of await seriousViolations(page)) found.push(`/account/phone → ${violation}`);
      await page.context().addCookies([{
        name: `astapa_session_${keys.id}`,
        value: citraSession,
        url: t.origin,
      }]);
      await t.db.sql`update astapa.login_sessions set created_at = now()
                     where token_hash = ${await sha256(citraSession)}`;
      const passkeys = `/auth/passkeys?${keysLogin}`;
      await page.goto(`${t.origin}${passkeys}`);
      assert.equal(await page.locator("ul.passkeys > li").count(), 2, "the passkeys page lists both keys");
      // Every Rename and Remove disclosure open: their forms are read too (the session is fresh: Remove shows).
      await page.locator("ul.passkeys summary").evaluateAll((all) =>
        all.forEach((summary) => (summary.parentElement as HTMLDetailsElement).open = true)
      );
      assert.equal(
        await page.getByRole("button", { name: /Remove this passkey|Hapus passkey ini/ }).count(),
        2,
      );
      for (const violation of await seriousViolations(page)) found.push(`${passkeys} → ${violation}`);
      const picker = `/auth/organization?${login}`;
      await page.goto(`${t.origin}${picker}`);
      assert.equal(await page.locator("button[name=organization]").count(), 2, "the org picker is shown");
      for (const violation of await seriousViolations(page)) found.push(`${picker} → ${violation}`);
      const invitation = `/auth/invitation?${login}&invitation=${BUDI_INVITATION}`;
      await page.goto(`${t.origin}${invitation}`);
      assert.equal(await page.locator("button[name=answer]").count(), 2, "the invitation step is shown");
      for (const violation of await seriousViolations(page)) found.push(`${invitation} → ${violation}`);
      assert.deepEqual(found, []);
    } finally {
      await close();
    }
  });
}

Deno.test("accessibility — dashboard pages have no serious or critical axe violation", async () => {
  const { page, close } = await openPage();
  try {
    await signInPage(page, t, developer);
    const base = `/dashboard/projects/${project.id}`;
    const found: string[] = [];
    const ayu = (await t.db.sql`select id::text from astapa.users where email = 'ayu@example.com'`)[0].id;
    // A user with passkeys, one flagged as cloned: the user page's Passkeys table, its warning and remove forms.
    const keyed = await seedUser(t.db.sql, project.id, "keys@example.com", { verified: true });
    const [synced, cloned] = [await sha256("a11y-key-1"), await sha256("a11y-key-2")];
    await asApp(
      t.db.sql,
      project.id,
      (tx) =>
        tx`insert into astapa.passkeys (project_id, credential_id, user_id, public_key, device_type, backed_up, name,
          cloned_at)
        values (${project.id}, ${synced}, ${keyed}, '\\x01', 'multiDevice', true, 'iCloud', null),
          (${project.id}, ${cloned}, ${keyed}, '\\x01', 'singleDevice', false, 'YubiKey', now())`,
    );
    const tabs = [
      "users",
      `users/${ayu}`,
      `users/${keyed}`,
      "plans",
      "payments",
      "machine-clients",
      "webhooks",
    ];
    tabs.push("mail");
    tabs.push(
      "sandbox-inbox",
      "audit",
      "members",
      "settings",
      "settings/branding",
      "settings/mail-preview?kind=email_code&lang=id",
      "redirect-uris",
      "secret",
      "mode",
    );
    tabs.push("coupons", "receipts");
    for (
      const path of [
        "/dashboard",
        "/dashboard/projects/new",
        base,
        ...tabs.map((tab) => `${base}/${tab}`),
      ]
    ) {
      await page.goto(`${t.origin}${path}`);
      for (const violation of await seriousViolations(page)) found.push(`${path} → ${violation}`);
    }
    assert.deepEqual(found, []);
  } finally {
    await close();
  }
});

Deno.test("accessibility — the home page and the docs site (sidebar, search, API reference) have no serious or critical violation", async () => {
  // With JavaScript on: axe runs as a script in the page. The pages without it are tests/e2e/no_javascript_test.ts.
  const { page, close } = await openPage();
  try {
    const found: string[] = [];
    const paths = [
      "/",
      "/docs",
      "/docs/quick-start",
      "/docs/dashboard",
      "/docs/api",
      "/docs/search?q=refresh+token",
    ];
    for (const path of [...paths, "/docs/search?q=zzyzxquux"]) {
      await page.goto(`${t.origin}${path}`);
      if (path === "/") await page.locator('[data-island="QuickStart"][data-hydrated="true"]').waitFor();
      for (const violation of await seriousViolations(page)) found.push(`${path} → ${violation}`);
    }
    assert.deepEqual(found, []);
  } finally {
    await close();
  }
});

for (const lang of ["en", "id"] as const) {
  Deno.test(`accessibility (${lang}) — plan picker and checkout pages have no serious or critical violation`, async () => {
    const { page, close } = await openPage({ locale: lang === "id" ? "id-ID" : "en-US" });
    try {
      const found: string[] = [];
      const check = async (label: string) => {
        for (const violation of await seriousViolations(page)) found.push(`${label} → ${violation}`);
      };
      await page.goto(`${t.origin}/billing?client_id=${project.clientId}`);
      await page.waitForURL(/\/auth\/login/);
      await page.locator('a[href^="/auth/signup"]').first().click();
      await page.waitForURL(/\/auth\/signup/); // the sign-up form, not the sign-in one still shown
      await page.locator("input[name=email]").fill(`buyer-${lang}@example.com`);
      await page.locator("input[name=password]").fill("nasi goreng kampung");
      await page.locator("form button[type=submit]").last().click();
      await page.waitForURL(/\/billing\?client_id=/);
      await check("plan picker");
      await page.locator("ul.plans button").first().click();
      await page.waitForURL(/\/billing\/checkout\/chk_/);
      await check("checkout: methods");
      await page.locator('input[name=method][value="qris"]').check();
      await page.locator("form.methods button[type=submit]").click();
      await page.locator("img.qr").waitFor();
      await check("checkout: QRIS");
      assert.deepEqual(found, []);
    } finally {
      await close();
    }
  });
}
