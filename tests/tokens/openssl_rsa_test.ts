import assert from "node:assert/strict";
import { importNativeRsaKey, type NativeRsaKey, openLibcrypto } from "@/lib/tokens/openssl_rsa.ts";

const RSA = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;

const opened = openLibcrypto();
if ("error" in opened) throw new Error(`these tests need the system libcrypto: ${opened.error}`);
const lib = opened.lib;

async function rsaPair() {
  const pair = await crypto.subtle.generateKey(
    { ...RSA, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ["sign", "verify"],
  );
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  return { ...pair, pkcs8 };
}

async function nativeKey(pkcs8: Uint8Array, reference: CryptoKey): Promise<NativeRsaKey> {
  const result = await importNativeRsaKey(lib, pkcs8, reference);
  if ("error" in result) throw new Error(result.error);
  return result.key;
}

const webSign = async (key: CryptoKey, data: Uint8Array<ArrayBuffer>) =>
  new Uint8Array(await crypto.subtle.sign(RSA, key, data));

const pair = await rsaPair();
const key = await nativeKey(pair.pkcs8, pair.privateKey);
Deno.test.afterAll(() => key.close());

Deno.test("openssl rs256 — signatures equal WebCrypto's byte for byte on 300 random payloads", async () => {
  for (let i = 0; i < 300; i++) {
    // Lengths 0..4 KiB cover the empty message, sub-block, block-boundary and multi-block SHA-256 inputs.
    const length = i < 130 ? i : Math.floor(Math.random() * 4096);
    const data = crypto.getRandomValues(new Uint8Array(length));
    const native = await key.sign(data)!;
    assert.equal(native.length, 256);
    assert.deepEqual(native, await webSign(pair.privateKey, data), `payload ${i} (${length} bytes)`);
  }
});

Deno.test("openssl rs256 — 200 concurrent signatures (thread pool) all equal WebCrypto's and verify", async () => {
  const payloads = Array.from({ length: 200 }, (_, i) => new TextEncoder().encode(`header.claims-${i}`));
  const signatures = await Promise.all(payloads.map((data) => key.sign(data)!));
  for (const [i, signature] of signatures.entries()) {
    assert.deepEqual(signature, await webSign(pair.privateKey, payloads[i]));
    assert.ok(await crypto.subtle.verify(RSA, pair.publicKey, signature, payloads[i]));
  }
});

Deno.test("openssl rs256 — the self-test refuses a key that does not sign like its WebCrypto twin", async () => {
  const other = await rsaPair();
  const result = await importNativeRsaKey(lib, pair.pkcs8, other.privateKey);
  assert.ok("error" in result);
  assert.match(result.error, /self-test/);
});

Deno.test("openssl rs256 — garbage and non-RSA keys are refused, not loaded", async () => {
  const garbage = await importNativeRsaKey(lib, crypto.getRandomValues(new Uint8Array(300)), pair.privateKey);
  assert.ok("error" in garbage);
  assert.match(garbage.error, /could not parse/);
  const ec = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign"]);
  const ecDer = new Uint8Array(await crypto.subtle.exportKey("pkcs8", ec.privateKey));
  const notRsa = await importNativeRsaKey(lib, ecDer, pair.privateKey);
  assert.ok("error" in notRsa);
  assert.equal(notRsa.error, "not an RSA key");
});

Deno.test("openssl rs256 — the caller's PKCS#8 bytes are left intact; closing waits for signatures in flight", async () => {
  const fresh = await rsaPair();
  const before = fresh.pkcs8.slice();
  const native = await nativeKey(fresh.pkcs8, fresh.privateKey);
  assert.deepEqual(fresh.pkcs8, before, "OpenSSL parsed a copy (which is wiped), not the caller's buffer");
  const data = new TextEncoder().encode("in flight");
  const pending = Array.from({ length: 8 }, () => native.sign(data)!);
  native.close();
  native.close(); // idempotent
  assert.equal(native.closed, true);
  assert.equal(native.sign(data), null, "a closed key signs nothing; callers use WebCrypto");
  const expected = await webSign(fresh.privateKey, data);
  for (const signature of await Promise.all(pending)) assert.deepEqual(signature, expected);
});

Deno.test("openssl rs256 — a missing library is reported, not thrown", () => {
  const missing = openLibcrypto("/nonexistent/libcrypto.so.3");
  assert.ok("error" in missing);
  assert.match(missing.error, /nonexistent/);
});
