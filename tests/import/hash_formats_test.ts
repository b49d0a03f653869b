/** lib/import: every imported hash format verifies its password and nothing else; bad parameters refused. */
import assert from "node:assert/strict";
import { firebaseHash, HashProblem, needsRehash, parseHash } from "@/lib/import/hash_formats.ts";
import { verifyAnyPassword } from "@/lib/import/verify_hash.ts";
import { hashPassword } from "@/lib/passwords.ts";
import { FIREBASE_VECTOR, foreignHashes } from "../helpers/foreign_hashes.ts";

Deno.test("import hashes — each format verifies the right password and refuses a wrong one", async () => {
  const hashes = await foreignHashes("correct horse battery");
  for (const [name, stored] of Object.entries(hashes)) {
    assert.equal(await verifyAnyPassword(stored, "correct horse battery"), true, name);
    assert.equal(await verifyAnyPassword(stored, "correct horse batterY"), false, name);
    assert.equal(needsRehash(stored), true, name);
  }
});

Deno.test("import hashes — Firebase's published test vector verifies; a wrong key or salt does not", async () => {
  const { hash_config: c, password, salt, passwordHash } = FIREBASE_VECTOR;
  const config = {
    signerKey: c.base64_signer_key,
    saltSeparator: c.base64_salt_separator,
    rounds: 8,
    memCost: 14,
  };
  const stored = firebaseHash(config, { passwordHash, salt });
  assert.equal(await verifyAnyPassword(stored, password), true);
  assert.equal(await verifyAnyPassword(stored, "user2password"), false);
  // Another project's key of the same length: well-formed, but no password matches.
  const otherKey = btoa("k".repeat(64));
  assert.equal(
    await verifyAnyPassword(
      firebaseHash({ ...config, signerKey: otherKey }, { passwordHash, salt }),
      password,
    ),
    false,
  );
  assert.equal(
    await verifyAnyPassword(
      firebaseHash({ ...config, saltSeparator: "Bg==" }, { passwordHash, salt }),
      password,
    ),
    false,
  );
  // A key of another length cannot have made this hash.
  assert.throws(
    () => firebaseHash({ ...config, signerKey: btoa("short key") }, { passwordHash, salt }),
    /signer key/,
  );
});

Deno.test("import hashes — Astapa's own argon2id needs no re-hash; unknown formats are refused", async () => {
  const own = await hashPassword("pw-123456");
  assert.equal(needsRehash(own), false);
  assert.equal(await verifyAnyPassword(own, "pw-123456"), true);
  for (const unknown of ["5f4dcc3b5aa765d61d8327deb882cf99", "md5$salt$abc", "{SSHA}abc", "", "$1$abc$def"]) {
    assert.throws(() => parseHash(unknown), HashProblem, unknown);
    assert.equal(await verifyAnyPassword(unknown, "x"), false);
  }
});

Deno.test("import hashes — parameters that would make a sign-in too costly or too weak are refused", () => {
  const bad: [string, RegExp][] = [
    ["$2b$31$" + "a".repeat(53), /cost 31/],
    ["$2b$10$tooshort", /53 characters/],
    ["$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g", /memory/],
    ["$argon2id$v=19$m=19456,t=99,p=1$c2FsdHNhbHQ$aGFzaGhhc2g", /t=99/],
    ["$scrypt$ln=24,r=8,p=1$c2FsdA$aGFzaA", /out of range/],
    ["$pbkdf2-sha256$99999999$c2FsdA$aGFzaA", /iterations/],
    ["pbkdf2_sha256$0$salt$aGFzaA==", /iterations/],
    ["$pbkdf2-sha256$1000$c2FsdA$!!!", /PBKDF2 hash is/],
    ["$pbkdf2-sha256$1000$c2FsdA$aGFzaA", /shorter than 16 bytes/],
    ["$firebase-scrypt$m=30,r=8$Bw==$a2V5$c2FsdA==$aGFzaA==", /out of range/],
  ];
  for (const [stored, reason] of bad) assert.throws(() => parseHash(stored), reason, stored);
});
