/** Scheduled signing-key rotation (ASTAPA_KEY_ROTATION_DAYS): checked at start and then hourly. */
import { log } from "../http/log.ts";
import type { KeyStore } from "./signing_keys.ts";

const CHECK_EVERY_MS = 60 * 60 * 1000;

/** Starts the schedule; returns a function that stops it. Every instance may run it: SQL lets one rotate. */
export function scheduleKeyRotation(keys: KeyStore, maxAgeDays: number): () => void {
  const check = () =>
    keys.rotateIfOlder(maxAgeDays).then(
      (kid) => kid && log("info", "signing key rotated", { kid, max_age_days: maxAgeDays }),
      (error) => log("warn", "signing key rotation check failed", { error }),
    );
  check();
  const timer = setInterval(check, CHECK_EVERY_MS);
  return () => clearInterval(timer);
}
