/**
 * Hourly sweep of grants that can never be used again. Every instance schedules it; api.sweep_grants_when_due
 * lets one of them run api.sweep_grants once an hour and tells the others to skip (a sweep reads every refresh
 * token: a rolling restart of ten instances must not start ten of them); that instance also sweeps logout tokens
 * finished a month ago (api.sweep_backchannel_logouts).
 */
import { asApp, type Sql } from "@/db/client.ts";
import { log } from "../http/log.ts";

const EVERY_MS = 60 * 60 * 1000;

/** Starts the sweep (now, then hourly); returns a function that stops it. */
export function scheduleGrantSweep(sql: Sql): () => void {
  const sweep = () =>
    asApp(sql, null, async (tx) => {
      const swept = (await tx`select api.sweep_grants_when_due() as swept`)[0].swept;
      // The instance that swept grants also drops logout tokens finished a month ago (docs/tokens.md).
      if (swept.skipped) return swept;
      return { ...swept, backchannel_logouts: (await tx`select api.sweep_backchannel_logouts() as n`)[0].n };
    }).then(
      (swept) =>
        log(
          swept.skipped ? "debug" : "info",
          swept.skipped ? "grant sweep skipped" : "expired grants swept",
          swept,
        ),
      (error) => log("warn", "grant sweep failed", { error }),
    );
  sweep();
  const timer = setInterval(sweep, EVERY_MS);
  return () => clearInterval(timer);
}
