/**
 * An organization's whole story in Chromium (issue 28's browser test): an invitation, the invited person signing
 * up through it, confirming the address and accepting the invitation ("Join …?"), the org picker at the next
 * sign-in, tokens carrying the organization, a seat-based checkout paid in the offline sandbox by that person
 * (an admin), the seat limit refusing the next invitation, and removal ending the org claims at the next refresh.
 */
import assert from "node:assert/strict";
import { PaymentEventWorker } from "@/lib/payments/worker.ts";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage, screenshot } from "../helpers/browser.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import {} from "../helpers/oauth.ts";
import { claimsOf, credentials, postForm } from "../helpers/token_client.ts";
import { waitFor } from "../helpers/wait.ts";
import { platformApi } from "../helpers/platform_api.ts";

const t = await testApp({ listen: true });
const worker = new PaymentEventWorker(t.db.sql);
await worker.start();
// The app the person returns to: it keeps the code that arrived.
let lastCode: string | null = null;
const app = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
  const url = new URL(req.url);
  if (url.pathname === "/callback") lastCode = url.searchParams.get("code"); // not the favicon's request
  return new Response(`<h1 id="arrived">back at the app</h1>`, { headers: { "content-type": "text/html" } });
});
const project = await seedProject(t.db.sql, {
  name: "Kantor Kita",
  redirectUri: `http://127.0.0.1:${app.addr.port}/callback`,
});

Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await worker.stop();
  await app.shutdown();
  await t.close();
});

const api = platformApi(t, project);

const loginUrl = (params: Record<string, string> = {}) =>
  `${t.origin}/auth/login?${new URLSearchParams({
    client_id: project.clientId,
    redirect_uri: project.redirectUri,
    scope: "openid",
    state: "s",
    ...params,
  })}`;

async function tokens(grant: Record<string, string>) {
  const { res, body } = await postForm(t, "/api/platform/token", { ...grant, ...credentials(project) });
  assert.equal(res.status, 200, JSON.stringify(body));
  return body as { access_token: string; refresh_token: string };
}

Deno.test("organization story — invite, sign up through it, pick the org, pay for seats, hit the seat limit, be removed", async () => {
  const { page, problems, close } = await openPage();
  try {
    await api("POST", "/plans", { key: "business", name: "Business", price_idr: 45_000, interval: "month" });
    await api("PUT", "/plans/business/seats", { seat_pricing: "per_seat" });
    const owner = await seedUser(t.db.sql, project.id, "pemilik@kantor.example");
    const { body: org } = await api("POST", "/organizations", { name: "Kantor Maju", slug: "maju", owner });
    const invited = await api("POST", `/organizations/${org.id}/invitations`, {
      email: "rina@kantor.example",
      role: "admin",
      invited_by: owner,
      accept_url: new URL("/join", project.redirectUri).href,
    });
    assert.equal(invited.status, 201, JSON.stringify(invited.body));

    // Sign up through the invitation: it waits for the address to be confirmed (anyone can sign up with it);
    // the link mailed at sign-up, opened in the same browser, confirms it and asks "Join Kantor Maju?":
    // accepting joins the organization, active.
    await page.goto(loginUrl({ invitation: invited.body.token }));
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.waitForURL(/\/auth\/signup/); // the sign-up form, not the sign-in one still shown
    await page.getByLabel("Email").fill("rina@kantor.example");
    await page.getByLabel("Password").fill("kopi susu gula aren");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByText("Confirm your email address first").waitFor();
    const [mail] = await t.db.sql`select body_text from astapa.mail_outbox
      where to_address = 'rina@kantor.example' and kind = 'verify_email' order by id desc limit 1`;
    const link = /https?:\/\/\S+\/auth\/link\?\S+/.exec(mail.body_text as string)?.[0];
    assert.ok(link, "the confirmation link is mailed");
    await page.goto(link);
    await page.getByRole("button", { name: "Confirm my address" }).click();
    await page.getByText("Join Kantor Maju?").waitFor();
    await page.getByText("Invited by pemilik@kantor.example as admin.").waitFor();
    await page.getByRole("button", { name: "Accept the invitation" }).click();
    await page.waitForURL(/\/callback\?/);
    const joined = claimsOf(
      (await tokens({
        grant_type: "authorization_code",
        code: lastCode!,
        redirect_uri: project.redirectUri,
      })).access_token,
    );
    assert.deepEqual([joined.org_id, joined.org_role], [org.id, "admin"]);

    // The next sign-in asks which organization: the picker.
    await page.goto(loginUrl({ prompt: "login" }));
    await page.getByLabel("Email").fill("rina@kantor.example");
    await page.getByLabel("Password").fill("kopi susu gula aren");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Choose an organization" }).waitFor();
    await screenshot(page, "org-picker-en");
    await page.getByRole("button", { name: "Kantor Maju" }).click();
    await page.waitForURL(/\/callback\?/);
    const signedIn = await tokens({
      grant_type: "authorization_code",
      code: lastCode!,
      redirect_uri: project.redirectUri,
    });
    const access = claimsOf(signedIn.access_token);
    assert.deepEqual([access.org_id, access.org_slug, access.org_role], [org.id, "maju", "admin"]);
    assert.equal((access.custom_claims as Record<string, unknown>).org_plan, undefined, "no team plan yet");

    // The admin pays for two seats on the hosted checkout (QRIS, simulated in the offline sandbox).
    const rina = access.sub as string;
    const opened = await api("POST", "/organizations/maju/checkout", {
      user: rina,
      plan: "business",
      seats: 2,
    });
    assert.equal(opened.status, 201, JSON.stringify(opened.body));
    assert.equal(opened.body.amount, 90_000);
    await page.goto(opened.body.checkout_url);
    assert.equal(await page.locator("p.team").innerText(), "For Kantor Maju · 2 seats");
    await page.getByLabel("QRIS").check();
    await page.getByRole("button", { name: "Continue" }).click();
    await page.locator("img.qr").waitFor();
    await page.getByRole("button", { name: "Simulate payment" }).click();
    await page.locator('[data-status="paid"]').waitFor({ timeout: 15_000 });
    const paid = await waitFor(async () => {
      const { body } = await api("GET", "/organizations/maju");
      return body.plan === "business" && body;
    }, "the organization on its plan");
    assert.equal(paid.seat_limit, 2);
    const refreshed = await tokens({ grant_type: "refresh_token", refresh_token: signedIn.refresh_token });
    const withPlan = claimsOf(refreshed.access_token);
    assert.equal((withPlan.custom_claims as Record<string, unknown>).org_plan, "business");
    assert.equal((withPlan.custom_claims as Record<string, unknown>).plan, "free", "her own plan stays");

    // Two members fill two seats: the next invitation is refused, saying what to do.
    const full = await api("POST", `/organizations/${org.id}/invitations`, {
      email: "budi@kantor.example",
      accept_url: new URL("/join", project.redirectUri).href,
    });
    assert.equal(full.status, 409);
    assert.match(full.body.error_description, /Kantor Maju has all of its 2 seats taken/);

    // Removed: the next refresh carries no organization.
    assert.equal((await api("DELETE", `/organizations/${org.id}/members/${rina}`)).status, 204);
    const after = claimsOf(
      (await tokens({ grant_type: "refresh_token", refresh_token: refreshed.refresh_token }))
        .access_token,
    );
    assert.equal(after.sub, rina);
    assert.equal(after.org_id, undefined);
    assert.equal((after.custom_claims as Record<string, unknown>).org_plan, undefined);
    // The personal plan picker offers personal plans only: a team plan is bought for an organization.
    await api("POST", "/plans", { key: "pro", name: "Pro", price_idr: 49_000, interval: "month" });
    await page.goto(`${t.origin}/billing?client_id=${project.clientId}`);
    const offered = await page.locator("ul.plans").innerText();
    assert.match(offered, /Pro/);
    assert.doesNotMatch(offered, /Business/);
    assert.deepEqual(problems.filter((p) => !/status of 404/.test(p)), []);
  } finally {
    await close();
  }
});
