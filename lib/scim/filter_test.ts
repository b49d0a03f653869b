/** lib/scim/filter.ts — the equality filters IdPs send, and paging. */
import assert from "node:assert/strict";
import { parseFilter, parsePaging } from "./filter.ts";
import { ScimProblem } from "./problem.ts";

Deno.test("scim filter — userName, externalId, id and email equality, any attribute case, escaped values", () => {
  assert.deepEqual(parseFilter('userName eq "dewi@acme.test"'), {
    attribute: "userName",
    value: "dewi@acme.test",
  });
  assert.deepEqual(parseFilter('USERNAME  EQ  "a\\"b"'), { attribute: "userName", value: 'a"b' });
  assert.deepEqual(parseFilter('externalId eq "00u1"'), { attribute: "externalId", value: "00u1" });
  assert.deepEqual(parseFilter('emails[type eq "work"].value eq "d@acme.test"'), {
    attribute: "emails.value",
    value: "d@acme.test",
  });
  assert.equal(parseFilter(undefined), null);
  assert.equal(parseFilter("  "), null);
});

Deno.test("scim filter — name.givenName and name.familyName equality (search by family name)", () => {
  assert.deepEqual(parseFilter('name.familyName eq "Lestari"'), {
    attribute: "name.familyName",
    value: "Lestari",
  });
  assert.deepEqual(parseFilter('NAME.GIVENNAME eq "Dewi"'), { attribute: "name.givenName", value: "Dewi" });
});

Deno.test("scim filter — everything else is invalidFilter; paging is bounded", () => {
  for (
    const filter of [
      'userName sw "d"',
      'userName eq "a" or userName eq "b"',
      "userName eq 5",
      "not (x)",
      "a".repeat(2000),
    ]
  ) {
    assert.throws(
      () => parseFilter(filter),
      (e: unknown) => e instanceof ScimProblem && e.scimType === "invalidFilter",
    );
  }
  assert.deepEqual(parsePaging(undefined, undefined), { startIndex: 1, count: 100 });
  assert.deepEqual(parsePaging("0", "-3"), { startIndex: 1, count: 0 });
  assert.deepEqual(parsePaging("7", "500"), { startIndex: 7, count: 100 });
  assert.throws(() => parsePaging("1.5", "1"), ScimProblem);
});
