/**
 * `astapa plan seats|cancel-team|resume-team|change-team|withdraw-team-change …`: making a plan a team plan (per
 * seat or flat) or a personal one again, cancelling or resuming an organization's team plan at the end of its
 * period, and changing it to another team plan from its next period or withdrawing that (issue 28).
 */
import { asApp, type Sql } from "@/db/client.ts";
import { cancelOrganizationPlan, resumeOrganizationPlan } from "@/db/organization_renewals.ts";
import { setPlanSeats } from "@/db/team_plans.ts";
import { cancelOrganizationPlanChange, changeOrganizationPlan } from "@/db/organization_plan_changes.ts";
import { allowFlags, flag, operands, type ParsedArgs, UsageError } from "./args.ts";
import { type Output, table } from "./output.ts";

export const TEAM_PLAN_USAGE = `  plan seats --project ID KEY (--per-seat | --flat SEATS | --personal)
                             make a plan a team plan (price per seat, or flat for up to SEATS members)
                             or a personal one again
  plan cancel-team --project ID ORG
                             cancel an organization's team plan at the end of its paid period
  plan resume-team --project ID ORG
                             undo that cancel while the period runs
  plan change-team --project ID ORG PLAN [--seats N]
                             move an organization to another team plan from its next period
                             (--seats: a per-seat plan's seats)
  plan withdraw-team-change --project ID ORG
                             withdraw that change: the plan renews as it is`;

/** Boolean options of these commands (no value follows them). */
export const TEAM_PLAN_BOOLEANS = ["per-seat", "personal"];

export const TEAM_PLAN_ACTIONS = [
  "seats",
  "cancel-team",
  "resume-team",
  "change-team",
  "withdraw-team-change",
];

const CLI = { actor: "cli" };

export async function teamPlanCommand(sql: Sql, args: ParsedArgs, out: Output): Promise<number> {
  const action = args.positionals[1];
  if (action === "seats") {
    allowFlags(args, ["project", "per-seat", "flat", "personal"]);
    const project = flag(args, "project", true);
    const [key] = operands(args, 2, ["KEY"]);
    const flat = flag(args, "flat");
    const chosen = [args.flags.has("per-seat"), flat !== undefined, args.flags.has("personal")];
    if (chosen.filter(Boolean).length !== 1) {
      throw new UsageError("Give exactly one of --per-seat, --flat SEATS or --personal");
    }
    if (flat !== undefined && !/^[1-9]\d{0,5}$/.test(flat)) {
      throw new UsageError(`--flat is the plan's seats, a whole number from 1 to 100000, not "${flat}"`);
    }
    const pricing = args.flags.has("per-seat") ? "per_seat" : flat !== undefined ? "flat" : null;
    const seats = await asApp(
      sql,
      project,
      (tx) => setPlanSeats(tx, project, key, pricing, flat === undefined ? null : Number(flat)),
      CLI,
    );
    out.result(
      seats,
      table([
        ["plan", seats.plan],
        ["seat_pricing", seats.seat_pricing ?? "personal plan"],
        ["included_seats", seats.included_seats === null ? "-" : String(seats.included_seats)],
        ["price_idr", String(seats.price_idr)],
      ]),
    );
    return 0;
  }
  if (action === "change-team" || action === "withdraw-team-change") {
    return await teamPlanChangeCommand(sql, args, out);
  }
  allowFlags(args, ["project"]);
  const project = flag(args, "project", true);
  const [org] = operands(args, 2, ["ORG"]);
  const change = action === "cancel-team" ? cancelOrganizationPlan : resumeOrganizationPlan;
  const o = await asApp(sql, project, (tx) => change(tx, project, org, null), CLI);
  out.result(
    o,
    table([
      ["organization", `${o.name} (${o.id})`],
      ["plan", o.plan ?? "-"],
      ["paid_through", o.plan_paid_through ?? "-"],
      ["canceled", o.plan_canceled_at ? `yes, ends at ${o.plan_paid_through}` : "no, renews"],
    ]),
  );
  return 0;
}

/** `plan change-team` / `plan withdraw-team-change`, as the app (no owner or admin named). */
async function teamPlanChangeCommand(sql: Sql, args: ParsedArgs, out: Output): Promise<number> {
  const changing = args.positionals[1] === "change-team";
  allowFlags(args, changing ? ["project", "seats"] : ["project"]);
  const project = flag(args, "project", true);
  const [org, plan] = operands(args, 2, changing ? ["ORG", "PLAN"] : ["ORG"]);
  const seats = flag(args, "seats");
  if (seats !== undefined && !/^[1-9]\d{0,5}$/.test(seats)) {
    throw new UsageError(`--seats is a whole number from 1 to 100000, not "${seats}"`);
  }
  const change = await asApp(
    sql,
    project,
    (tx) =>
      changing
        ? changeOrganizationPlan(tx, project, org, null, plan, seats === undefined ? null : Number(seats))
        : cancelOrganizationPlanChange(tx, project, org, null),
    CLI,
  );
  out.result(
    change,
    table([
      ["organization", change.organization_id],
      ["from_plan", change.from_plan],
      ["to_plan", change.to_plan],
      ["seats", String(change.seats)],
      ["effective_at", change.effective_at ?? "-"],
      ["status", change.status],
    ]),
  );
  return 0;
}
