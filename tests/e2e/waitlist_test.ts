/**
 * The hosted waitlist pages in Chromium (the run's shared browser), in English and Indonesian: "Join the
 * waitlist", the joined page, and the refusal (AS4N4) an address not approved yet meets on the sign-up form the
 * approval mail's link opens. Each has no serious or critical axe violation and no console error; the entry keeps
 * the page's language.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage } from "../helpers/browser.ts";
import { seedProject } from "../helpers/identity.ts";
import { seriousAxeViolations } from "../helpers/axe.ts";
import { MESSAGES } from "@/lib/login/i18n.ts";

const t = await testApp({ listen: true });
Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await t.close();
});
const project = await seedProject(t.db.sql, {
  name: "Toko Antre",
  redirectUri: "https://antre.example/cb",
  settings: { sign_up: { mode: "waitlist" } },
});
const request = new URLSearchParams({ client_id: project.clientId, redirect_uri: project.redirectUri });

for (const lang of ["en", "id"] as const) {
  Deno.test(`waitlist in Chromium (${lang}) — join, joined and the not-approved refusal: no serious axe violation`, async () => {
    const t_ = MESSAGES[lang];
    const { page, problems, close } = await openPage({ locale: lang === "id" ? "id-ID" : "en-US" });
    const found: string[] = [];
    const axe = async (step: string) => {
      for (const violation of await seriousAxeViolations(page)) found.push(`${step} → ${violation}`);
    };
    try {
      const email = `orang-${lang}@antre.example`;
      await page.goto(`${t.origin}/auth/signup?${request}&lang=${lang}`);
      await page.getByRole("heading", { name: t_.waitlistTitle }).waitFor();
      await axe("join");
      await page.getByLabel(t_.email, { exact: true }).fill(email);
      await page.getByRole("button", { name: t_.waitlistJoin }).click();
      await page.getByRole("status").filter({ hasText: t_.waitlistJoined }).waitFor();
      await axe("joined");
      const [entry] = await t.db.sql`select lang, status from astapa.waitlist_entries
        where project_id = ${project.id} and email_lower = ${email}`;
      assert.deepEqual({ ...entry }, { lang, status: "waiting" });
      assert.deepEqual(problems, [], "no console error, no blocked request");

      // The approval mail's link names the address: the sign-up form, which refuses it while it waits.
      await page.goto(
        `${t.origin}/auth/signup?${request}&login_hint=${encodeURIComponent(email)}&lang=${lang}`,
      );
      await page.getByLabel(t_.password, { exact: true }).fill("kopi tubruk panas");
      await page.getByRole("button", { name: t_.signUp }).click();
      const refused = t_.signUpWaitlist.replace("{app}", "Toko Antre");
      await page.getByText(refused).waitFor();
      assert.equal(
        await page.locator(`a[href^="/auth/waitlist?"]`).count() >= 1,
        true,
        "the waitlist offered",
      );
      await axe("refusal");
      assert.deepEqual(found, []);
      // The refusal is a 403 page: Chromium logs the document's own status, and nothing else.
      assert.deepEqual(problems, [
        "Failed to load resource: the server responded with a status of 403 (Forbidden)",
      ]);
    } finally {
      await close();
    }
  });
}
