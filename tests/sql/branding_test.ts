/**
 * SQL tests for db/api/branding.sql: the contrast rule, settings.branding validation and merging through
 * api.update_project_settings, the logo functions, and the logo table's policies (own project, another
 * project, no project).
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { projectBranding, projectLogo, removeProjectLogo, setProjectLogo } from "@/db/branding.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { validateLogo } from "@/lib/branding/logo_image.ts";
import { contrast } from "@/lib/branding/colour.ts";
import { rows, testDatabase } from "../helpers/db.ts";
import { appValue, rejectsAs, seedProject } from "../helpers/identity.ts";
import { pngOf } from "../helpers/logos.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const brandingChange = (projectId: string, branding: unknown) =>
  asApp(db.sql, projectId, (tx) => updateProjectSettings(tx, projectId, { branding }), { actor: "test" });

Deno.test("astapa.contrast_with_white — WCAG 2.2 ratios, the same as the server's arithmetic", async () => {
  const ratio = (color: string) =>
    appValue<string | null>(db.sql, null, (tx) => tx`select astapa.contrast_with_white(${color})`);
  assert.equal(Number(await ratio("#000000")), 21);
  assert.equal(Number(await ratio("#ffffff")), 1);
  for (const color of ["#1d4ed8", "#0b6e4f", "#777777", "#FFCC00"]) {
    assert.equal(Number(await ratio(color)), Math.round(contrast(color, "#ffffff") * 100) / 100, color);
  }
  assert.equal(await ratio("blue"), null);
  assert.equal(await ratio("#12345"), null);
});

Deno.test("branding — valid fields are stored and merged key by key; null removes one", async () => {
  const p = await seedProject(db.sql);
  await brandingChange(p.id, {
    display_name: "Warung Sari",
    primary_color: "#1d4ed8",
    theme: "dark",
    terms_url: "https://warung.example/terms",
    privacy_url: "http://localhost:3000/privacy",
    support_email: "help@warung.example",
  });
  const changed = await brandingChange(p.id, { theme: "light", terms_url: null });
  assert.deepEqual(changed.settings.branding, {
    display_name: "Warung Sari",
    primary_color: "#1d4ed8",
    theme: "light",
    privacy_url: "http://localhost:3000/privacy",
    support_email: "help@warung.example",
  });
  const [audit] = rows(
    await asApp(
      db.sql,
      p.id,
      (tx) =>
        tx`select action, details from astapa.audit_log where project_id = ${p.id} order by id desc limit 1`,
    ),
  );
  assert.equal(audit.action, "project.settings");
});

Deno.test("branding — each bad value is refused with its reason", async () => {
  const p = await seedProject(db.sql);
  const refused = async (branding: unknown, message: RegExp) =>
    await rejectsAs(brandingChange(p.id, branding), "validation_failed", message);
  await refused({ primary_color: "#ffcc00" }, /too light: white text on it has a contrast of 1\.\d+:1/);
  await refused({ primary_color: "#777777" }, /4\.48:1, and WCAG AA needs at least 4\.5:1/);
  await refused({ primary_color: "blue" }, /#rrggbb/);
  await refused({ primary_color: "#1d4ed8; color: red" }, /#rrggbb/);
  await refused({ theme: "neon" }, /light, dark or auto/);
  await refused({ terms_url: "javascript:alert(1)" }, /terms_url must be an http\(s\) address/);
  await refused({ privacy_url: "data:text/html,hi" }, /privacy_url must be an http\(s\) address/);
  await refused({ terms_url: 'https://a.example/"><script>' }, /terms_url/);
  await refused({ terms_url: `https://a.example/${"x".repeat(500)}` }, /at most 500/);
  await refused({ support_email: "not an address" }, /support_email/);
  await refused({ support_email: "a@b.example\r\nBcc: x@y.example" }, /support_email/);
  await refused({ display_name: "" }, /display_name/);
  await refused({ display_name: "two\nlines" }, /display_name/);
  await refused({ display_name: "x".repeat(81) }, /display_name/);
  await refused({ display_name: 5 }, /must be a string/);
  await refused({ logo: { sha256: "00" } }, /uploading an image/);
  await refused({ colour: "#000000" }, /branding\.colour is not a branding setting/);
  await refused("blue", /branding must be an object/);
  const [{ settings }] = rows(
    await asApp(db.sql, p.id, (tx) => tx`select settings from astapa.projects where id = ${p.id}`),
  );
  assert.equal(settings.branding, undefined, "nothing was stored");
});

Deno.test("api.set_project_logo — stores the logo, names its hash in settings, keeps it through changes", async () => {
  const p = await seedProject(db.sql);
  const logo = await validateLogo(pngOf(4, 3), "image/png");
  const branding = await asApp(db.sql, p.id, (tx) => setProjectLogo(tx, p.id, logo), { actor: "test" });
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", logo.bytes.slice()));
  const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  assert.deepEqual(branding.logo, { sha256: hex, type: "image/png", width: 4, height: 3 });
  const after = await brandingChange(p.id, { primary_color: "#1d4ed8" });
  assert.equal(
    (after.settings.branding as { logo: { sha256: string } }).logo.sha256,
    hex,
    "a settings change keeps it",
  );
  const found = await asApp(db.sql, p.id, (tx) => projectLogo(tx, p.id, digest));
  assert.equal(found?.content_type, "image/png");
  assert.deepEqual(new Uint8Array(found!.image), logo.bytes);
  assert.equal(
    await asApp(db.sql, p.id, (tx) => projectLogo(tx, p.id, new Uint8Array(32))),
    null,
    "old hash",
  );
  const [audit] = rows(
    await asApp(
      db.sql,
      p.id,
      (tx) =>
        tx`select details from astapa.audit_log where project_id = ${p.id} and action = 'project.branding'`,
    ),
  );
  assert.equal(audit.details.logo.sha256, hex);
});

Deno.test("api.set_project_logo — refuses what the server should have refused already", async () => {
  const p = await seedProject(db.sql);
  const png = pngOf(2, 2);
  const call = (type: string, bytes: Uint8Array, w: number, h: number) =>
    asApp(db.sql, p.id, (tx) => tx`select api.set_project_logo(${p.id}, ${type}, ${bytes}, ${w}, ${h})`);
  await rejectsAs(call("image/svg+xml", png, 2, 2), "validation_failed", /PNG, JPEG or WebP/);
  await rejectsAs(call("image/png", new Uint8Array(262145), 2, 2), "validation_failed", /256 KB/);
  await rejectsAs(call("image/png", new Uint8Array(0), 2, 2), "validation_failed", /256 KB/);
  await rejectsAs(call("image/png", png, 4096, 2), "validation_failed", /2048/);
  const other = await seedProject(db.sql);
  await rejectsAs(
    asApp(db.sql, p.id, (tx) => tx`select api.set_project_logo(${other.id}, 'image/png', ${png}, 2, 2)`),
    "not_found",
  );
});

Deno.test("api.remove_project_logo — removes the row and the setting; idempotent", async () => {
  const p = await seedProject(db.sql);
  const logo = await validateLogo(pngOf(2, 2));
  await asApp(db.sql, p.id, (tx) => setProjectLogo(tx, p.id, logo));
  await brandingChange(p.id, { display_name: "Kept" });
  const first = await asApp(db.sql, p.id, (tx) => removeProjectLogo(tx, p.id), { actor: "test" });
  assert.deepEqual(first, { display_name: "Kept" });
  assert.deepEqual(await asApp(db.sql, p.id, (tx) => removeProjectLogo(tx, p.id)), { display_name: "Kept" });
  const count = await appValue(db.sql, p.id, (tx) => tx`select count(*)::int from astapa.project_logos`);
  assert.equal(count, 0);
  const audits = await appValue(
    db.sql,
    p.id,
    (tx) => tx`select count(*)::int from astapa.audit_log where action = 'project.branding'`,
  );
  assert.equal(audits, 2, "set and one removal; the second removal changed nothing");
});

Deno.test("api.project_branding — the project's name and branding; nothing for another project", async () => {
  const p = await seedProject(db.sql, { name: "Toko" });
  await brandingChange(p.id, { theme: "dark" });
  assert.deepEqual(await asApp(db.sql, p.id, (tx) => projectBranding(tx, p.id)), {
    name: "Toko",
    branding: { theme: "dark" },
  });
  const other = await seedProject(db.sql);
  assert.equal(await asApp(db.sql, other.id, (tx) => projectBranding(tx, p.id)), null);
  assert.equal(await asApp(db.sql, null, (tx) => projectBranding(tx, p.id)), null);
});

Deno.test("project_logos policies — a project sees and changes only its own logo", async () => {
  const a = await seedProject(db.sql);
  const b = await seedProject(db.sql);
  const logo = await validateLogo(pngOf(3, 3));
  await asApp(db.sql, a.id, (tx) => setProjectLogo(tx, a.id, logo));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", logo.bytes.slice()));
  const visible = (projectId: string | null) =>
    appValue<number>(db.sql, projectId, (tx) => tx`select count(*)::int from astapa.project_logos`);
  assert.equal(await visible(a.id), 1);
  assert.equal(await visible(b.id), 0, "another project");
  assert.equal(await visible(null), 0, "no project");
  assert.equal(
    await asApp(db.sql, b.id, (tx) => projectLogo(tx, a.id, digest)),
    null,
    "another project's logo",
  );
  const changed = await appValue<number>(
    db.sql,
    b.id,
    (tx) =>
      tx`with d as (delete from astapa.project_logos where project_id = ${a.id} returning 1)
      select count(*)::int from d`,
  );
  assert.equal(changed, 0, "another project deletes nothing");
  const updated = await appValue<number>(
    db.sql,
    b.id,
    (tx) =>
      tx`with u as (update astapa.project_logos set width = 1 where project_id = ${a.id} returning 1)
      select count(*)::int from u`,
  );
  assert.equal(updated, 0, "another project updates nothing");
  await rejectsAs(
    asApp(
      db.sql,
      b.id,
      (tx) =>
        tx`insert into astapa.project_logos (project_id, sha256, content_type, image, width, height)
        values (${a.id}, ${digest}, 'image/png', ${logo.bytes}, 3, 3)`,
    ),
    "forbidden",
  );
});

Deno.test("api.update_project_settings — branding: null removes the uploaded logo too, this project's only", async () => {
  const p = await seedProject(db.sql);
  const other = await seedProject(db.sql);
  const logo = await validateLogo(pngOf(2, 2), "image/png");
  for (const project of [p, other]) {
    await asApp(db.sql, project.id, (tx) => setProjectLogo(tx, project.id, logo), { actor: "test" });
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", logo.bytes.slice()));
  const after = await brandingChange(p.id, null);
  assert.equal(after.settings.branding, undefined);
  assert.equal(
    await asApp(db.sql, p.id, (tx) => projectLogo(tx, p.id, digest)),
    null,
    "the logo row is gone",
  );
  const [left] = await db.sql`select count(*)::int as n from astapa.project_logos where project_id = ${p.id}`;
  assert.equal(left.n, 0);
  assert.ok(
    await asApp(db.sql, other.id, (tx) => projectLogo(tx, other.id, digest)),
    "another project keeps its",
  );
  // A change that names branding fields keeps the logo.
  await asApp(
    db.sql,
    other.id,
    (tx) => updateProjectSettings(tx, other.id, { branding: { theme: "dark" } }),
    {
      actor: "test",
    },
  );
  assert.ok(await asApp(db.sql, other.id, (tx) => projectLogo(tx, other.id, digest)));
});

Deno.test("api.project_logo — the logo when its SHA-256 is the one asked for; nothing for an old, foreign or another project's hash", async () => {
  const p = await seedProject(db.sql);
  const other = await seedProject(db.sql);
  const digestOf = async (bytes: Uint8Array) =>
    new Uint8Array(await crypto.subtle.digest("SHA-256", bytes.slice()));
  const first = await validateLogo(pngOf(4, 3), "image/png");
  await asApp(db.sql, p.id, (tx) => setProjectLogo(tx, p.id, first), { actor: "test" });
  const firstDigest = await digestOf(first.bytes);
  const logo = async (projectId: string, asked: string, digest: Uint8Array) =>
    rows(await asApp(db.sql, asked, (tx) => tx`select * from api.project_logo(${projectId}, ${digest})`));

  const [found] = await logo(p.id, p.id, firstDigest);
  assert.deepEqual(Object.keys(found), ["content_type", "image"]);
  assert.equal(found.content_type, "image/png");
  assert.deepEqual(new Uint8Array(found.image), first.bytes);

  const second = await validateLogo(pngOf(5, 5), "image/png");
  await asApp(db.sql, p.id, (tx) => setProjectLogo(tx, p.id, second), { actor: "test" });
  assert.deepEqual(await logo(p.id, p.id, firstDigest), [], "the replaced logo's hash finds nothing");
  assert.equal((await logo(p.id, p.id, await digestOf(second.bytes))).length, 1);

  const theirs = await validateLogo(pngOf(6, 2), "image/png");
  await asApp(db.sql, other.id, (tx) => setProjectLogo(tx, other.id, theirs), { actor: "test" });
  const theirDigest = await digestOf(theirs.bytes);
  assert.deepEqual(await logo(p.id, p.id, theirDigest), [], "another project's hash under this project");
  assert.deepEqual(await logo(other.id, p.id, theirDigest), [], "another project's logo is not visible");
  assert.equal((await logo(other.id, other.id, theirDigest)).length, 1);
});
