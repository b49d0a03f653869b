/** lib/scim/user_resource.ts — the attributes kept from a User body, and what a PATCH starts from. */
import assert from "node:assert/strict";
import { resourceBody, ScimUserBody, userInput } from "./user_resource.ts";

Deno.test("scim user — names, formatted and locale are kept; blanks are null", () => {
  const input = userInput(ScimUserBody.parse({
    userName: "dewi@acme.test",
    name: { givenName: " Dewi ", familyName: "", formatted: "Dewi Lestari" },
    displayName: "Dewi L.",
    locale: "id-ID",
  }));
  assert.deepEqual(
    [input.givenName, input.familyName, input.formatted, input.displayName, input.locale],
    ["Dewi", null, "Dewi Lestari", "Dewi L.", "id-ID"],
  );
  assert.equal(userInput(ScimUserBody.parse({ userName: "x@acme.test" })).locale, null);
});

Deno.test("scim user — a PATCH starts without the derived name.formatted", () => {
  const stored = {
    id: "8f0c",
    userName: "dewi@acme.test",
    name: { givenName: "Dewi", familyName: "Lestari", formatted: "Dewi Lestari" },
    meta: { resourceType: "User" as const },
  };
  assert.deepEqual(resourceBody(stored), {
    userName: "dewi@acme.test",
    name: { givenName: "Dewi", familyName: "Lestari" },
  });
  assert.equal(stored.name.formatted, "Dewi Lestari", "the input is not changed");
});
