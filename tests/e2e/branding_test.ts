/**
 * Branding in Chromium: a project with a logo and a colour shows them on its sign-in page (the CSP untouched:
 * no violation is reported) and in the verification mail delivered through the SMTP sink; the dashboard's
 * live preview follows typing. Screenshots go to tests/artifacts/.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { setProjectLogo } from "@/db/branding.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { addMember } from "@/db/accounts.ts";
import { validateLogo } from "@/lib/branding/logo_image.ts";
import { MailSender } from "@/lib/mail/sender.ts";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage, screenshot } from "../helpers/browser.ts";
import { seedProject } from "../helpers/identity.ts";
import { signInDeveloper, signInPage } from "../helpers/dashboard.ts";
import { startSmtpSink } from "../helpers/smtp_sink.ts";
import { pngOf } from "../helpers/logos.ts";

const BLUE = "#1d4ed8";
const BLUE_RGB = "rgb(29, 78, 216)";

const t = await testApp({ listen: true });
const sink = startSmtpSink();
const sender = new MailSender(t.db.sql, sink.url, "Astapa <no-reply@astapa.test>", { baseUrl: t.origin });
await sender.start();
// The app the person returns to after signing up.
const app = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: () => {} },
  () => new Response("<h1 id=arrived>back at the app</h1>", { headers: { "content-type": "text/html" } }),
);
const project = await seedProject(t.db.sql, {
  name: "warung-prod",
  redirectUri: `http://127.0.0.1:${app.addr.port}/callback`,
});
await asApp(t.db.sql, project.id, async (tx) => {
  await updateProjectSettings(tx, project.id, {
    branding: {
      display_name: "Warung Biru",
      primary_color: BLUE,
      theme: "light",
      terms_url: "https://warung.example/terms",
      support_email: "bantuan@warung.example",
    },
  });
  await setProjectLogo(tx, project.id, await validateLogo(pngOf(120, 40, [29, 78, 216, 255])));
});
const developer = await signInDeveloper(t, "brand@dev.example");
await asApp(t.db.sql, project.id, (tx) => addMember(tx, project.id, developer.accountId, "admin"));

Deno.test.afterAll(async () => {
  await sender.stop();
  sink.close();
  await disconnectBrowser();
  await app.shutdown();
  await t.close();
});

/** The HTML part of a delivered message, decoded (quoted-printable or base64). */
function mailHtml(data: string): string {
  const part = data.split(/\n--/).find((p) => /content-type:\s*text\/html/i.test(p));
  if (!part) throw new Error("the mail has no HTML part");
  const [headers, ...rest] = part.split("\n\n");
  const body = rest.join("\n\n").replace(/\n--[^\n]*--\s*$/, "");
  if (/content-transfer-encoding:\s*base64/i.test(headers)) {
    return new TextDecoder().decode(Uint8Array.from(atob(body.replace(/\s/g, "")), (c) => c.charCodeAt(0)));
  }
  const bytes = body.replace(/=\n/g, "").replace(
    /=([0-9A-F]{2})/g,
    (_, hex) => String.fromCharCode(parseInt(hex, 16)),
  );
  return new TextDecoder().decode(Uint8Array.from(bytes, (c) => c.charCodeAt(0)));
}

Deno.test("branding — the sign-in page shows the logo, name and colour; the verification mail too", async () => {
  const { page, problems, close } = await openPage();
  try {
    const login = new URLSearchParams({
      client_id: project.clientId,
      redirect_uri: project.redirectUri,
      state: "s",
    });
    await page.goto(`${t.origin}/auth/login?${login}`);
    const logo = page.locator("header.brand-bar img.brand-logo");
    await logo.waitFor();
    assert.ok(
      await logo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth === 120),
      "logo loads",
    );
    assert.equal(await page.locator("header.brand-bar .brand-name").innerText(), "Warung Biru");
    const button = page.locator("form button[type=submit]").last();
    assert.equal(await button.evaluate((b) => getComputedStyle(b).backgroundColor), BLUE_RGB);
    assert.equal(await button.evaluate((b) => getComputedStyle(b).color), "rgb(255, 255, 255)");
    assert.equal(
      await page.getByRole("link", { name: "Terms" }).getAttribute("href"),
      "https://warung.example/terms",
    );
    await screenshot(page, "branding-sign-in");

    await page.locator('a[href^="/auth/signup"]').first().click();
    await page.waitForURL(/\/auth\/signup/); // the sign-up form, not the sign-in one still shown
    await page.locator("input[name=email]").fill("sari@example.com");
    await page.locator("input[name=password]").fill("kopi tubruk panas sekali");
    await page.locator("form button[type=submit]").last().click();
    await page.waitForURL(/\/callback\?/);
    assert.deepEqual(
      problems.filter((p) => /Content Security Policy|Refused to/i.test(p)),
      [],
      "no CSP violation",
    );

    await sender.drain();
    const mail = await sink.waitFor("sari@example.com");
    assert.match(mail.data, /^Reply-To: bantuan@warung\.example/m, "replies go to the support address");
    assert.match(mail.data, /^From: "?Warung Biru"? <no-reply@astapa\.test>/m, "sent in the display name");
    const html = mailHtml(mail.data);
    await page.setContent(html);
    const mailLogo = page.locator("img").first();
    await page.waitForFunction(() => [...document.images].every((img) => img.complete));
    assert.ok(
      await mailLogo.evaluate((img: HTMLImageElement) => img.naturalWidth === 120),
      "the mail's logo loads",
    );
    assert.equal(
      await mailLogo.getAttribute("src"),
      `${t.origin}/branding/${project.id}/logo-${
        (await t.db
          .sql`select encode(sha256, 'hex') as h from astapa.project_logos where project_id = ${project.id}`)[
            0
          ].h
      }.png`,
    );
    const action = page.locator("a", { hasText: /Confirm email|Konfirmasi email/ });
    assert.equal(await action.evaluate((a) => getComputedStyle(a).backgroundColor), BLUE_RGB);
    assert.match(await page.locator("body").innerText(), /Warung Biru[\s\S]*bantuan@warung\.example/);
    await screenshot(page, "branding-verification-mail");
  } finally {
    await close();
  }
});

Deno.test("branding — the dashboard's preview follows the colour as it is typed", async () => {
  const { page, problems, close } = await openPage();
  try {
    await signInPage(page, t, developer);
    await page.goto(`${t.origin}/dashboard/projects/${project.id}/settings/branding`);
    await page.locator('[data-island="BrandPreview"][data-hydrated="true"]').waitFor();
    const preview = page.locator(".brand-preview .button");
    assert.equal(await preview.evaluate((b) => getComputedStyle(b).backgroundColor), BLUE_RGB);
    await page.getByLabel("Primary colour (#rrggbb)").fill("#ffeb3b");
    await page.getByText(/too light, WCAG AA needs 4\.5:1/).waitFor();
    await page.getByLabel("Primary colour (#rrggbb)").fill("#7b1fa2");
    await page.getByText(/passes WCAG AA/).waitFor();
    assert.equal(await preview.evaluate((b) => getComputedStyle(b).backgroundColor), "rgb(123, 31, 162)");
    await screenshot(page, "branding-dashboard-preview");
    await page.getByRole("button", { name: "Save branding" }).click();
    await page.getByText("Branding saved").waitFor();
    assert.deepEqual(
      problems.filter((p) => /Content Security Policy|Refused to/i.test(p)),
      [],
      "no CSP violation",
    );
  } finally {
    await close();
  }
});
