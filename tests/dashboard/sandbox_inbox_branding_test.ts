/**
 * The dashboard's sandbox inbox shows a project's mail as the sender delivers it: with the project's brand
 * (name and logo on top, the footer with its support address and links), not the bare text that was queued.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { addDeveloperTo, getAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject } from "../helpers/identity.ts";
import { asApp } from "@/db/client.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { setProjectLogo } from "@/db/branding.ts";
import { validateLogo } from "@/lib/branding/logo_image.ts";
import { pngOf } from "../helpers/logos.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

Deno.test("sandbox inbox — each mail shows the project's brand, as it is sent", async () => {
  const owner = await signInDeveloper(t, "owner@inbox-brand.example");
  const project = await seedProject(t.db.sql, { name: "Warung" });
  await addDeveloperTo(t, project.id, owner.accountId, "owner");
  const logo = await validateLogo(pngOf(8, 4), "image/png");
  const branding = await asApp(t.db.sql, project.id, async (tx) => {
    await updateProjectSettings(tx, project.id, {
      branding: { display_name: "Warung Ayu", support_email: "help@warung.example" },
    });
    return await setProjectLogo(tx, project.id, logo);
  }, { actor: "test" });
  await asApp(
    t.db.sql,
    project.id,
    (tx) =>
      tx`select api.queue_mail(${project.id}, ${
        tx.json({
          to: "buyer@example.com",
          template: "verify_email",
          subject: "Confirm",
          text: "Open https://x.example/v",
        })
      })`,
  );
  const res = await getAs(t, owner, `/dashboard/projects/${project.id}/sandbox-inbox`);
  assert.equal(res.status, 200);
  const html = await res.text();
  const card = /<article class="card inbox-mail"[\s\S]*?<\/article>/.exec(html)?.[0] ?? "";
  assert.match(card, /<strong>Warung Ayu<\/strong>/);
  assert.match(card, new RegExp(`<img src="/branding/${project.id}/logo-${branding.logo!.sha256}\\.png"`));
  assert.match(
    card,
    /Open <a href="https:\/\/x\.example\/v">https:\/\/x\.example\/v<\/a>\n\n--\nWarung Ayu\nHelp: help@warung\.example/,
  );
});
