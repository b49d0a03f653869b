/**
 * Plan changes from HTTP (Platform API, plan picker): the upgrade's checkout pays through the account new
 * charges use now, as openCheckout's does; a project that cannot take payments may still schedule downgrades.
 */
import { asApp } from "@/db/client.ts";
import { changePlan, type PlanChangeResult } from "@/db/plan_changes.ts";
import { getProject } from "@/db/projects.ts";
import { chooseXendit, type PaymentDeps } from "./accounts.ts";

export async function requestPlanChange(
  deps: PaymentDeps,
  projectId: string,
  sub: string,
  plan: string,
  successUrl?: string,
): Promise<PlanChangeResult> {
  const project = await asApp(deps.sql, projectId, (tx) => getProject(tx, projectId));
  const account = (await chooseXendit(deps, projectId, project.mode))?.account ?? null;
  return await asApp(
    deps.sql,
    projectId,
    (tx) => changePlan(tx, projectId, sub, plan, account, { successUrl }),
  );
}
