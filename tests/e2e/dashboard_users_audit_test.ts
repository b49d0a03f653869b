/**
 * The user page, the mail outbox and the audit log in Chromium: edit a user's claims, sign them out
 * everywhere, then read the mail and audit pages (which show both). Screenshots go to tests/artifacts/.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage, screenshot } from "../helpers/browser.ts";
import { signInDeveloper, signInPage } from "../helpers/dashboard.ts";
import { seedProject } from "../helpers/identity.ts";
import { asApp } from "@/db/client.ts";
import { addMember } from "@/db/accounts.ts";
import { queueMail } from "@/db/billing.ts";
import { tokenClaims } from "@/db/users.ts";
import { sha256 } from "@/lib/secrets.ts";

const t = await testApp({ listen: true });
Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await t.close();
});

const ARGON = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";

Deno.test("dashboard e2e — edit claims, sign out everywhere, read the mail outbox and the audit log", async () => {
  const developer = await signInDeveloper(t, "dev@dev.example");
  const project = await seedProject(t.db.sql, { name: "Kopi Shop" });
  const ayu = await asApp(t.db.sql, project.id, async (tx) => {
    await addMember(tx, project.id, developer.accountId, "owner");
    const [row] =
      await tx`select api.create_user(${project.id}, 'ayu@example.com', ${ARGON}, true) ->> 'id' as id`;
    await tx`select api.start_login_session(${row.id}, ${await sha256("browser-1")})`;
    await queueMail(tx, project.id, {
      to: "ayu@example.com",
      template: "verify_email",
      subject: "Confirm your address",
      text: "https://kopi.example/verify?token=secret",
      html: '<!doctype html><html lang="id"><body>…</body></html>',
    });
    return row.id as string;
  });
  const { page, problems, close } = await openPage();
  try {
    await signInPage(page, t, developer);
    const base = `${t.origin}/dashboard/projects/${project.id}`;
    await page.goto(`${base}/users/${ayu}`);
    assert.equal(await page.getByRole("heading", { level: 1 }).innerText(), "ayu@example.com");
    await page.getByLabel("Role").fill("editor");
    await page.getByLabel("Feature flags (comma or space separated)").fill("beta_dashboard");
    await page.getByLabel("Custom claims (a JSON object; a key left out is removed)").fill('{"seats": 5}');
    await page.getByRole("button", { name: "Save claims" }).click();
    await page.getByText("Claims saved").waitFor();
    const claims = await asApp(t.db.sql, project.id, (tx) => tokenClaims(tx, project.id, ayu));
    assert.deepEqual(claims, { plan: "free", role: "editor", feature_flags: ["beta_dashboard"], seats: 5 });

    await page.getByLabel("Custom claims (a JSON object; a key left out is removed)").fill("[1]");
    await page.getByRole("button", { name: "Save claims" }).click();
    await page.getByRole("alert").filter({ hasText: "must be a JSON object" }).waitFor();

    await page.getByRole("button", { name: "Sign out everywhere" }).click();
    await page.getByText("Signed out everywhere").waitFor();
    assert.match(await page.locator("#sessions-heading + table").innerText(), /ended/);
    await screenshot(page, "dashboard-user-admin");

    await page.getByRole("navigation", { name: "Project" }).getByRole("link", { name: "Mail" }).click();
    await page.getByRole("heading", { name: "Mail", level: 1 }).waitFor();
    const row = await page.locator("table.mail-list tbody tr").first().innerText();
    assert.match(row, /ayu@example\.com/);
    assert.match(row, /verify_email/);
    assert.ok(!(await page.content()).includes("token=secret"), "never the body");
    await screenshot(page, "dashboard-mail");

    await page.getByRole("navigation", { name: "Project" }).getByRole("link", { name: "Audit log" }).click();
    await page.getByRole("heading", { name: "Audit log", level: 1 }).waitFor();
    await page.getByLabel("Action").fill("user.sign_out_everywhere");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/action=user\.sign_out_everywhere/);
    const entry = await page.locator("table.audit-list tbody tr").first().innerText();
    assert.match(entry, /dev@dev\.example/);
    assert.match(entry, /user\.sign_out_everywhere/);
    assert.match(entry, /sessions\s+1/, "details as key/value pairs");
    await screenshot(page, "dashboard-audit");
    // The one 422 is the refused claims form above, on purpose; a favicon load cut short by the next
    // navigation (a busy machine) is not a failure.
    const refused = problems.filter((p) => p.includes("status of 422"));
    assert.equal(refused.length, 1);
    const unexpected = problems.filter((p) => !p.includes("status of 422"));
    assert.deepEqual(unexpected, [], "no console errors, CSP violations or failed requests");
  } finally {
    await close();
  }
});
