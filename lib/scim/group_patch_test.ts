/** lib/scim/group_patch.ts — RFC 7644 §3.5.2 operations on a Group, as Okta and Entra ID send them, into steps. */
import assert from "node:assert/strict";
import { groupPatchSteps } from "./group_patch.ts";
import { ScimProblem } from "./problem.ts";
import { withMembers } from "./filter.ts";

const id = "7f1c8c3a-3b0e-4a4e-9d76-0c1f2f0a9b11";

Deno.test("scim group patch — Okta: path-less replace of {id, displayName}, add with display, remove by filter", () => {
  assert.deepEqual(
    groupPatchSteps([
      { op: "replace", value: { id: "ignored", displayName: "Eng" } },
      { op: "add", path: "members", value: [{ value: id, display: "dewi@acme.test" }] },
      { op: "remove", path: `members[value eq "${id}"]` },
    ]),
    [{ op: "displayName", value: "Eng" }, { op: "add", ids: [id] }, { op: "remove", ids: [id] }],
  );
});

Deno.test("scim group patch — Entra ID: capitalised ops, value arrays with $ref null, Replace displayName; RFC forms", () => {
  assert.deepEqual(
    groupPatchSteps([
      { op: "Add", path: "members", value: [{ $ref: null, value: id }] },
      { op: "Remove", path: "members", value: [{ $ref: null, value: id }] },
      { op: "Replace", path: "urn:ietf:params:scim:schemas:core:2.0:Group:displayName", value: "Fin" },
      { op: "remove", path: "members" },
      { op: "replace", path: "members", value: { value: id } },
      { op: "remove", path: "externalId" },
      { op: "replace", path: "meta", value: {} },
    ]),
    [
      { op: "add", ids: [id] },
      { op: "remove", ids: [id] },
      { op: "displayName", value: "Fin" },
      { op: "remove_all" },
      { op: "replace", ids: [id] },
      { op: "externalId", value: null },
    ],
  );
});

Deno.test("scim group patch — what cannot be applied is a SCIM 400 with its scimType", () => {
  const many = Array.from({ length: 501 }, () => ({ value: id }));
  const cases: [Parameters<typeof groupPatchSteps>[0], string][] = [
    [[{ op: "move", path: "members" }], "invalidSyntax"],
    [[{ op: "remove" }], "noTarget"],
    [[{ op: "replace", value: "x" }], "invalidValue"],
    [[{ op: "replace", path: 'members[value eq "x"]', value: {} }], "invalidPath"],
    [[{ op: "remove", path: "members[display co 'x']" }], "invalidPath"],
    [[{ op: "remove", path: "displayName" }], "invalidValue"],
    [[{ op: "replace", path: "displayName", value: 42 }], "invalidValue"],
    [[{ op: "add", path: "members", value: [{ display: "no value" }] }], "invalidValue"],
    [
      [{ op: "add", path: "members", value: many }, { op: "add", path: "members", value: many }],
      "invalidValue",
    ],
  ];
  for (const [operations, scimType] of cases) {
    assert.throws(
      () => groupPatchSteps(operations),
      (e: unknown) => e instanceof ScimProblem && e.status === 400 && e.scimType === scimType,
      JSON.stringify(operations).slice(0, 200),
    );
  }
});

Deno.test("scim group reads — excludedAttributes=members or attributes without members leave members out", () => {
  assert.equal(withMembers(undefined, undefined), true);
  assert.equal(withMembers(undefined, "members"), false);
  assert.equal(withMembers(undefined, "Members, meta"), false);
  assert.equal(withMembers("displayName", undefined), false);
  assert.equal(withMembers("displayName,members", undefined), true);
  assert.equal(withMembers(undefined, "urn:ietf:params:scim:schemas:core:2.0:Group:members"), false);
});
