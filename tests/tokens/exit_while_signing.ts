/**
 * Run by tests/tokens/openssl_exit_test.ts in a process of its own: signs on Deno's blocking threads through
 * OpenSSL, then exits while signatures are still in flight. Exits 0 unless the process crashes on the way out.
 */
import { importNativeRsaKey, openLibcrypto } from "@/lib/tokens/openssl_rsa.ts";

const opened = openLibcrypto();
if (!("lib" in opened)) throw new Error(opened.error);
const pair = await crypto.subtle.generateKey(
  {
    name: "RSASSA-PKCS1-v1_5",
    modulusLength: 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: "SHA-256",
  },
  true,
  ["sign"],
);
const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
const loaded = await importNativeRsaKey(opened.lib, pkcs8, pair.privateKey);
if (!("key" in loaded)) throw new Error(loaded.error);
const data = new TextEncoder().encode("exit while signing");
// Several rounds put OpenSSL thread-local state on several blocking threads…
for (let round = 0; round < 50; round++) {
  await Promise.all(Array.from({ length: 8 }, () => loaded.key.sign(data)));
}
// …and these are still running when the process exits.
for (let i = 0; i < 64; i++) loaded.key.sign(data);
Deno.exit(0);
