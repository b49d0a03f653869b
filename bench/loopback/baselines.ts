/** Sign-rate baselines measured in the same run: `openssl speed`, and RS256 in this process both ways. */
import { importNativeRsaKey, openLibcrypto } from "@/lib/tokens/openssl_rsa.ts";

const RSA = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;

/** `openssl speed rsa2048` signs/s on `cores` processes (null when the openssl command is missing). */
export async function opensslSpeed(cores: number, seconds = 3): Promise<number | null> {
  try {
    const { stdout, success } = await new Deno.Command("openssl", {
      args: [
        "speed",
        "-seconds",
        String(seconds),
        ...(cores > 1 ? ["-multi", String(cores)] : []),
        "rsa2048",
      ],
      stdout: "piped",
      stderr: "null",
    }).output();
    if (!success) return null;
    // "rsa 2048 bits 0.000210s 0.000013s   4772.4  78995.5": sign/s is the third number.
    const match = /rsa\s+2048 bits\s+\S+\s+\S+\s+([\d.]+)/.exec(new TextDecoder().decode(stdout));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

export type InProcessRates = { webcrypto: number; openssl: number | null };

/**
 * RS256 signs/s in this process over `ms` per signer with `concurrency` signatures in flight, on a JWT-sized
 * input: the ceiling for any endpoint that signs once per request.
 */
export async function inProcessSignRates(ms = 2000, concurrency = 8): Promise<InProcessRates> {
  const pair = await crypto.subtle.generateKey(
    { ...RSA, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ["sign"],
  );
  const data = new TextEncoder().encode("e".repeat(400)); // about the size of an access token's input
  const webcrypto = await rate(ms, concurrency, async () => {
    await crypto.subtle.sign(RSA, pair.privateKey, data);
  });
  const lib = openLibcrypto();
  if ("error" in lib) return { webcrypto, openssl: null };
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  const loaded = await importNativeRsaKey(lib.lib, pkcs8, pair.privateKey);
  if ("error" in loaded) return { webcrypto, openssl: null };
  try {
    const openssl = await rate(ms, concurrency, async () => {
      await loaded.key.sign(data);
    });
    return { webcrypto, openssl };
  } finally {
    loaded.key.close();
  }
}

async function rate(ms: number, concurrency: number, op: () => Promise<void>): Promise<number> {
  for (let i = 0; i < 20; i++) await op(); // warm-up
  let count = 0;
  const start = performance.now();
  const end = start + ms;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      await op();
      count++;
    }
  }));
  return count / ((performance.now() - start) / 1000);
}
