/**
 * Password hashing: argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane). Shared by the admin CLI
 * (one-time passwords for new accounts) and, later, the hosted login.
 */
import { lazyImport } from "@/lib/lazy_import.ts";
import { type BreachLookup, breachVerdict } from "@/lib/breached_passwords.ts";

/**
 * @node-rs/argon2 (a native addon) loads on the first password hashed or checked: a server that only issues
 * client tokens never needs it (lib/lazy_import.ts).
 */
export const argon2 = lazyImport("@node-rs/argon2", () => import("@node-rs/argon2"));

const ARGON2ID = 2; // @node-rs/argon2's Algorithm.Argon2id; a const enum, so not importable at runtime
const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/** An argon2id PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`). */
export async function hashPassword(password: string): Promise<string> {
  return (await argon2()).hash(password, OPTIONS);
}

/** True when the password matches the PHC string; false for a mismatch or an unreadable hash. */
export async function verifyPassword(phc: string, password: string): Promise<boolean> {
  const { verify } = await argon2(); // outside the try: a library that fails to load is a 500, not a mismatch
  try {
    return await verify(phc, password);
  } catch {
    return false;
  }
}

// The most used passwords in public breach lists (NIST SP 800-63B §5.1.1.2 asks to refuse them).
const COMMON = new Set([
  "12345678",
  "123456789",
  "1234567890",
  "password",
  "password1",
  "password123",
  "qwerty123",
  "qwertyuiop",
  "11111111",
  "00000000",
  "iloveyou",
  "abc12345",
  "abcd1234",
  "1q2w3e4r",
  "1qaz2wsx",
  "sunshine",
  "princess",
  "football",
  "baseball",
  "welcome1",
  "admin123",
  "letmein1",
  "monkey123",
  "dragon123",
  "passw0rd",
  "p@ssw0rd",
  "qwerty12",
  "zaq12wsx",
  "asdfghjkl",
  "123123123",
  "987654321",
  "superman",
  "bismillah",
  "indonesia",
  "jakarta123",
  "sayangku",
  "cintaku1",
  "rahasia123",
  "katasandi",
  "12341234",
]);

/** True for a password from the most-used lists, compared case-insensitively. */
export function isCommonPassword(password: string): boolean {
  return COMMON.has(password.toLowerCase());
}

/** Why a password a person chose is refused — too short, among the most used, seen in a breach — or null. */
export async function chosenPasswordProblem(
  lookup: BreachLookup,
  password: string,
): Promise<"weakPassword" | "commonPassword" | "breachedPassword" | null> {
  if (password.length < 8) return "weakPassword";
  if (isCommonPassword(password)) return "commonPassword";
  return await breachVerdict(lookup, password) === "breached" ? "breachedPassword" : null;
}
