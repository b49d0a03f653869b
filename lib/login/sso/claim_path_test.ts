/** claim_path.ts — a mapped claim name read as a top-level claim first, then as a dotted path; what may be saved. */
import assert from "node:assert/strict";
import { claimAt, isClaimPath } from "./claim_path.ts";

const claims = {
  email: "top@acme.test",
  "https://example.com/groups": ["url-named"],
  realm_access: { roles: ["realm-admin"] },
  resource_access: { app: { roles: ["app-user"] }, "my.app": { roles: ["dotted-client"] } },
  "realm_access.roles": ["top-level-wins"],
  profile: { name: { given: "Hana" } },
  list: [{ x: 1 }],
  nothing: null,
};

Deno.test("claim paths — an exact top-level name first, so URL-named and dotted claims stay readable", () => {
  assert.equal(claimAt(claims, "email"), "top@acme.test");
  assert.deepEqual(claimAt(claims, "https://example.com/groups"), ["url-named"]);
  assert.deepEqual(claimAt(claims, "realm_access.roles"), ["top-level-wins"]);
});

Deno.test("claim paths — else a path through nested objects, keys with dots found at any level", () => {
  const { "realm_access.roles": _, ...nested } = claims;
  assert.deepEqual(claimAt(nested, "realm_access.roles"), ["realm-admin"]);
  assert.deepEqual(claimAt(nested, "resource_access.app.roles"), ["app-user"]);
  assert.deepEqual(claimAt(nested, "resource_access.my.app.roles"), ["dotted-client"]);
  assert.equal(claimAt(nested, "profile.name.given"), "Hana");
  assert.deepEqual(claimAt(nested, "profile.name"), { given: "Hana" });
});

Deno.test("claim paths — nothing there is undefined: no array index, no prototype, no walking through scalars", () => {
  assert.equal(claimAt(claims, "list.0.x"), undefined);
  assert.equal(claimAt(claims, "profile.constructor"), undefined);
  assert.equal(claimAt(claims, "email.length"), undefined);
  assert.equal(claimAt(claims, "nothing.x"), undefined);
  assert.equal(claimAt(claims, "realm_access.groups"), undefined);
  assert.equal(claimAt({}, "__proto__"), undefined);
});

Deno.test("claim paths — what may be saved: no empty part, at most 15 dots", () => {
  for (const ok of ["groups", "realm_access.roles", "https://example.com/groups", "a" + ".a".repeat(15)]) {
    assert.equal(isClaimPath(ok), true, ok);
  }
  for (const bad of [".groups", "groups.", "realm_access..roles", "a" + ".a".repeat(16)]) {
    assert.equal(isClaimPath(bad), false, bad);
  }
});
