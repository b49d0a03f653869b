/**
 * Refusals of the plan, coupon, claims, organization and webhook forms on an Indonesian dashboard page: the
 * database's message (and the form's own) in the dashboard's Indonesian (lib/dashboard/text/refusals.ts), after
 * the error code's; the same posts on an English page keep the English sentence, and the Platform API's JSON
 * its English byte for byte.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import {
  alertOf,
  assertApiStaysEnglish,
  assertWorded,
  type RefusalCase,
  testRefusals,
  withIndonesian,
} from "../helpers/indonesian_refusals.ts";
import { addDeveloperTo, getAs, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { platformApi } from "../helpers/platform_api.ts";
import { toAppError } from "@/lib/http/errors.ts";
import { asApp } from "@/db/client.ts";
import { createPlan } from "@/db/plans.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const owner = await signInDeveloper(t, "pemilik@toko.example");
const project = await seedProject(t.db.sql, { name: "Toko Ayu", redirectUri: "https://toko.example/cb" });
await addDeveloperTo(t, project.id, owner.accountId, "owner");
await asApp(
  t.db.sql,
  project.id,
  (tx) => createPlan(tx, project.id, { key: "pro", name: "Pro", price_idr: 99000 }),
);
await asApp(t.db.sql, project.id, (tx) => tx`select api.create_organization('Tim Ayu', 'tim-ayu', null)`);
const ayu = await seedUser(t.db.sql, project.id, "ayu@example.com", { verified: true });
const base = `/dashboard/projects/${project.id}`;

const inIndonesian = withIndonesian(owner);

const CASES: RefusalCase[] = [
  {
    name: "a plan's blank name (astapa.plan_problems)",
    path: `${base}/plans`,
    fields: { key: "basic", name: " ", price_idr: "10000", interval: "month" },
    id: "Beberapa isian kosong atau tidak valid. name berisi 1 sampai 100 karakter.",
    en: "name must be 1 to 100 characters.",
  },
  {
    name: "a plan's key taken (api.create_plan, AS409)",
    path: `${base}/plans`,
    fields: { key: "pro", name: "Pro lagi", price_idr: "10000", interval: "month" },
    id: "Permintaan ini bertentangan dengan keadaan saat ini. Paket pro sudah ada di proyek ini.",
    en: "Plan pro already exists in this project.",
  },
  {
    name: "a plan granting a role (astapa.claims_problems, under claims.role)",
    path: `${base}/plans/pro`,
    fields: { name: "Pro", price_idr: "99000", interval: "month", claims: '{"role": "admin"}' },
    id: "Beberapa isian kosong atau tidak valid. Paket tidak bisa memberikan peran; atur peran per pengguna.",
    en: "A plan cannot grant a role; set roles per user.",
  },
  {
    name: "a coupon's short code (astapa.coupon_problems)",
    path: `${base}/coupons`,
    fields: { code: "AB", kind: "percent", value: "10" },
    id: "Beberapa isian kosong atau tidak valid. code berisi 3 sampai 40 karakter A-Z, 0-9, _ dan - " +
      "(huruf besar atau kecil sama saja).",
    en: "code must be 3 to 40 characters of A-Z, 0-9, _ and - (case does not matter).",
  },
  {
    name: "a coupon for a plan that does not exist (api.create_coupon)",
    path: `${base}/coupons`,
    fields: { code: "HEMAT10", kind: "percent", value: "10", plans: "emas" },
    id: "Beberapa isian kosong atau tidak valid. Tidak ada paket emas di proyek ini.",
    en: "There is no plan emas in this project.",
  },
  {
    name: "an organization's slug taken (api.create_organization, AS409)",
    path: `${base}/organizations`,
    fields: { name: "Tim Lain", slug: "tim-ayu" },
    id:
      "Permintaan ini bertentangan dengan keadaan saat ini. Organisasi lain di proyek ini sudah memakai slug " +
      "tim-ayu.",
    en: "Another organization of this project has the slug tim-ayu.",
  },
  {
    name: "a personal plan on an organization (api.update_organization)",
    path: `${base}/organizations/plan`,
    fields: { organization: "tim-ayu", plan: "pro" },
    id:
      "Beberapa isian kosong atau tidak valid. Paket pro adalah paket perorangan: organisasi memakai paket " +
      "tim (jadikan paket tim dengan PUT /api/platform/plans/pro/seats).",
    en: "Plan pro is a personal plan: an organization takes a team plan (make it one with PUT " +
      "/api/platform/plans/pro/seats).",
  },
  {
    name: "a webhook's http URL (astapa.save_webhook_endpoint)",
    path: `${base}/webhooks`,
    fields: { endpoint: "new", url: "http://app.example/hooks", events: "user.created" },
    id:
      "Beberapa isian kosong atau tidak valid. Pakai URL https absolut (http hanya di localhost, 127.0.0.1 " +
      "atau [::1]) tanpa fragmen.",
    en: "Use an absolute https URL (http only on localhost, 127.0.0.1 or [::1]) without a fragment.",
  },
  {
    name: "a webhook without event types (the form's own)",
    path: `${base}/webhooks`,
    fields: { endpoint: "new", url: "https://app.example/hooks" },
    id:
      "Beberapa isian kosong atau tidak valid. Pilih paling sedikit satu jenis event, atau pilih semua event.",
    en: "Pick at least one event type, or choose all events.",
  },
  {
    name: "a user's reserved custom claim (api.patch_user_claims, spelled out per field)",
    path: `${base}/users/${ayu}/claims`,
    fields: { role: "", feature_flags: "", extra: '{"sub": "x"}' },
    id:
      "Beberapa isian kosong atau tidak valid. sub: sub adalah nama claim yang dicadangkan; pilih nama lain " +
      "untuk claim kustom.",
    en: "sub: sub is a reserved claim name; pick another name for a custom claim.",
  },
  {
    name: "a user's custom claims that are not JSON (the claims form's own)",
    path: `${base}/users/${ayu}/claims`,
    fields: { role: "", feature_flags: "", extra: "{seats" },
    id:
      'Beberapa isian kosong atau tidak valid. Claim kustom harus berupa JSON yang valid, misalnya {"seats": 5, ' +
      '"company_id": "acme"}.',
    en: 'Custom claims must be valid JSON, for example {"seats": 5, "company_id": "acme"}.',
  },
];

testRefusals(t, "Indonesian refusals", owner, CASES);

Deno.test("Indonesian refusals — every problem of a plan and a coupon the database raises has the dashboard's Indonesian", async () => {
  const plans = [
    { key: "Bad Key", name: "X" },
    { key: "ok", name: "" },
    { key: "ok", name: "X", description: "d".repeat(1001) },
    { key: "ok", name: "X", price_idr: -1 },
    { key: "ok", name: "X", interval: "week" },
    { key: "ok", name: "X", trial_days: 400 },
    { key: "ok", name: "X", sort_order: 2000000 },
    { key: "ok", name: "X", claims: { plan: "pro" } },
    { key: "ok", name: "X", claims: { feature_flags: "beta" } },
    { key: "ok", name: "X", claims: { "1x": 1 } },
  ];
  const coupons = [
    { code: "HEMAT", percent_off: 100 },
    { code: "HEMAT", amount_off_idr: 0 },
    { code: "HEMAT" },
    { code: "HEMAT", percent_off: 10, duration: "weekly" },
    { code: "HEMAT", percent_off: 10, duration: "repeating" },
    { code: "HEMAT", percent_off: 10, duration: "repeating", duration_periods: 0 },
    { code: "HEMAT", percent_off: 10, max_redemptions: 0 },
    { code: "HEMAT", percent_off: 10, plans: [] },
    { code: "HEMAT", percent_off: 10, expires_at: "tomorrow" },
  ];
  const refusals = [
    ...plans.map((plan) => (tx: Parameters<Parameters<typeof asApp>[2]>[0]) =>
      tx`select api.create_plan(${project.id}, ${tx.json(plan)})`
    ),
    ...coupons.map((coupon) => (tx: Parameters<Parameters<typeof asApp>[2]>[0]) =>
      tx`select api.create_coupon(${project.id}, ${tx.json(coupon)})`
    ),
  ];
  for (const refuse of refusals) {
    const thrown = await asApp(t.db.sql, project.id, refuse).then(() => undefined, (error) => error);
    const error = toAppError(thrown);
    assert.equal(error.code, "validation_failed", String(thrown));
    for (const [field, problems] of Object.entries(error.fields ?? {})) {
      for (const problem of problems) assertWorded(error.code, problem, field);
    }
  }
});

Deno.test("Indonesian refusals — the Platform API's refusal JSON stays English whatever the language", async () => {
  const api = platformApi(t, project);
  const bad = { key: "pro", name: "Pro lagi" };
  const english = await api("POST", "/plans", bad);
  assert.equal(english.status, 409);
  assert.equal(
    (english.body as { error_description: string }).error_description,
    "Plan pro already exists in this project.",
  );
  await assertApiStaysEnglish(t, project, "/plans", bad, english);
});

Deno.test("Indonesian refusals — a form zod refuses renders its page again in the dashboard's language, saying which field and why", async () => {
  const problems: Record<string, string> = {};
  for (
    const [who, lang, says] of [
      [inIndonesian, "id", "Beberapa isian kosong atau tidak valid."],
      [owner, "en", "Some fields are missing or invalid."],
    ] as const
  ) {
    const res = await postAs(t, who, `${base}/webhooks/enabled`, { enabled: "maybe" });
    assert.equal(res.status, 422);
    const html = await res.text();
    assert.match(html, new RegExp(`<html lang="${lang}"`));
    const alert = alertOf(html) ?? "";
    assert.ok(alert.startsWith(`${says} enabled: `), alert);
    problems[lang] = alert.slice(says.length);
  }
  assert.notEqual(problems.id, problems.en, "worded in Indonesian");
});

Deno.test("Indonesian refusals — a query string zod refuses gets the error page in the dashboard's language, saying which field and why", async () => {
  const problems: Record<string, string[]> = {};
  for (
    const [who, lang, says] of [
      [inIndonesian, "id", "Beberapa isian kosong atau tidak valid."],
      [owner, "en", "Some fields are missing or invalid."],
    ] as const
  ) {
    // The users list's search, too long (a refused form renders its page instead: refused_form_body_test.ts).
    const res = await getAs(t, who, `${base}/users?q=${"x".repeat(255)}`);
    assert.equal(res.status, 400);
    const html = await res.text();
    assert.match(html, new RegExp(`<html lang="${lang}"`));
    assert.ok(html.includes(`<p>${says}</p>`), says);
    const list = html.match(/<ul class="field-problems">(.*?)<\/ul>/)?.[1];
    assert.ok(list, "the page lists the fields' problems, in the page's language (no lang of their own)");
    problems[lang] = [...list.matchAll(/<li>([^<]*)<\/li>/g)].map((m) => m[1]);
  }
  assert.ok(problems.en.some((p) => p.startsWith("q: ")), problems.en.join(" | "));
  assert.equal(problems.id.length, problems.en.length);
  assert.ok(
    problems.id.some((p) => p.startsWith("q: ") && !problems.en.includes(p)),
    "worded in Indonesian",
  );
});
