/**
 * The dashboard's refusals in Indonesian (lib/dashboard/refusal_text.ts): a developer with Indonesian chosen,
 * the page's alert as read, one test per refused form (Indonesian on an Indonesian page, English unchanged), and
 * the check that a message has the dashboard's Indonesian.
 */
import assert from "node:assert/strict";
import type { TestApp } from "./app.ts";
import { postAs, type TestDeveloper } from "./dashboard.ts";
import { basic } from "./oauth.ts";
import { DASHBOARD_LANG_COOKIE } from "@/lib/dashboard/i18n.ts";
import { refusalText } from "@/lib/dashboard/refusal_text.ts";

/** The developer with Indonesian chosen (the language switch's cookie). */
export const withIndonesian = (developer: TestDeveloper): TestDeveloper => ({
  ...developer,
  cookie: `${developer.cookie}; ${DASHBOARD_LANG_COOKIE}=id`,
});

/** The page's alert (a refusal's message), as a person reads it. */
export const alertOf = (html: string) =>
  html.match(/<p class="alert" role="alert">([^<]*)<\/p>/)?.[1]
    ?.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

/** A form's refusal: where it posts, what, and the alert in Indonesian and in English. */
export type RefusalCase = {
  name: string;
  path: string;
  fields: Record<string, string>;
  id: string;
  en: string;
};

/** One test per case, posted as `owner` on an Indonesian page and on an English one. */
export function testRefusals(t: TestApp, label: string, owner: TestDeveloper, cases: RefusalCase[]) {
  for (const { name, path, fields, id, en } of cases) {
    Deno.test(`${label} — ${name}: Indonesian on an Indonesian page, English unchanged`, async () => {
      const indonesian = await postAs(t, withIndonesian(owner), path, fields);
      assert.equal(indonesian.status, 422);
      const html = await indonesian.text();
      assert.match(html, /<html lang="id"/);
      assert.equal(alertOf(html), id);

      const english = await postAs(t, owner, path, fields);
      assert.equal(english.status, 422);
      assert.equal(alertOf(await english.text()), en);
    });
  }
}

/** Says there is an Indonesian wording of `message` (refused with `code`), and the English stays as it is. */
export function assertWorded(code: Parameters<typeof refusalText>[1], message: string, where: string) {
  assert.ok(refusalText("id", code, message), `${where}: "${message}" has no Indonesian`);
  assert.notEqual(refusalText("id", code, message), message, `${where}: "${message}" is not worded`);
  assert.equal(refusalText("en", code, message), message);
}

/**
 * Says a Platform API POST answers byte for byte the same when the caller also carries every Indonesian choice
 * (Accept-Language, the dashboard's language cookie) as `english`, its answer without them.
 */
export async function assertApiStaysEnglish(
  t: TestApp,
  project: { clientId: string; secret: string },
  path: string,
  body: unknown,
  english: { status: number; text: string },
) {
  const res = await t.app.request(`/api/platform${path}`, {
    method: "POST",
    headers: {
      authorization: basic(project.clientId, project.secret),
      "content-type": "application/json",
      "accept-language": "id",
      cookie: `${DASHBOARD_LANG_COOKIE}=id`,
    },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, english.status);
  assert.equal(await res.text(), english.text, "byte for byte");
}
