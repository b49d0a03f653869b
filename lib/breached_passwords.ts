/**
 * Passwords seen in breaches (NIST SP 800-63B §3.1.1.2: refuse values "obtained from previous breach
 * corpuses"), looked up in Have I Been Pwned's Pwned Passwords by range: only the first five hex characters of
 * the password's SHA-1 leave the server (k-anonymity), and the answer is padded to a fixed-ish size so its
 * length says nothing either. A lookup that fails or takes too long lets the password through (logged and
 * counted): an outage of a service Astapa does not control must not stop sign-ups; the short common-password
 * list (lib/passwords.ts) still applies. PWNED_PASSWORDS_URL points at a mirror, or `off` turns it off.
 */
import { createHash } from "node:crypto";
import { log } from "@/lib/http/log.ts";
import { countPasswordBreachCheck } from "@/lib/metrics/metrics.ts";

/** What a lookup found: in a breach, not in any, or no answer (then the password is allowed). */
export type BreachVerdict = "breached" | "clean" | "unavailable";

export type BreachLookup = { url: string | null; timeoutMs: number };

/**
 * The lookup as a project wants it (docs/hosted-login.md): `breached_passwords: false` skips it when people
 * choose a password, `breached_password_sign_in: false` at sign-in. Postgres validates both settings.
 */
export function projectBreachLookup(
  lookup: BreachLookup,
  project: { settings: Record<string, unknown> },
  when: "chosen" | "sign_in",
): BreachLookup {
  const setting = when === "chosen" ? "breached_passwords" : "breached_password_sign_in";
  return project.settings[setting] === false ? { ...lookup, url: null } : lookup;
}

/** Looks `password` up by its SHA-1's first five characters; null `url` (off) answers "clean" at once. */
export async function breachVerdict(lookup: BreachLookup, password: string): Promise<BreachVerdict> {
  if (lookup.url === null) return "clean";
  const hash = createHash("sha1").update(password, "utf8").digest("hex").toUpperCase();
  const verdict = await rangeHas(lookup, hash.slice(0, 5), hash.slice(5));
  countPasswordBreachCheck(verdict);
  return verdict;
}

async function rangeHas(lookup: BreachLookup, prefix: string, suffix: string): Promise<BreachVerdict> {
  try {
    const response = await fetch(`${lookup.url!.replace(/\/$/, "")}/range/${prefix}`, {
      headers: { "add-padding": "true", "user-agent": "Astapa" },
      signal: AbortSignal.timeout(lookup.timeoutMs),
    });
    if (!response.ok) {
      await response.body?.cancel();
      log("warn", "password_breach_check_unavailable", { status: response.status });
      return "unavailable";
    }
    // Lines "SUFFIX:COUNT"; padding lines have a count of 0 and name no real password.
    for (const line of (await response.text()).split("\n")) {
      const [candidate, count] = line.trim().split(":");
      if (candidate === suffix) return Number(count) > 0 ? "breached" : "clean";
    }
    return "clean";
  } catch (error) {
    log("warn", "password_breach_check_unavailable", { error: (error as Error).name });
    return "unavailable";
  }
}
