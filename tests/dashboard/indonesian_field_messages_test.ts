/**
 * A refused form's messages on an Indonesian dashboard page: zod's own messages in zod's Indonesian, the profile
 * schema's and the database's in the dashboard's (lib/dashboard/text/field_messages.ts); the same posts on an
 * English page and the Platform API's validation_failed JSON keep their English.
 */
import assert from "node:assert/strict";
import { z } from "zod";
import { testApp } from "../helpers/app.ts";
import { assertApiStaysEnglish, withIndonesian } from "../helpers/indonesian_refusals.ts";
import { addDeveloperTo, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { platformApi } from "../helpers/platform_api.ts";
import { fieldMessage, fieldMessages } from "@/lib/dashboard/field_text.ts";
import { validate } from "@/lib/http/body.ts";
import { AppError } from "@/lib/http/errors.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const owner = await signInDeveloper(t, "pemilik@toko.example");
const project = await seedProject(t.db.sql, { name: "Toko Ayu", redirectUri: "https://toko.example/cb" });
await addDeveloperTo(t, project.id, owner.accountId, "owner");
const base = `/dashboard/projects/${project.id}`;

/** The developer with Indonesian chosen (the language switch's cookie). */
const inIndonesian = withIndonesian(owner);

/** What the page says beside a profile field, if anything. */
const besides = (html: string, field: string) =>
  html.match(new RegExp(`<span class="field-error" id="profile-${field}-error">([^<]*)</span>`))?.[1];

/** The page's alert (a refusal's message). */
const alertOf = (html: string) => html.match(/<p class="alert" role="alert">([^<]*)<\/p>/)?.[1];

Deno.test("Indonesian field messages — a new project's too long redirect URI is refused in zod's Indonesian", async () => {
  const fields = { name: "Toko Baru", redirect_uri: `https://toko.example/${"a".repeat(2000)}` };
  const refused = await postAs(t, inIndonesian, "/dashboard/projects/new", fields);
  assert.equal(refused.status, 422);
  const html = await refused.text();
  assert.match(html, /<html lang="id"/);
  assert.equal(alertOf(html), "Terlalu besar: diharapkan string memiliki &lt;=2000 karakter");

  const english = await postAs(t, owner, "/dashboard/projects/new", fields);
  assert.equal(english.status, 422);
  assert.equal(alertOf(await english.text()), "Too big: expected string to have &lt;=2000 characters");
});

Deno.test("Indonesian field messages — the profile form's refusals beside their fields, the English page's unchanged", async () => {
  const user = await seedUser(t.db.sql, project.id, "ayu@example.com");
  const cases: [string, [string, string][], string, string][] = [
    // The profile schema's own message (shared with the Platform API), a repeated field.
    [
      "gender",
      [["gender", "a"], ["gender", "b"]],
      "gender harus berupa teks atau null.",
      "gender must be a string or null.",
    ],
    ["name", [["name", "x".repeat(1001)]], "name terlalu panjang.", "name is too long."],
    // The database's (astapa.profile_problem), also the alert's detail.
    [
      "birthdate",
      [["birthdate", "2999-01-01"]],
      "birthdate berupa tanggal yang sudah lewat, YYYY-MM-DD, atau 0000-MM-DD tanpa tahun.",
      "birthdate is a date in the past as YYYY-MM-DD, or 0000-MM-DD without the year.",
    ],
  ];
  for (const [field, posted, indonesian, english] of cases) {
    for (const [who, says] of [[inIndonesian, indonesian], [owner, english]] as const) {
      const res = await t.app.request(`${base}/users/${user}/profile`, {
        method: "POST",
        headers: {
          accept: "text/html",
          cookie: who.cookie,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams([["csrf", owner.csrf], ...posted]),
      });
      assert.equal(res.status, 422, field);
      const html = await res.text();
      assert.equal(
        besides(html, field),
        says,
        `${field} on the ${who === owner ? "English" : "Indonesian"} page`,
      );
      if (field === "birthdate") {
        assert.match(alertOf(html) ?? "", new RegExp(`${says.replace(/[.()]/g, "\\$&")}$`));
      }
    }
  }
});

Deno.test("Indonesian field messages — validate() keeps zod's issues for pages only: fields and the API's body stay English", () => {
  const Schema = z.object({
    plan: z.enum(["pro", "team"]),
    seats: z.number().max(5),
    note: z.string().max(2, "Too long."),
  });
  let refused: AppError | undefined;
  try {
    validate(Schema, { plan: "gold", seats: "7", note: "abc" });
  } catch (thrown) {
    refused = thrown as AppError;
  }
  assert.ok(refused instanceof AppError);
  const english = {
    plan: ['Invalid option: expected one of "pro"|"team"'],
    seats: ["Invalid input: expected number, received string"],
    note: ["Too long."],
  };
  assert.deepEqual(refused.fields, english);
  assert.deepEqual(refused.toBody(), {
    error: "validation_failed",
    error_description: "Some fields are missing or invalid.",
    fields: english,
  });
  assert.ok(!JSON.stringify(refused).includes("gold"), "the refused input is never serialised");
  assert.ok(!Object.keys(refused).includes("issues"));
  assert.deepEqual(fieldMessages("en", refused.fields!, refused.issues), english);
  assert.deepEqual(fieldMessages("id", refused.fields!, refused.issues), {
    plan: ['Pilihan tidak valid: diharapkan salah satu dari "pro"|"team"'],
    seats: ["Input tidak valid: diharapkan number, diterima string"],
    note: ["Too long."],
  });
});

Deno.test("Indonesian field messages — every profile refusal of the database has the dashboard's Indonesian", async () => {
  const fields = ["name", "given_name", "family_name", "picture", "locale", "nickname", "middle_name"]
    .concat(["preferred_username", "website", "zoneinfo", "birthdate", "gender"]);
  for (const field of fields) {
    const [{ problem }] = await t.db.sql<{ problem: string }[]>`
      select astapa.profile_problem(${`users_${field}_check`}) as problem`;
    assert.ok(problem.startsWith(`${field} `), problem);
    assert.notEqual(fieldMessage("id", field, problem), problem, `${field}: "${problem}" has no Indonesian`);
    assert.equal(fieldMessage("en", field, problem), problem);
  }
});

Deno.test("Indonesian field messages — the Platform API's validation_failed JSON stays English whatever the language", async () => {
  const api = platformApi(t, project);
  const bad = { email: "citra@toko.example", email_verified: "yes", name: 42 };
  const english = await api("POST", "/users", bad);
  assert.equal(english.status, 400);
  assert.deepEqual(english.body, {
    error: "validation_failed",
    error_description: "Some fields are missing or invalid.",
    fields: {
      email_verified: ["Invalid input: expected boolean, received string"],
      name: ["name must be a string or null."],
    },
  });
  await assertApiStaysEnglish(t, project, "/users", bad, english);
});
