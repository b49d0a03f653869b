/**
 * RS256 in-process, one signature at a time: WebCrypto (the baseline) against OpenSSL's libcrypto via FFI,
 * on the same key and a JWT-sized input. Concurrent rates and `openssl speed` are in the loopback suite.
 */
import { importNativeRsaKey, openLibcrypto } from "../lib/tokens/openssl_rsa.ts";

const RSA = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;
const pair = await crypto.subtle.generateKey(
  { ...RSA, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
  true,
  ["sign"],
);
const data = new TextEncoder().encode("e".repeat(400));

Deno.bench({ name: "RS256 WebCrypto", group: "rs256", baseline: true }, async () => {
  await crypto.subtle.sign(RSA, pair.privateKey, data);
});

const lib = openLibcrypto();
if ("lib" in lib) {
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  const loaded = await importNativeRsaKey(lib.lib, pkcs8, pair.privateKey);
  if ("key" in loaded) {
    const key = loaded.key;
    Deno.bench({ name: "RS256 OpenSSL via FFI", group: "rs256" }, async () => {
      await key.sign(data);
    });
    Deno.bench({ name: "RS256 OpenSSL via FFI, 2 in flight (per signature)", group: "rs256" }, async () => {
      await Promise.all([key.sign(data), key.sign(data)]);
    });
  }
}
