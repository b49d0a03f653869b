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

Deno.test("scim user — nickName, preferredLanguage and timezone are kept; a formatted name of its own stays", () => {
  const input = userInput(ScimUserBody.parse({
    userName: "dewi@acme.test",
    nickName: " Dee ",
    preferredLanguage: "id-ID, en;q=0.8",
    timezone: "Asia/Jakarta",
    profileUrl: "https://intranet.acme.test/dewi",
  }));
  assert.deepEqual(
    [input.nickName, input.preferredLanguage, input.timezone],
    ["Dee", "id-ID, en;q=0.8", "Asia/Jakarta"],
  );
  assert.equal("profileUrl" in input, false, "profileUrl is accepted, not kept");
  const own = {
    id: "8f0c",
    userName: "dewi@acme.test",
    name: { givenName: "Dewi", familyName: "Lestari", formatted: "Dr. Dewi Lestari" },
    meta: { resourceType: "User" as const },
  };
  assert.deepEqual(resourceBody(own).name, own.name);
});
