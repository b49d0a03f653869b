/** lib/scim/patch.ts — RFC 7644 §3.5.2 operations in the dialects Okta and Entra ID send. */
import assert from "node:assert/strict";
import { applyPatch } from "./patch.ts";
import { ScimProblem } from "./problem.ts";

const dewi = {
  userName: "dewi@acme.test",
  name: { givenName: "Dewi", familyName: "Lestari" },
  emails: [{ value: "dewi@acme.test", type: "work", primary: true }],
  active: true,
};

Deno.test("scim patch — Okta's path-less replace and Entra's capitalised ops with string booleans", () => {
  assert.equal(applyPatch(dewi, [{ op: "replace", value: { active: false } }]).active, false);
  assert.equal(applyPatch(dewi, [{ op: "Replace", path: "active", value: "False" }]).active, "False");
  const renamed = applyPatch(dewi, [{
    op: "Replace",
    value: { "name.givenName": "Ayu", displayName: "Ayu L." },
  }]);
  assert.deepEqual(renamed.name, { givenName: "Ayu", familyName: "Lestari" });
  assert.equal(renamed.displayName, "Ayu L.");
  assert.equal(dewi.active, true, "the input is not changed");
});

Deno.test("scim patch — email filters, complex merges, adds, removes and attributes not kept", () => {
  const moved = applyPatch(dewi, [{
    op: "replace",
    path: 'emails[type eq "work"].value',
    value: "d@acme.test",
  }]);
  assert.deepEqual(moved.emails, [{ value: "d@acme.test", type: "work", primary: true }]);
  const added = applyPatch({ userName: "x@acme.test" }, [
    { op: "Add", path: 'emails[type eq "work"].value', value: "x@acme.test" },
  ]);
  assert.deepEqual(added.emails, [{ type: "work", value: "x@acme.test" }]);
  const merged = applyPatch(dewi, [{ op: "replace", path: "name", value: { familyName: "L." } }]);
  assert.deepEqual(merged.name, { givenName: "Dewi", familyName: "L." });
  const more = applyPatch(dewi, [{
    op: "add",
    path: "emails",
    value: [{ value: "DEWI@acme.test" }, { value: "h@acme.test" }],
  }]);
  assert.deepEqual((more.emails as { value: string }[]).map((e) => e.value), [
    "dewi@acme.test",
    "h@acme.test",
  ]);
  const removed = applyPatch(dewi, [
    { op: "remove", path: "name.familyName" },
    { op: "remove", path: "emails[primary eq true]" },
    { op: "replace", path: "title", value: "CTO" },
    {
      op: "replace",
      path: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
      value: "R&D",
    },
    { op: "replace", path: "urn:ietf:params:scim:schemas:core:2.0:User:displayName", value: "Dewi" },
  ]);
  assert.deepEqual(removed, { ...dewi, name: { givenName: "Dewi" }, emails: [], displayName: "Dewi" });
});

Deno.test("scim patch — unknown ops, a remove without path, malformed paths and filters are SCIM 400s", () => {
  const cases: [Parameters<typeof applyPatch>[1], string][] = [
    [[{ op: "move", path: "active" }], "invalidSyntax"],
    [[{ op: "remove" }], "noTarget"],
    [[{ op: "remove", path: "active" }], "invalidValue"],
    [[{ op: "replace", value: [1, 2] }], "invalidValue"],
    [[{ op: "replace", path: "name..x", value: 1 }], "invalidPath"],
    [[{ op: "replace", path: 'emails[type co "w"].value', value: "x" }], "invalidPath"],
    [[{ op: "replace", path: 'emails[type eq "w\\q"].value', value: "x" }], "invalidPath"],
  ];
  for (const [operations, scimType] of cases) {
    assert.throws(
      () => applyPatch(dewi, operations),
      (e: unknown) => e instanceof ScimProblem && e.status === 400 && e.scimType === scimType,
      JSON.stringify(operations),
    );
  }
});

Deno.test("scim patch — locale and name.formatted are changed too (they set the profile)", () => {
  const changed = applyPatch(dewi, [
    { op: "replace", path: "urn:ietf:params:scim:schemas:core:2.0:User:locale", value: "id-ID" },
    { op: "add", path: "name.formatted", value: "Dewi Lestari, S.H." },
  ]);
  assert.equal(changed.locale, "id-ID");
  assert.deepEqual(changed.name, {
    givenName: "Dewi",
    familyName: "Lestari",
    formatted: "Dewi Lestari, S.H.",
  });
  assert.equal(applyPatch(changed, [{ op: "remove", path: "locale" }]).locale, undefined);
});

Deno.test("scim patch — nickName, preferredLanguage and timezone are changed (any case), as Entra's paths name them", () => {
  const changed = applyPatch(dewi, [
    { op: "Replace", path: "nickName", value: "Dee" },
    { op: "Add", path: "preferredlanguage", value: "id-ID" },
    { op: "replace", value: { timezone: "Asia/Makassar" } },
  ]);
  assert.deepEqual([changed.nickName, changed.preferredLanguage, changed.timezone], [
    "Dee",
    "id-ID",
    "Asia/Makassar",
  ]);
  assert.equal(applyPatch(changed, [{ op: "remove", path: "nickName" }]).nickName, undefined);
});
