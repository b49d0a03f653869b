import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
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

Deno.test("base64url — RFC 4648 vectors, node's base64url for every length, strict decoding", () => {
  const text = (s: string) => new TextEncoder().encode(s);
  // RFC 4648 §10, in the URL-safe alphabet without padding.
  const vectors = ["", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"];
  vectors.forEach((encoded, n) => {
    assert.equal(base64url.encode(text("foobar".slice(0, n))), encoded);
    assert.deepEqual(base64url.decode(encoded), text("foobar".slice(0, n)));
  });
  for (let length = 0; length <= 70; length++) {
    const bytes = crypto.getRandomValues(new Uint8Array(length));
    const encoded = base64url.encode(bytes);
    assert.equal(encoded, Buffer.from(bytes).toString("base64url"), `length ${length}`);
    assert.deepEqual(base64url.decode(encoded), bytes);
  }
  assert.equal(base64url.encode(Uint8Array.of(0xfb, 0xff)), "-_8", "the URL-safe characters");
  for (const bad of ["Zg==", "Z g", "Zm9v\n", "+/8", "Zm9v!", "Z"]) {
    assert.throws(() => base64url.decode(bad), `${JSON.stringify(bad)} refused`);
  }
});
