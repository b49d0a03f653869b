import assert from "node:assert/strict";
import { readRefreshToken, refreshTokenText } from "@/lib/tokens/refresh_tokens.ts";
import { base64url, randomSecret, sha256 } from "@/lib/secrets.ts";

const LOOKUP_ID = "019aebc1-2f3a-7d4e-9f01-23456789abcd";

Deno.test("refresh token text — the lookup id (22 characters) then the secret; read back as the id and the secret's hash", async () => {
  const secret = randomSecret();
  const token = refreshTokenText(LOOKUP_ID, secret);
  assert.equal(token.length, 65);
  assert.match(token, /^[A-Za-z0-9_-]{65}$/);
  assert.ok(token.endsWith(secret));
  assert.equal(base64url.encode(Uint8Array.fromHex(LOOKUP_ID.replaceAll("-", ""))), token.slice(0, 22));
  const read = await readRefreshToken(token);
  assert.equal(read.lookupId, LOOKUP_ID);
  assert.deepEqual(read.secretHash, await sha256(secret), "the hash is the secret's alone");
});

Deno.test("refresh token text — a row without a lookup id (an older token) hands out the secret alone, read back by its hash", async () => {
  const secret = randomSecret();
  assert.equal(refreshTokenText(null, secret), secret);
  assert.equal(refreshTokenText(undefined, secret), secret);
  assert.deepEqual(await readRefreshToken(secret), { lookupId: null, secretHash: await sha256(secret) });
});

Deno.test("refresh token text — anything but the canonical 65 characters is read as an older token (which the database does not find)", async () => {
  const token = refreshTokenText(LOOKUP_ID, randomSecret());
  // 22 characters hold 132 bits: the last character of the id carries 4 bits that must be zero.
  const last = token[21];
  const loose = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".split("")
    .find((c) =>
      c !== last && base64url.decode(token.slice(0, 21) + c).length === 16 &&
      base64url.encode(base64url.decode(token.slice(0, 21) + c)) === token.slice(0, 21) + last
    )!;
  assert.ok(loose, "a second spelling of the same 16 bytes exists");
  const respelled = token.slice(0, 21) + loose + token.slice(22);
  for (const text of [respelled, token.slice(1), token + "A", token.replace(/^./, "+"), "", "nonsense"]) {
    assert.deepEqual(await readRefreshToken(text), { lookupId: null, secretHash: await sha256(text) }, text);
  }
});
