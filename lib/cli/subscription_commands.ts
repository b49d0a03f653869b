/** `astapa subscription …`: cancel a person's paid plan at the end of what is paid, or undo that while it runs. */
import { isUserId } from "../http/user_id.ts";
import { asApp, type Sql } from "@/db/client.ts";
import { cancelSubscription, resumeSubscription } from "@/db/billing.ts";
import { allowFlags, flag, operands, type ParsedArgs, UsageError } from "./args.ts";
import { type Output, table } from "./output.ts";

export const SUBSCRIPTION_USAGE = `  subscription cancel --project ID SUB
                             cancel a user's paid plan: it runs to paid_through, then is not renewed
  subscription resume --project ID SUB
                             undo a cancel while the paid period still runs (renewals go on)`;

const CLI = { actor: "cli" };

export async function subscriptionCommand(sql: Sql, args: ParsedArgs, out: Output): Promise<number> {
  const action = args.positionals[1];
  if (action !== "cancel" && action !== "resume") {
    throw new UsageError(`Unknown subscription command "${action ?? ""}"`);
  }
  allowFlags(args, ["project"]);
  const project = flag(args, "project", true);
  const [sub] = operands(args, 2, ["SUB"]);
  if (!isUserId(sub)) throw new UsageError(`A user's SUB is a number, not "${sub}"`);
  // The same api.* functions as the Platform API's …/subscription/cancel and …/resume, audited as cli.
  const subscription = await asApp(
    sql,
    project,
    (tx) => action === "cancel" ? cancelSubscription(tx, project, sub) : resumeSubscription(tx, project, sub),
    CLI,
  );
  out.result(
    subscription,
    table([
      ["sub", subscription.sub],
      ["plan", subscription.plan],
      ["status", subscription.status],
      action === "cancel"
        ? ["ends", subscription.current_period_end ?? "—"]
        : ["paid through", subscription.paid_through ?? "—"],
    ]),
  );
  return 0;
}
