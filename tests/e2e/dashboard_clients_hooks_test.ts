/**
 * Chromium through the pages for machine clients, signing keys and webhooks: create a machine client and see
 * its secret once, rotate the signing keys, add a webhook endpoint and watch a delivery fail, be resent and
 * arrive. A screenshot of each page goes to tests/artifacts/.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage, screenshot } from "../helpers/browser.ts";
import { signInDeveloper, signInPage } from "../helpers/dashboard.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { waitFor } from "../helpers/wait.ts";
import { startReceiver } from "../helpers/webhooks.ts";
import { asApp } from "@/db/client.ts";
import { addMember } from "@/db/accounts.ts";
import { listWebhookDeliveries } from "@/db/webhooks.ts";
import { listSigningKeys } from "@/db/signing_keys.ts";
import { WebhookWorker } from "@/lib/webhooks/worker.ts";

const t = await testApp({ listen: true });
const receiver = startReceiver();
// One attempt per delivery, so a refused delivery is given up at once and can be resent from the page.
const worker = new WebhookWorker({ sql: t.db.sql, sealing: t.deps.masterKeys.sealing, maxAttempts: 1 });
await worker.start();
Deno.test.afterAll(async () => {
  await worker.stop();
  await receiver.close();
  await disconnectBrowser();
  await t.close();
});

// The first developer on a fresh install owns the deployment (so the keys page is theirs).
const developer = await signInDeveloper(t, "owner@dev.example");
const project = await seedProject(t.db.sql, { name: "Agents" });
await asApp(t.db.sql, project.id, (tx) => addMember(tx, project.id, developer.accountId, "owner"));
const base = `${t.origin}/dashboard/projects/${project.id}`;

const deliveryStatus = async () =>
  (await asApp(t.db.sql, project.id, (tx) => listWebhookDeliveries(tx, project.id)))[0]?.status;

Deno.test("dashboard e2e — machine clients, signing keys and webhooks", async () => {
  const { page, problems, close } = await openPage();
  try {
    await signInPage(page, t, developer);
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: t.origin });

    // Machine clients: declare a scope, create a client, copy its secret; it is not shown again.
    await page.goto(`${base}/machine-clients`);
    assert.equal(await page.getByRole("heading", { level: 1 }).innerText(), "Machine clients");
    await page.getByLabel("Scope", { exact: true }).fill("notes:read");
    await page.getByLabel("Description").fill("Read notes");
    await page.getByRole("button", { name: "Declare" }).click();
    await page.getByText("Scope saved.").waitFor();
    await page.getByLabel("Name", { exact: true }).fill("Support agent");
    await page.getByRole("checkbox", { name: "notes:read Read notes" }).check();
    await page.getByRole("button", { name: "Create machine client" }).click();
    await page.getByRole("heading", { name: "Credentials for Support agent" }).waitFor();
    const secret = await page.locator('[data-credential="client_secret"]').innerText();
    assert.match(secret, /^acs_[A-Za-z0-9_-]{43}$/);
    await page.locator('[data-island="CopyButton"][data-hydrated="true"]').first().waitFor();
    await page.locator(".secret dd").nth(1).getByRole("button", { name: "Copy" }).click();
    await page.getByRole("button", { name: "Copied" }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
    await screenshot(page, "dashboard-machine-client-created");
    await page.goto(`${base}/machine-clients`);
    assert.ok(!(await page.content()).includes(secret), "the secret is shown once");
    await page.getByRole("cell", { name: "Support agent", exact: true }).waitFor();
    await screenshot(page, "dashboard-machine-clients");
    // Rotating asks first (the old secret stops at once); confirmed, the new secret is shown once.
    await page.getByRole("button", { name: "Rotate secret of Support agent" }).click();
    await page.getByRole("heading", { name: "Rotate the secret of Support agent?" }).waitFor();
    await page.getByRole("button", { name: "Rotate secret", exact: true }).click();
    await page.getByRole("heading", { name: "Credentials for Support agent" }).waitFor();
    const rotated = await page.locator('[data-credential="client_secret"]').innerText();
    assert.match(rotated, /^acs_[A-Za-z0-9_-]{43}$/);
    assert.notEqual(rotated, secret);

    // Signing keys: linked from /dashboard for the owner; rotate after confirming.
    await page.goto(`${t.origin}/dashboard`);
    await page.getByRole("link", { name: "signing keys" }).click();
    assert.equal(await page.getByRole("heading", { level: 1 }).innerText(), "Signing keys");
    const activeBefore = await page.locator('tr[data-state="active"] code').innerText();
    const nextBefore = await page.locator('tr[data-state="next"] code').innerText();
    await page.getByRole("checkbox", { name: "Rotate the deployment's signing keys" }).check();
    await page.getByRole("button", { name: "Rotate signing keys" }).click();
    await page.getByText("Rotated: the next key signs now").waitFor();
    assert.equal(await page.locator('tr[data-state="active"] code').innerText(), nextBefore);
    assert.ok(await page.locator(`tr[data-state="retired"] code`, { hasText: activeBefore }).count() === 1);
    const keys = await asApp(t.db.sql, null, (tx) => listSigningKeys(tx));
    assert.equal(keys.find((k) => k.state === "active")?.kid, nextBefore);
    await screenshot(page, "dashboard-signing-keys");

    // Webhooks: add the endpoint (secret once), an event is delivered and refused, resend, delivered.
    receiver.respond = (_request, index) => index === 0 ? 500 : 204;
    await page.goto(`${base}/webhooks`);
    await page.getByLabel("URL").fill(receiver.url);
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await page.getByText("Webhook endpoint added.").waitFor();
    assert.match(await page.locator('[data-credential="signing_secret"]').innerText(), /^whsec_/);
    await screenshot(page, "dashboard-webhook-added");

    await seedUser(t.db.sql, project.id, "ayu@example.com");
    await receiver.waitFor(1);
    await waitFor(async () => (await deliveryStatus()) === "failed", "the refused delivery to fail", 60_000);
    await page.goto(`${base}/webhooks`);
    await page.getByText("HTTP 500 · The endpoint answered 500.").waitFor();
    await page.getByRole("button", { name: "Resend" }).click();
    await page.getByText("Delivery queued again").waitFor();
    await receiver.waitFor(2);
    await waitFor(
      async () => (await deliveryStatus()) === "delivered",
      "the resent delivery to arrive",
      60_000,
    );
    await page.goto(`${base}/webhooks`);
    await page.locator('tr[data-status="delivered"]').waitFor();
    assert.equal(receiver.received[1].json.type, "user.created");
    await screenshot(page, "dashboard-webhooks");
    assert.deepEqual(problems, [], "no console errors, CSP violations or failed requests");
  } finally {
    await close();
  }
});
