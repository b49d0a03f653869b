/**
 * The Platform API's user metadata (GET/PATCH/PUT /api/platform/users/{sub}/metadata): a merge patch as
 * application/merge-patch+json or JSON, credentials in the body never stored, never in the user's tokens, and
 * never another project's user.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { basic, issueCode } from "../helpers/oauth.ts";
import { claimsOf, postForm } from "../helpers/token_client.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, { name: "Metadata" });
const other = await seedProject(t.db.sql, { name: "Other Metadata" });

function call(
  method: string,
  path: string,
  body?: unknown,
  who = project,
  type = "application/merge-patch+json",
) {
  return t.app.request(`/api/platform${path}`, {
    method,
    headers: {
      authorization: basic(who.clientId, who.secret),
      ...(body === undefined ? {} : { "content-type": type }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

Deno.test("user metadata API — merge patch, replace, credentials never stored, not in tokens, another project 404", async () => {
  const sub = await seedUser(t.db.sql, project.id, "meta@api.example", { verified: true });
  const path = `/users/${sub}/metadata`;
  assert.deepEqual(await (await call("GET", path)).json(), {});
  const patched = await call("PATCH", path, { plan_note: "annual", client_id: project.clientId });
  assert.equal(patched.status, 200);
  assert.equal(patched.headers.get("cache-control"), "no-store");
  assert.deepEqual(await patched.json(), { plan_note: "annual" }, "client_id is a credential, not metadata");
  const json = await call("PATCH", path, { crm: { id: 7 } }, project, "application/json");
  assert.deepEqual(await json.json(), { plan_note: "annual", crm: { id: 7 } });
  assert.deepEqual(await (await call("PUT", path, { only: true }, project, "application/json")).json(), {
    only: true,
  });

  assert.equal((await call("PATCH", path, [1], project)).status, 400);
  assert.equal((await call("PATCH", path, { big: "y".repeat(9000) })).status, 400);
  assert.equal((await call("PATCH", path, { x: 1 }, project, "text/plain")).status, 415);
  assert.equal((await call("GET", path, undefined, other)).status, 404);
  assert.equal((await call("PATCH", path, { x: 1 }, other)).status, 404);
  assert.equal((await call("GET", "/users/999999/metadata")).status, 404);
  assert.deepEqual(await (await call("GET", path)).json(), { only: true });

  const code = await issueCode(t.db.sql, project, { userId: sub });
  const grant = await postForm(t, "/api/platform/token", {
    grant_type: "authorization_code",
    code,
    redirect_uri: project.redirectUri,
  }, { authorization: basic(project.clientId, project.secret) });
  assert.equal(grant.res.status, 200);
  assert.ok(
    !JSON.stringify(claimsOf(grant.body.access_token)).includes("only"),
    "metadata never goes in a token",
  );
});
