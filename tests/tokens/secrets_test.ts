import assert from "node:assert/strict";
import { base64url, sha256 } from "@/lib/secrets.ts";

/** What WebCrypto (the earlier implementation, and the standard's) gives for the UTF-8 of the text. */
async function webCryptoSha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

Deno.test("sha256 — the FIPS 180-2 vector, and WebCrypto's bytes for any text (lone surrogates as U+FFFD)", async () => {
  assert.equal(
    base64url.encode(await sha256("abc")),
    base64url.encode(Uint8Array.from(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".match(/../g)!,
      (h) => parseInt(h, 16),
    )),
  );
  for (const text of ["", "acs_" + "x".repeat(43), "héllo ✓ 🙂", "\ud800", "a\udc00b", "y".repeat(70_000)]) {
    assert.deepEqual(await sha256(text), await webCryptoSha256(text), JSON.stringify(text.slice(0, 12)));
  }
});

Deno.test("sha256 — each digest owns exactly its 32 bytes (nothing else shares its buffer)", async () => {
  const [a, b] = await Promise.all([sha256("one"), sha256("two")]);
  assert.equal(a.buffer.byteLength, 32);
  assert.notEqual(a.buffer, b.buffer);
  a.fill(0);
  assert.deepEqual(b, await webCryptoSha256("two"));
});
