/**
 * The dashboard's Plans pages: loading them (for GETs and for re-rendering a refused form) and turning the
 * plan form into what api.create_plan / api.update_plan take. Values are passed on as typed where they parse;
 * otherwise as written, so the SQL function's own message names the problem (e.g. a negative price).
 */
import { z } from "zod";
import type { Ctx } from "../app_env.ts";
import type { Tx } from "@/db/client.ts";
import type { Json } from "@/db/users.ts";
import type { MemberRole } from "@/db/accounts.ts";
import { getPlan, listPlans, type NewPlan, type Plan, type PlanChanges } from "@/db/plans.ts";
import { planSubscriberCounts } from "@/db/dashboard_payments.ts";
import { getProject, type Project } from "@/db/projects.ts";
import type { FrameData } from "./page_data.ts";
import { AppError } from "../http/errors.ts";
import { parseJson } from "../http/json.ts";
import { frameOf } from "./frame.ts";
import type { Loader, Posted } from "./form_action.ts";
import { dashboardLang, doneNotice } from "./i18n.ts";
import { PLANS_TEXT } from "./text/plans.ts";

/** What each `?done=` after a plan form says (its words: lib/dashboard/text/plans.ts). */
const PLAN_DONE_NOTICES = {
  created: "created",
  saved: "saved",
  archived: "archived",
  unarchived: "unarchived",
  default: "defaultChanged",
} as const;

/** What the plan form sends (create and edit share it; `key` and `default` only on create). */
export const PlanFormSchema = z.object({
  csrf: z.string(),
  key: z.string().trim().max(200).optional(),
  name: z.string().max(500),
  description: z.string().max(5000).default(""),
  price_idr: z.string().trim().max(40),
  interval: z.string().max(20),
  feature_flags: z.string().max(5000).default(""),
  claims: z.string().max(10000).default(""),
  sort_order: z.string().trim().max(20).default(""),
  trial_days: z.string().trim().max(20).default(""),
  default: z.string().optional(),
});
export type PlanForm = z.infer<typeof PlanFormSchema>;

export type PlanRow = Plan & { subscribers: number };

export type PlansData = {
  frame: FrameData;
  project: Project;
  role: MemberRole;
  plans: PlanRow[];
  notice?: string;
  error?: string;
  /** The create form as submitted, when it was refused. */
  draft?: Posted;
};

export type PlanData = {
  frame: FrameData;
  project: Project;
  role: MemberRole;
  plan: PlanRow;
  notice?: string;
  error?: string;
  draft?: Posted;
};

const PLAN_KEY = /^[a-z0-9_-]{1,64}$/;

/** The `:key` in the URL, or not_found. */
export function planKeyOf(c: Ctx): string {
  const key = c.req.param("key") ?? "";
  if (!PLAN_KEY.test(key)) throw new AppError("not_found");
  return key;
}

/** Every plan (archived too) with its subscriber count; `refills`: a refused create form shows what it posted. */
export function plansView(c: Ctx, refills = false): Loader<PlansData> {
  return async (tx: Tx, role, projectId, extra, posted) => {
    const counts = await planSubscriberCounts(tx, projectId);
    const plans = await listPlans(tx, projectId, true);
    return {
      frame: frameOf(c),
      project: await getProject(tx, projectId),
      role,
      plans: plans.map((plan) => ({ ...plan, subscribers: counts[plan.key] ?? 0 })),
      notice: doneNotice(PLANS_TEXT[dashboardLang(c)], PLAN_DONE_NOTICES, c.req.query("done")),
      ...(extra.error ? { error: extra.error, draft: refills ? posted : undefined } : {}),
    };
  };
}

/** One plan, for its edit page; `refills`: a refused edit form shows what it posted. */
export function planView(c: Ctx, refills = false): Loader<PlanData> {
  return async (tx: Tx, role, projectId, extra, posted) => {
    const key = planKeyOf(c);
    const plan = await getPlan(tx, projectId, key);
    const counts = await planSubscriberCounts(tx, projectId);
    return {
      frame: frameOf(c),
      project: await getProject(tx, projectId),
      role,
      plan: { ...plan, subscribers: counts[key] ?? 0 },
      notice: doneNotice(PLANS_TEXT[dashboardLang(c)], PLAN_DONE_NOTICES, c.req.query("done")),
      ...(extra.error ? { error: extra.error, draft: refills ? posted : undefined } : {}),
    };
  };
}

/** "99.000" and "99000" are whole numbers; anything else goes to SQL as written, to be refused there. */
function wholeNumber(text: string): number | string {
  const plain = /^-?\d{1,3}(\.\d{3})+$/.test(text) ? text.replaceAll(".", "") : text;
  return /^-?\d{1,15}$/.test(plain) ? Number(plain) : text;
}

function refused(field: string, message: string): AppError {
  return new AppError("validation_failed", { description: message, fields: { [field]: [message] } });
}

/** The form's claims: feature flags from a comma- or space-separated list, other claims as a JSON object. */
function claimsOf(form: PlanForm): { [key: string]: Json } {
  let other: unknown = {};
  if (form.claims.trim()) {
    try {
      other = parseJson(form.claims);
    } catch {
      throw refused("claims", 'Other claims must be a JSON object, e.g. {"seats": 5}.');
    }
    if (typeof other !== "object" || other === null || Array.isArray(other)) {
      throw refused("claims", 'Other claims must be a JSON object, e.g. {"seats": 5}.');
    }
  }
  const flags = form.feature_flags.split(/[\s,]+/).filter(Boolean);
  const claims = { ...(other as { [key: string]: Json }) };
  if (flags.length > 0) claims.feature_flags = flags;
  return claims;
}

/** The form as changes for api.update_plan (every editable field; claims replaced as a whole). */
export function planChangesOf(form: PlanForm): PlanChanges {
  const changes = {
    name: form.name,
    description: form.description,
    price_idr: wholeNumber(form.price_idr),
    interval: form.interval,
    claims: claimsOf(form),
    ...(form.sort_order ? { sort_order: wholeNumber(form.sort_order) } : {}),
    // Empty means no trial (0), so clearing the field switches trials off.
    trial_days: form.trial_days ? wholeNumber(form.trial_days) : 0,
  };
  // Values that did not parse are left for SQL to refuse with its own message.
  return changes as PlanChanges;
}

/** The form as a new plan for api.create_plan. */
export function newPlanOf(form: PlanForm): NewPlan {
  if (!form.key) throw refused("key", "key is required.");
  return {
    key: form.key,
    ...planChangesOf(form),
    ...(form.default ? { default: true } : {}),
  } as NewPlan;
}

/** The plan's claims split back into the form's two fields. */
export function claimFields(claims: Record<string, unknown>): { flags: string; other: string } {
  const { feature_flags: flags, ...other } = claims;
  return {
    flags: Array.isArray(flags) ? flags.join(", ") : "",
    other: Object.keys(other).length > 0 ? JSON.stringify(other) : "",
  };
}
