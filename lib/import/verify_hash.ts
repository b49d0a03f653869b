/**
 * Checks a password against any hash Astapa stores (its own argon2id or an imported one, see
 * hash_formats.ts): bcrypt through bcryptjs, argon2 through @node-rs/argon2, scrypt, PBKDF2 and Firebase's
 * scrypt + AES-256-CTR through node:crypto (native, off the event loop; checked against Firebase's published
 * test vector in tests/import/hash_formats_test.ts). Every comparison of derived bytes is constant-time.
 */
import { createCipheriv, pbkdf2, scrypt, timingSafeEqual } from "node:crypto";
import { HashProblem, parseHash } from "./hash_formats.ts";
import { AppError } from "@/lib/http/errors.ts";
import { lazyImport } from "@/lib/lazy_import.ts";
import { argon2 } from "@/lib/passwords.ts";

// bcryptjs (13 MB resident) loads on the first sign-in with an imported bcrypt hash.
const bcryptjs = lazyImport("bcryptjs", () => import("bcryptjs"));

/** True when the password matches; false for a mismatch or a hash Astapa cannot read. */
export async function verifyAnyPassword(stored: string, password: string): Promise<boolean> {
  let parsed;
  try {
    parsed = parseHash(stored);
  } catch (cause) {
    if (cause instanceof HashProblem) return false;
    throw cause;
  }
  try {
    return await verifyParsed(parsed, password);
  } catch (cause) {
    if (cause instanceof AppError) throw cause; // a verifier that failed to load (lazyImport): a 500
    return false; // a hash the parser let through but the library cannot read: a failed sign-in, never a 500
  }
}

async function verifyParsed(parsed: ReturnType<typeof parseHash>, password: string): Promise<boolean> {
  const secret = new TextEncoder().encode(password);
  switch (parsed.format) {
    case "argon2id":
    case "argon2i":
      return await (await argon2()).verify(parsed.phc, password);
    case "bcrypt":
      // $2y$ (PHP) and $2b$ are the same algorithm; bcryptjs reads $2a$ and $2b$.
      return await (await bcryptjs()).default.compare(password, parsed.hash.replace(/^\$2y\$/, "$2b$"));
    case "scrypt":
      return same(
        await scryptBytes(secret, parsed.salt, parsed.hash.length, parsed.n, parsed.r, parsed.p),
        parsed.hash,
      );
    case "pbkdf2-sha256":
    case "pbkdf2-sha512":
    case "django-pbkdf2-sha256":
      return same(
        await pbkdf2Bytes(secret, parsed.salt, parsed.iterations, parsed.hash.length, parsed.digest),
        parsed.hash,
      );
    case "firebase-scrypt": {
      const salt = new Uint8Array([...parsed.salt, ...parsed.saltSeparator]);
      const key = await scryptBytes(secret, salt, 32, 2 ** parsed.memCost, parsed.rounds, 1);
      const cipher = createCipheriv("aes-256-ctr", key, new Uint8Array(16));
      const encrypted = new Uint8Array([...cipher.update(parsed.signerKey), ...cipher.final()]);
      return same(encrypted, parsed.hash);
    }
  }
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function scryptBytes(
  secret: Uint8Array,
  salt: Uint8Array,
  length: number,
  n: number,
  r: number,
  p: number,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, length, { N: n, r, p, maxmem: 300 * 1024 * 1024 }, (error, key) => {
      if (error) reject(error);
      else resolve(new Uint8Array(key));
    })
  );
}

function pbkdf2Bytes(
  secret: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  length: number,
  digest: "sha256" | "sha512",
): Promise<Uint8Array> {
  return new Promise((resolve, reject) =>
    pbkdf2(secret, salt, iterations, length, digest, (error, key) => {
      if (error) reject(error);
      else resolve(new Uint8Array(key));
    })
  );
}
