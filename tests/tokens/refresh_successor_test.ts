import assert from "node:assert/strict";
import { deriveMasterKeys } from "@/lib/tokens/master_key.ts";
import { successorOf } from "@/lib/tokens/refresh_tokens.ts";
import { base64url } from "@/lib/secrets.ts";

const SECRET = "a-master-secret-of-at-least-32-characters";

/** The successor as it was computed before (WebCrypto's HKDF-derived HMAC key): tokens issued then stay valid. */
async function webCryptoSuccessor(secret: string, token: string): Promise<string> {
  const material = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), "HKDF", false, [
    "deriveKey",
  ]);
  const key = await crypto.subtle.deriveKey(
    {
      name: "HKDF",
      hash: "SHA-256",
      salt: new Uint8Array(0),
      info: new TextEncoder().encode("astapa refresh successor"),
    },
    material,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign"],
  );
  return base64url.encode(
    new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(token))),
  );
}

Deno.test("refresh successor — the same for the same token and master key, as WebCrypto derived it before", async () => {
  const keys = await deriveMasterKeys(SECRET);
  for (const token of ["x".repeat(43), base64url.encode(crypto.getRandomValues(new Uint8Array(32)))]) {
    const successor = await successorOf(keys.successor, token);
    assert.match(successor, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(successor, await successorOf(keys.successor, token), "a retry gets the same successor");
    assert.equal(successor, await webCryptoSuccessor(SECRET, token), "unchanged across the upgrade");
  }
  const other = await deriveMasterKeys(SECRET.replace("a-", "b-"));
  assert.notEqual(
    await successorOf(other.successor, "x".repeat(43)),
    await successorOf(keys.successor, "x".repeat(43)),
  );
  assert.equal(JSON.stringify(keys.successor), "{}", "the key's bytes do not serialise into a log line");
});
