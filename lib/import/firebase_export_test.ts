import assert from "node:assert/strict";
import { fromFirebaseUser } from "./firebase_export.ts";
import { ImportRow } from "./rows.ts";

Deno.test("firebase export — Google, GitHub and Apple provider entries become identities; others are left out", () => {
  const row = fromFirebaseUser({
    localId: "fb-1",
    email: "ayu@example.com",
    providerUserInfo: [
      { providerId: "apple.com", rawId: "001.apple.ayu", email: "k2@privaterelay.appleid.com" },
      { providerId: "github.com", rawId: "77" },
      { providerId: "twitter.com", rawId: "t-1" },
    ],
  });
  assert.deepEqual(row.identities, [
    { provider: "apple", subject: "001.apple.ayu", email: "k2@privaterelay.appleid.com" },
    { provider: "github", subject: "77", email: null },
  ]);
  assert.equal(ImportRow.safeParse({ email: "ayu@example.com", identities: row.identities }).success, true);
});
