/**
 * Issue 17 #12: JSON nested 100,000 levels deep (in `claims`, and anywhere else a JSON body goes) is a 400,
 * never a 500 — the bound is checked before anything parses or walks it (lib/http/json.ts).
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { basic, seedProject, seedUser } from "../helpers/oauth.ts";
import { MAX_JSON_DEPTH, parseJson } from "@/lib/http/json.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql);
const sub = await seedUser(t.db.sql, project.id, "deep@example.com");

const nested = (levels: number) => "[".repeat(levels) + "]".repeat(levels);
const deepObject = (levels: number) => '{"a":'.repeat(levels) + "1" + "}".repeat(levels);

async function send(path: string, method: string, body: string, headers: Record<string, string> = {}) {
  const res = await t.app.request(path, {
    method,
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  return { status: res.status, body: await res.json() };
}

Deno.test("deep JSON — 100,000 levels in claims is 400 invalid_json, not a 500", async () => {
  const auth = { authorization: basic(project.clientId, project.secret) };
  for (const value of [nested(100_000), deepObject(100_000)]) {
    const res = await send(`/api/platform/users/${sub}/claims`, "PATCH", `{"claims": ${value}}`, auth);
    assert.equal(res.status, 400, JSON.stringify(res.body).slice(0, 200));
    assert.equal(res.body.error, "invalid_json");
    assert.match(res.body.error_description, /nested deeper than 32/);
  }
  const fine = await send(`/api/platform/users/${sub}/claims`, "PATCH", '{"org": {"team": {"id": 7}}}', auth);
  assert.equal(fine.status, 200, JSON.stringify(fine.body));
});

Deno.test("deep JSON — the token, registration and Xendit callback endpoints answer 400 too", async () => {
  const token = await send("/api/platform/token", "POST", `{"grant_type": ${nested(100_000)}}`);
  assert.equal(token.status, 400);
  assert.equal(token.body.error, "invalid_request");
  const registration = await send("/api/platform/register", "POST", `{"contacts": ${nested(100_000)}}`);
  assert.equal(registration.status, 400);
  const callback = await send("/api/webhooks/xendit", "POST", `{"data": ${deepObject(100_000)}}`, {
    "x-callback-token": "anything",
  });
  assert.equal(callback.status, 400);
  assert.equal(callback.body.error, "invalid_json");
});

Deno.test("parseJson — the depth count ignores brackets inside strings and escaped quotes", () => {
  const inString = JSON.stringify({ note: "[[[[" + "{".repeat(100) + '\\"]]' });
  assert.deepEqual(Object.keys(parseJson(inString) as object), ["note"]);
  assert.ok(parseJson(nested(MAX_JSON_DEPTH)));
  assert.throws(() => parseJson(nested(MAX_JSON_DEPTH + 1)), /deeper than 32/);
  assert.throws(() => parseJson("{"), SyntaxError);
});
