/** Loading one user's dashboard page, for its GET and for the forms on it. */
import type { Ctx } from "../app_env.ts";
import type { Tx } from "../../db/client.ts";
import type { MemberRole } from "../../db/accounts.ts";
import { getProject } from "../../db/projects.ts";
import { getUser, tokenClaims } from "../../db/users.ts";
import { currentSubscription, listPlans } from "../../db/plans.ts";
import type { UserViewData } from "../../components/dashboard/UserView.tsx";
import { frameOf } from "./frame.ts";
import { AppError } from "../http/errors.ts";
import type { Loader } from "./form_action.ts";

const USER_ID = /^\d{1,19}$/;

export const USER_DONE_MESSAGES: Record<string, string> = {
  plan_assigned: "Plan assigned: the user's next token carries it.",
  disabled: "User disabled: they cannot sign in or refresh tokens.",
  enabled: "User enabled again.",
};

/** The `:sub` in the URL, or not_found. */
export function userIdOf(c: Ctx): string {
  const sub = c.req.param("sub") ?? "";
  if (!USER_ID.test(sub)) throw new AppError("not_found");
  return sub;
}

export function userView(c: Ctx): Loader<UserViewData> {
  return async (tx: Tx, role: MemberRole, projectId: string, extra: { error?: string }) => {
    const userId = userIdOf(c);
    const user = await getUser(tx, projectId, userId);
    const state = await currentSubscription(tx, projectId, userId);
    return {
      frame: frameOf(c),
      project: await getProject(tx, projectId),
      role,
      user,
      plan: state.plan,
      subscription: state.subscription,
      history: state.history,
      plans: await listPlans(tx, projectId),
      claims: user.disabled ? null : await tokenClaims(tx, projectId, userId),
      notice: USER_DONE_MESSAGES[c.req.query("done") ?? ""],
      ...extra,
    };
  };
}
