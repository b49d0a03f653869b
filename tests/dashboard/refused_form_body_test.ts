/**
 * A dashboard form whose body its schema refuses (a field too long, one missing, a value not offered — what a
 * browser's own checks stop, unless bypassed) renders its page again with 422 and the fields' messages, in the
 * page's language, as a refusal of the database does; a page that refills keeps what was typed. The CSRF token
 * is still checked first: a bad one is the 403 error page, whatever the body.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { alertOf, withIndonesian } from "../helpers/indonesian_refusals.ts";
import { addDeveloperTo, inviteDeveloper, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const owner = await signInDeveloper(t, "pemilik@toko.example");
const project = await seedProject(t.db.sql, { name: "Toko Ayu", redirectUri: "https://toko.example/cb" });
await addDeveloperTo(t, project.id, owner.accountId, "owner");
const base = `/dashboard/projects/${project.id}`;
const inIndonesian = withIndonesian(owner);

// A name past the schema's 500 characters; the rest as typed (a price with thousands dots, spaces kept).
const typed = {
  key: "starter",
  name: "S".repeat(501),
  description: "Untuk toko kecil",
  price_idr: " 99.000",
  interval: "month",
  feature_flags: "export, api",
};

const planCount = async () => (await t.db.sql`select count(*)::int as n from astapa.plans`)[0].n as number;

Deno.test("refused form body — the plan form's too long name: its page again (422), the message in the page's language, what was typed kept", async () => {
  const before = await planCount();
  for (
    const [who, lang, says] of [
      [
        owner,
        "en",
        "Some fields are missing or invalid. name: Too big: expected string to have <=500 characters.",
      ],
      [
        inIndonesian,
        "id",
        "Beberapa isian kosong atau tidak valid. name: Terlalu besar: diharapkan string memiliki <=500 karakter.",
      ],
    ] as const
  ) {
    const res = await postAs(t, who, `${base}/plans`, typed);
    assert.equal(res.status, 422, lang);
    const html = await res.text();
    assert.match(html, new RegExp(`<html lang="${lang}"`));
    assert.equal(alertOf(html), says);
    for (const [field, value] of Object.entries(typed)) {
      if (field === "interval") continue; // a select
      const input = html.match(new RegExp(`<(?:input|textarea)[^>]*name="${field}"[^>]*>([^<]*)`));
      assert.ok(input, `${field}'s input`);
      assert.ok(
        input[0].includes(`value="${value}"`) || input[1] === value,
        `${field} keeps "${value}" (${lang})`,
      );
    }
  }
  assert.equal(await planCount(), before, "nothing created");
});

Deno.test("refused form body — a missing field (the browser's required bypassed) re-renders the form, not an error page", async () => {
  const { interval: _, ...withoutInterval } = { ...typed, name: "Starter" };
  const res = await postAs(t, owner, `${base}/plans`, withoutInterval);
  assert.equal(res.status, 422);
  const html = await res.text();
  assert.equal(
    alertOf(html),
    "Some fields are missing or invalid. interval: Invalid input: expected string, received undefined.",
  );
  assert.match(html, /value="Starter"/);
});

Deno.test("refused form body — the profile form shows a refused field beside its input, in Indonesian too, the rest as typed", async () => {
  const user = await seedUser(t.db.sql, project.id, "ayu@example.com");
  for (
    const [who, says] of [
      [owner, "name is too long."],
      [inIndonesian, "name terlalu panjang."],
    ] as const
  ) {
    const res = await postAs(t, who, `${base}/users/${user}/profile`, {
      nickname: "Ayu",
      name: "x".repeat(1001),
    });
    assert.equal(res.status, 422);
    const html = await res.text();
    const beside = html.match(/<span class="field-error" id="profile-name-error">([^<]*)<\/span>/)?.[1];
    assert.equal(beside, says);
    assert.match(html, /id="profile-nickname"[^>]*value="Ayu"|value="Ayu"[^>]*id="profile-nickname"/);
  }
});

Deno.test("refused form body — a settings form that checks its URL before the transaction re-renders with the message", async () => {
  const res = await postAs(t, inIndonesian, `${base}/settings/logout`, {
    backchannel_logout_uri: `https://toko.example/${"a".repeat(2000)}`,
  });
  assert.equal(res.status, 422);
  const html = await res.text();
  assert.equal(
    alertOf(html),
    "Beberapa isian kosong atau tidak valid. backchannel_logout_uri: Terlalu besar: diharapkan string memiliki <=2000 karakter.",
  );
});

Deno.test("refused form body — a bad CSRF token is still the 403 error page, with a refused body too", async () => {
  for (const csrf of ["forged", null]) {
    const res = await postAs(t, owner, `${base}/plans`, typed, csrf);
    assert.equal(res.status, 403, `csrf ${csrf}`);
    const html = await res.text();
    assert.ok(!html.includes('name="price_idr"'), "no form rendered again");
    assert.match(html, /This form has expired or did not come from the dashboard/);
  }
});

Deno.test("refused form body — a member without the form's role is refused for the role (403), whatever the body", async () => {
  await inviteDeveloper(t, "admin@toko.example");
  const admin = await signInDeveloper(t, "admin@toko.example");
  await addDeveloperTo(t, project.id, admin.accountId, "admin");
  // Inviting is the owner's: an admin's refused body and well-formed body get the same 403.
  for (
    const body of [{ email: "not an address", role: "viewer" }, {
      email: "baru@toko.example",
      role: "viewer",
    }]
  ) {
    const res = await postAs(t, admin, `${base}/members`, body);
    assert.equal(res.status, 403, body.email);
    assert.ok(!(await res.text()).includes('name="email"'), "no form rendered again");
  }
});

// The forms outside formAction: the deployment's signing keys (no project), the mail preview's test send (back to
// the preview it was sent from) and the language switch (no page of its own).

const signingKeys = async () =>
  (await t.db.sql`select kid, state from astapa.signing_keys order by kid`).map((key) =>
    `${key.kid}:${key.state}`
  );

Deno.test("refused form body — the signing keys' rotation: its page again (422) with the field's message in the page's language, nothing rotated", async () => {
  await t.deps.keys.ensureKeys();
  const before = await signingKeys();
  for (
    const [who, lang, says] of [
      [
        owner,
        "en",
        "Some fields are missing or invalid. confirm: Too big: expected string to have <=10 characters.",
      ],
      [
        inIndonesian,
        "id",
        "Beberapa isian kosong atau tidak valid. confirm: Terlalu besar: diharapkan string memiliki <=10 karakter.",
      ],
    ] as const
  ) {
    const res = await postAs(t, who, "/dashboard/keys", { confirm: "yes".repeat(4) });
    assert.equal(res.status, 422, lang);
    const html = await res.text();
    assert.match(html, new RegExp(`<html lang="${lang}"`));
    assert.equal(alertOf(html), says);
    assert.match(html, /<form method="post" action="\/dashboard\/keys"/, "the rotation form again");
  }
  assert.deepEqual(await signingKeys(), before, "nothing rotated");
});

Deno.test("refused form body — the mail preview's test send: the preview again (422) with the field's message, no mail queued", async () => {
  const queued = async () =>
    (await t.db.sql`select count(*)::int as n from astapa.mail_outbox where project_id = ${project.id}`)[0]
      .n as number;
  const before = await queued();
  for (
    const [who, lang, says] of [
      [
        owner,
        "en",
        "Some fields are missing or invalid. lang: Too big: expected string to have <=8 characters.",
      ],
      [
        inIndonesian,
        "id",
        "Beberapa isian kosong atau tidak valid. lang: Terlalu besar: diharapkan string memiliki <=8 karakter.",
      ],
    ] as const
  ) {
    const res = await postAs(t, who, `${base}/settings/mail-preview`, {
      kind: "reset_password",
      lang: "indonesia-ku",
    });
    assert.equal(res.status, 422, lang);
    const html = await res.text();
    assert.match(html, new RegExp(`<html lang="${lang}"`));
    assert.equal(alertOf(html), says);
    assert.match(html, /<option value="reset_password" selected/, "the kind posted, previewed again");
  }
  // Sending is an admin's: a viewer's post, refused body or not, is refused for the role (403: viewers only read).
  await inviteDeveloper(t, "viewer@toko.example");
  const viewer = await signInDeveloper(t, "viewer@toko.example");
  await addDeveloperTo(t, project.id, viewer.accountId, "viewer");
  const res = await postAs(t, viewer, `${base}/settings/mail-preview`, {
    kind: "reset_password",
    lang: "x".repeat(9),
  });
  assert.equal(res.status, 403);
  assert.ok(!(await res.text()).includes('name="kind"'), "no preview rendered again");
  assert.equal(await queued(), before, "no test mail queued");
});

Deno.test("refused form body — the language switch with a language it never offers: back to the page, the language as it was", async () => {
  for (const who of [owner, inIndonesian]) {
    for (const fields of [{ lang: "fr" }, {}, { lang: "id".repeat(2) }] as Record<string, string>[]) {
      const res = await postAs(t, who, "/dashboard/language", {
        ...fields,
        back: `${base}/users?guests=only`,
      });
      assert.equal(res.status, 303, JSON.stringify(fields));
      assert.equal(res.headers.get("location"), `${base}/users?guests=only`);
      assert.equal(res.headers.get("set-cookie"), null, "the language unchanged");
    }
  }
  // Still only back to the dashboard: the way back is checked as for a language it offers.
  const elsewhere = await postAs(t, owner, "/dashboard/language", {
    lang: "fr",
    back: "https://evil.example/",
  });
  assert.equal(elsewhere.status, 303);
  assert.equal(elsewhere.headers.get("location"), "/dashboard");
  assert.equal(elsewhere.headers.get("set-cookie"), null);
});
