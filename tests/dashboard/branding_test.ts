/**
 * The dashboard's Branding page: admins save fields (a colour that fails WCAG AA re-renders the page with the
 * reason), upload a logo as multipart (a disguised file is refused the same way; a missing or wrong CSRF token
 * is 403), and remove it; viewers read only.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { testApp } from "../helpers/app.ts";
import {
  addDeveloperTo,
  getAs,
  inviteDeveloper,
  postAs,
  signInDeveloper,
  type TestDeveloper,
} from "../helpers/dashboard.ts";
import { seedProject } from "../helpers/identity.ts";
import { pngOf } from "../helpers/logos.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const project = await seedProject(t.db.sql, { name: "Kedai" });
const admin = await signInDeveloper(t, "admin@brand.example");
await inviteDeveloper(t, "viewer@brand.example");
const viewer = await signInDeveloper(t, "viewer@brand.example");
await addDeveloperTo(t, project.id, admin.accountId, "admin");
await addDeveloperTo(t, project.id, viewer.accountId, "viewer");
const page = `/dashboard/projects/${project.id}/settings/branding`;
const logoPath = `/dashboard/projects/${project.id}/settings/logo`;

const branding = async () =>
  (await asApp(t.db.sql, project.id, (tx) => tx`select settings -> 'branding' as b from astapa.projects`))[0]
    .b;

function uploadAs(
  developer: TestDeveloper,
  bytes: Uint8Array,
  name: string,
  type: string,
  csrf = developer.csrf,
) {
  const form = new FormData();
  form.set("csrf", csrf);
  form.set("action", "upload");
  form.set("logo", new File([bytes.slice()], name, { type }));
  return t.app.request(logoPath, {
    method: "POST",
    headers: { accept: "text/html", cookie: developer.cookie },
    body: form,
  });
}

Deno.test("dashboard branding — an admin saves the fields; a too-light colour is refused with the reason", async () => {
  const saved = await postAs(t, admin, page, {
    display_name: "Kedai Kopi",
    primary_color: "#0f5132",
    theme: "dark",
    terms_url: "",
    privacy_url: "https://kedai.example/privacy",
    support_email: "halo@kedai.example",
  });
  assert.equal(saved.status, 303);
  assert.equal(saved.headers.get("location"), `${page}?done=branding_saved`);
  assert.deepEqual(await branding(), {
    display_name: "Kedai Kopi",
    primary_color: "#0f5132",
    theme: "dark",
    privacy_url: "https://kedai.example/privacy",
    support_email: "halo@kedai.example",
  });
  const refused = await postAs(t, admin, page, { primary_color: "#ffeb3b" });
  assert.equal(refused.status, 422);
  assert.match(await refused.text(), /too light: white text on it has a contrast of 1\.\d+:1/);
  const script = await postAs(t, admin, page, { terms_url: "javascript:alert(1)" });
  assert.equal(script.status, 422);
  assert.match(await script.text(), /terms_url must be an http\(s\) address/);
  assert.equal((await branding()).primary_color, "#0f5132", "nothing changed");
});

Deno.test("dashboard branding — a logo is uploaded as multipart; a disguised file is refused and shown why", async () => {
  const good = await uploadAs(admin, pngOf(30, 10), "logo.png", "image/png");
  assert.equal(good.status, 303, await good.text());
  assert.equal((await branding()).logo.width, 30);
  const shown = await (await getAs(t, admin, page)).text();
  assert.match(shown, new RegExp(`src="/branding/${project.id}/logo-[0-9a-f]{64}\\.png"`));
  const script = new TextEncoder().encode("<?php system($_GET['c']); ?>");
  const disguised = await uploadAs(admin, script, "logo.png", "image/png");
  assert.equal(disguised.status, 422);
  assert.match(await disguised.text(), /must be a PNG, JPEG or WebP image, and this file is none of them/);
  const forged = await uploadAs(admin, pngOf(2, 2), "logo.png", "image/png", "wrong-token");
  assert.equal(forged.status, 403);
  await forged.body?.cancel();
  assert.equal((await branding()).logo.width, 30, "the logo stayed");
  const removed = await postAs(t, admin, logoPath, { action: "remove" });
  assert.equal(removed.status, 303);
  assert.equal((await branding()).logo, undefined);
});

Deno.test("dashboard branding — a viewer reads the page but changes nothing", async () => {
  const read = await getAs(t, viewer, page);
  assert.equal(read.status, 200);
  const html = await read.text();
  assert.match(html, /data-island="BrandPreview"/);
  assert.ok(!html.includes("Save branding"), "no save button for a viewer");
  const post = await postAs(t, viewer, page, { display_name: "Mine now" });
  assert.equal(post.status, 403);
  await post.body?.cancel();
  const upload = await uploadAs(viewer, pngOf(2, 2), "logo.png", "image/png");
  assert.equal(upload.status, 403);
  await upload.body?.cancel();
  assert.equal((await branding()).display_name, "Kedai Kopi");
});
