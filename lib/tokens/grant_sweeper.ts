/** Hourly sweep of grants that can never be used again (api.sweep_grants); every instance may run it. */
import { asApp, type Sql } from "@/db/client.ts";
import { log } from "../http/log.ts";

const EVERY_MS = 60 * 60 * 1000;

/** Starts the sweep (now, then hourly); returns a function that stops it. */
export function scheduleGrantSweep(sql: Sql): () => void {
  const sweep = () =>
    asApp(sql, null, async (tx) => (await tx`select api.sweep_grants() as swept`)[0].swept).then(
      (swept) => log("info", "expired grants swept", swept),
      (error) => log("warn", "grant sweep failed", { error }),
    );
  sweep();
  const timer = setInterval(sweep, EVERY_MS);
  return () => clearInterval(timer);
}
