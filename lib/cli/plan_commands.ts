/** `astapa plan …`: a project's plans, and putting a user on one. */
import { isUserId } from "../http/user_id.ts";
import { asApp, type Sql } from "@/db/client.ts";
import {
  assignPlan,
  createPlan,
  IntervalSchema,
  listPlans,
  type NewPlan,
  type Plan,
  updatePlan,
} from "@/db/plans.ts";
import type { Json } from "@/db/users.ts";
import { allowFlags, flag, operands, type ParsedArgs, UsageError } from "./args.ts";
import { type Output, table } from "./output.ts";
import {
  TEAM_PLAN_ACTIONS,
  TEAM_PLAN_BOOLEANS,
  TEAM_PLAN_USAGE,
  teamPlanCommand,
} from "./team_plan_commands.ts";

export const PLAN_USAGE = `  plan list --project ID [--all]
                             list a project's plans (--all: archived ones too)
  plan create --project ID --key K --name N [--price IDR] [--interval month|year|one_time]
              [--description D] [--flag F …] [--claims JSON] [--sort N] [--default]
                             create a plan; --flag turns a feature flag on for its subscribers
  plan archive --project ID KEY
                             archive a plan: its subscribers keep it, nobody new gets it
  plan assign --project ID SUB KEY
                             put a user on a plan (recorded with source cli)
${TEAM_PLAN_USAGE}`;

/** Boolean options of these commands (no value follows them). */
export const PLAN_BOOLEANS = ["all", "default", ...TEAM_PLAN_BOOLEANS];

const CLI = { actor: "cli" };

export async function planCommand(sql: Sql, args: ParsedArgs, out: Output): Promise<number> {
  const action = args.positionals[1];
  switch (action) {
    case "list": {
      allowFlags(args, ["project", "all"]);
      operands(args, 2, []);
      const project = flag(args, "project", true);
      const plans = await asApp(sql, project, (tx) => listPlans(tx, project, args.flags.has("all")), CLI);
      out.result(plans, plans.map(describeLine).join("\n") || "No plans.");
      return 0;
    }
    case "create": {
      allowFlags(args, [
        "project",
        "key",
        "name",
        "price",
        "interval",
        "description",
        "flag",
        "claims",
        "sort",
        "default",
      ]);
      operands(args, 2, []);
      const project = flag(args, "project", true);
      const plan = newPlan(args);
      const created = await asApp(sql, project, (tx) => createPlan(tx, project, plan), CLI);
      out.result(created, describe(created));
      return 0;
    }
    case "archive": {
      allowFlags(args, ["project"]);
      const project = flag(args, "project", true);
      const [key] = operands(args, 2, ["KEY"]);
      const archived = await asApp(
        sql,
        project,
        (tx) => updatePlan(tx, project, key, { archived: true }),
        CLI,
      );
      out.result(archived, describe(archived));
      return 0;
    }
    case "assign": {
      allowFlags(args, ["project"]);
      const project = flag(args, "project", true);
      const [sub, key] = operands(args, 2, ["SUB", "KEY"]);
      if (!isUserId(sub)) throw new UsageError(`A user's SUB is a number, not "${sub}"`);
      const subscription = await asApp(sql, project, (tx) => assignPlan(tx, project, sub, key, "cli"), CLI);
      out.result(
        subscription,
        table([
          ["sub", subscription.sub],
          ["plan", subscription.plan],
          ["status", subscription.status],
          ["since", subscription.current_period_start],
        ]),
      );
      return 0;
    }
  }
  if (TEAM_PLAN_ACTIONS.includes(action)) return await teamPlanCommand(sql, args, out);
  throw new UsageError(`Unknown plan command "${action ?? ""}"`);
}

function newPlan(args: ParsedArgs): NewPlan {
  const plan: NewPlan = { key: flag(args, "key", true), name: flag(args, "name", true) };
  const price = flag(args, "price");
  if (price !== undefined) {
    if (!/^\d+$/.test(price)) throw new UsageError(`--price is whole rupiah, e.g. 99000, not "${price}"`);
    plan.price_idr = Number(price);
  }
  const interval = flag(args, "interval");
  if (interval !== undefined) {
    const parsed = IntervalSchema.safeParse(interval);
    if (!parsed.success) throw new UsageError(`--interval is month, year or one_time, not "${interval}"`);
    plan.interval = parsed.data;
  }
  const description = flag(args, "description");
  if (description !== undefined) plan.description = description;
  const sort = flag(args, "sort");
  if (sort !== undefined) {
    if (!/^-?\d+$/.test(sort)) throw new UsageError(`--sort is a whole number, not "${sort}"`);
    plan.sort_order = Number(sort);
  }
  const claimsText = flag(args, "claims");
  const claims: { [key: string]: Json } = claimsText === undefined ? {} : parseObject(claimsText);
  const flags = args.flags.get("flag");
  if (flags) claims.feature_flags = flags;
  if (Object.keys(claims).length) plan.claims = claims;
  if (args.flags.has("default")) plan.default = true;
  return plan;
}

function parseObject(text: string): { [key: string]: Json } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`--claims must be JSON, e.g. '{"seats": 5}'`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new UsageError("--claims must be a JSON object");
  }
  return parsed as { [key: string]: Json };
}

function describeLine(plan: Plan): string {
  const marks = [plan.default ? "default" : "", plan.archived ? "archived" : ""].filter(Boolean).join(", ");
  return `${plan.key.padEnd(16)}  ${`Rp ${plan.price_idr.toLocaleString("id-ID")}`.padStart(16)} / ${
    plan.interval.padEnd(8)
  }  ${plan.name}${marks ? `  (${marks})` : ""}`;
}

function describe(plan: Plan): string {
  return table([
    ["key", plan.key],
    ["name", plan.name],
    ["price_idr", String(plan.price_idr)],
    ["interval", plan.interval],
    ["claims", JSON.stringify(plan.claims)],
    ["default", String(plan.default)],
    ["archived", plan.archived ? `yes, since ${plan.archived_at}` : "no"],
  ]);
}
