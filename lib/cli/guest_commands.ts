/** `astapa guests …`: a project's anonymous sign-ins (settings.anonymous_users, docs/anonymous-users.md). */
import { asApp, type Sql } from "@/db/client.ts";
import { anonymousUserSettings, updateAnonymousUserSettings } from "@/db/anonymous_users.ts";
import { allowFlags, flag, operands, type ParsedArgs, trueOrFalse, UsageError } from "./args.ts";
import type { Output } from "./output.ts";

export const GUEST_USAGE = `  guests ID [--enabled true|false] [--sweep-after-days N] [--hourly-limit N]
                             show or change anonymous sign-ins (guests), how long unused ones are kept
                             and how many a project makes an hour`;

/** A whole number flag, or undefined when not given (SQL checks its range and says which is wrong). */
function count(args: ParsedArgs, name: string): number | undefined {
  const value = flag(args, name);
  if (value === undefined) return undefined;
  if (!/^\d{1,6}$/.test(value)) throw new UsageError(`--${name} must be a whole number, not "${value}"`);
  return Number(value);
}

export async function guestCommand(sql: Sql, args: ParsedArgs, out: Output): Promise<number> {
  const [id] = operands(args, 1, ["ID"]);
  allowFlags(args, ["enabled", "sweep-after-days", "hourly-limit"]);
  const enabled = trueOrFalse(args, "enabled");
  const changes = {
    ...(enabled === null ? {} : { enabled }),
    ...(args.flags.has("sweep-after-days") ? { sweep_after_days: count(args, "sweep-after-days") } : {}),
    ...(args.flags.has("hourly-limit") ? { hourly_limit: count(args, "hourly-limit") } : {}),
  };
  const shown = await asApp(
    sql,
    id,
    (tx) =>
      Object.keys(changes).length
        ? updateAnonymousUserSettings(tx, id, changes)
        : anonymousUserSettings(tx, id),
    { actor: "cli" },
  );
  out.result(
    { project_id: id, ...shown },
    `Guests for ${id}: ${shown.enabled ? "on" : "off"}; unused ones kept ${shown.sweep_after_days} days; ` +
      `at most ${shown.hourly_limit} new an hour`,
  );
  return 0;
}
