/**
 * Password hashes other systems export, as Astapa keeps them until the person's first sign-in: bcrypt
 * ($2a$/$2b$/$2y$), argon2i/argon2id (PHC), scrypt (PHC), PBKDF2-SHA256/512 (PHC, passlib's and
 * @phc/pbkdf2's spellings) and Django's `pbkdf2_sha256$…`, and Firebase's modified scrypt stored as
 * `$firebase-scrypt$m=<mem_cost>,r=<rounds>$<salt separator>$<signer key>$<salt>$<hash>` (standard base64).
 * Parsing refuses parameters that would make one sign-in cost more than a few hundred milliseconds or hundreds
 * of MiB: an imported hash must not become a way to exhaust the server.
 */

/** Astapa's own argon2id parameters (lib/passwords.ts); any other hash is re-hashed at sign-in. */
export const ASTAPA_ARGON2ID_PREFIX = "$argon2id$v=19$m=19456,t=2,p=1$";

export type HashFormat =
  | "argon2id"
  | "argon2i"
  | "bcrypt"
  | "scrypt"
  | "pbkdf2-sha256"
  | "pbkdf2-sha512"
  | "django-pbkdf2-sha256"
  | "firebase-scrypt";

export type ParsedHash =
  | { format: "argon2id" | "argon2i"; phc: string }
  | { format: "bcrypt"; hash: string }
  | { format: "scrypt"; n: number; r: number; p: number; salt: Uint8Array; hash: Uint8Array }
  | {
    format: "pbkdf2-sha256" | "pbkdf2-sha512" | "django-pbkdf2-sha256";
    digest: "sha256" | "sha512";
    iterations: number;
    salt: Uint8Array;
    hash: Uint8Array;
  }
  | {
    format: "firebase-scrypt";
    memCost: number;
    rounds: number;
    saltSeparator: Uint8Array;
    signerKey: Uint8Array;
    salt: Uint8Array;
    hash: Uint8Array;
  };

/** A hash Astapa cannot use, with the reason a person importing it should read. */
export class HashProblem extends Error {}

const MAX_MEMORY_BYTES = 256 * 1024 * 1024;
const MAX_PBKDF2_ITERATIONS = 5_000_000;

/** Parses a stored hash; throws HashProblem naming what is wrong. */
export function parseHash(stored: string): ParsedHash {
  if (/^\$2[aby]\$/.test(stored)) return parseBcrypt(stored);
  if (stored.startsWith("$argon2id$") || stored.startsWith("$argon2i$")) return parseArgon2(stored);
  if (stored.startsWith("$scrypt$")) return parseScrypt(stored);
  if (/^\$pbkdf2-sha(256|512)\$/.test(stored)) return parsePbkdf2Phc(stored);
  if (stored.startsWith("pbkdf2_sha256$")) return parseDjango(stored);
  if (stored.startsWith("$firebase-scrypt$")) return parseFirebase(stored);
  throw new HashProblem(
    "Unknown password hash format: Astapa imports bcrypt, argon2id, argon2i, scrypt, PBKDF2-SHA256/512, " +
      "Django pbkdf2_sha256 and Firebase scrypt.",
  );
}

function parseBcrypt(stored: string): ParsedHash {
  const match = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/.exec(stored);
  if (!match) {
    throw new HashProblem("A bcrypt hash is $2a$, $2b$ or $2y$, a two-digit cost and 53 characters.");
  }
  const cost = Number(match[1]);
  if (cost < 4 || cost > 14) throw new HashProblem(`bcrypt cost ${cost} is outside 4–14.`);
  return { format: "bcrypt", hash: stored };
}

function parseArgon2(stored: string): ParsedHash {
  const match =
    /^\$(argon2id|argon2i)\$v=(16|19)\$m=(\d{1,9}),t=(\d{1,4}),p=(\d{1,3})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/
      .exec(stored);
  if (!match) throw new HashProblem("An argon2 hash is a PHC string: $argon2id$v=19$m=…,t=…,p=…$salt$hash.");
  const [m, t, p] = [Number(match[3]), Number(match[4]), Number(match[5])];
  if (m * 1024 > MAX_MEMORY_BYTES || m < 8 * p) {
    throw new HashProblem(`argon2 memory m=${m} KiB is out of range.`);
  }
  if (t < 1 || t > 16 || p < 1 || p > 16) throw new HashProblem(`argon2 t=${t}, p=${p} is out of range.`);
  return { format: match[1] as "argon2id" | "argon2i", phc: stored };
}

function parseScrypt(stored: string): ParsedHash {
  const match = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/.]+=*)\$([A-Za-z0-9+/.]+=*)$/
    .exec(stored);
  if (!match) throw new HashProblem("A scrypt hash is a PHC string: $scrypt$ln=…,r=…,p=…$salt$hash.");
  const [ln, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  checkScrypt(2 ** ln, r, p);
  return { format: "scrypt", n: 2 ** ln, r, p, salt: base64(match[4]), hash: longEnough(base64(match[5])) };
}

function checkScrypt(n: number, r: number, p: number): void {
  if (n < 2 || r < 1 || p < 1 || p > 16 || 128 * n * r > MAX_MEMORY_BYTES || n * r * p > 2 ** 24) {
    throw new HashProblem(`scrypt N=${n}, r=${r}, p=${p} is out of range (at most 256 MiB).`);
  }
}

function parsePbkdf2Phc(stored: string): ParsedHash {
  // passlib writes the iterations bare and uses "." for "+"; @phc/pbkdf2 writes i=…
  const match =
    /^\$pbkdf2-(sha256|sha512)\$(?:i=)?(\d{1,8})(?:,l=\d{1,3})?\$([A-Za-z0-9+/.]+=*)\$([A-Za-z0-9+/.]+=*)$/
      .exec(stored);
  if (!match) throw new HashProblem("A PBKDF2 hash is $pbkdf2-sha256$<iterations>$salt$hash.");
  const digest = match[1] as "sha256" | "sha512";
  return {
    format: `pbkdf2-${digest}`,
    digest,
    iterations: checkIterations(Number(match[2])),
    salt: base64(match[3]),
    hash: longEnough(base64(match[4])),
  };
}

function parseDjango(stored: string): ParsedHash {
  const match = /^pbkdf2_sha256\$(\d{1,8})\$([^$]{1,128})\$([A-Za-z0-9+/]+=*)$/.exec(stored);
  if (!match) throw new HashProblem("A Django hash is pbkdf2_sha256$<iterations>$<salt>$<base64 hash>.");
  // Django hashes the salt's text as it is, not a decoding of it.
  return {
    format: "django-pbkdf2-sha256",
    digest: "sha256",
    iterations: checkIterations(Number(match[1])),
    salt: new TextEncoder().encode(match[2]),
    hash: longEnough(base64(match[3])),
  };
}

/** A derived key shorter than 128 bits would let a wrong password match by chance too often. */
function longEnough(hash: Uint8Array): Uint8Array {
  if (hash.length < 16) throw new HashProblem("The hash is shorter than 16 bytes.");
  return hash;
}

function checkIterations(iterations: number): number {
  if (iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) {
    throw new HashProblem(`PBKDF2 iterations ${iterations} is outside 1–${MAX_PBKDF2_ITERATIONS}.`);
  }
  return iterations;
}

function parseFirebase(stored: string): ParsedHash {
  const b64 = "([A-Za-z0-9+/]+=*)";
  const match = new RegExp(
    `^\\$firebase-scrypt\\$m=(\\d{1,2}),r=(\\d{1,2})\\$${b64}\\$${b64}\\$${b64}\\$${b64}$`,
  )
    .exec(stored);
  if (!match) {
    throw new HashProblem("A Firebase scrypt hash needs its salt, hash and the project's hash_config.");
  }
  const [memCost, rounds] = [Number(match[1]), Number(match[2])];
  checkScrypt(2 ** memCost, rounds, 1);
  const parsed = {
    format: "firebase-scrypt" as const,
    memCost,
    rounds,
    saltSeparator: base64(match[3]),
    signerKey: base64(match[4]),
    salt: base64(match[5]),
    hash: base64(match[6]),
  };
  // The hash is the signer key encrypted with AES-CTR, so it is exactly as long as the key.
  if (parsed.hash.length !== parsed.signerKey.length) {
    throw new HashProblem("This Firebase hash does not fit the signer key given: check base64_signer_key.");
  }
  return parsed;
}

/** Standard or passlib ("." for "+") base64, padded or not; throws HashProblem when it is not base64. */
export function base64(text: string): Uint8Array {
  const standard = text.replaceAll(".", "+").replace(/=+$/, "");
  if (!/^[A-Za-z0-9+/]*$/.test(standard) || standard.length % 4 === 1) {
    throw new HashProblem("A salt or hash is not base64.");
  }
  const padded = standard + "=".repeat((4 - standard.length % 4) % 4);
  return Uint8Array.from(atob(padded), (ch) => ch.charCodeAt(0));
}

/** Standard base64 with padding, as the stored Firebase form uses. */
export function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/** Firebase `auth:export` fields + the project's hash_config → the stored form (validated). */
export function firebaseHash(
  config: { signerKey: string; saltSeparator: string; rounds: number; memCost: number },
  user: { passwordHash: string; salt: string },
): string {
  const stored = `$firebase-scrypt$m=${config.memCost},r=${config.rounds}$${config.saltSeparator}$` +
    `${config.signerKey}$${user.salt}$${user.passwordHash}`;
  parseHash(stored);
  return stored;
}

/** True when the stored hash is not Astapa's own argon2id, so a verified sign-in should replace it. */
export function needsRehash(stored: string): boolean {
  return !stored.startsWith(ASTAPA_ARGON2ID_PREFIX);
}
