/** The Platform API's free trials: start a user's one trial of a plan, or list the trials they had. */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { startTrial, userTrials } from "@/db/trials.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { NO_STORE, subParam } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { BILLING_ANSWERS } from "@/lib/platform/billing_schemas.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

const TrialStart = z.strictObject({ plan: z.string().regex(/^[a-z0-9_-]{1,64}$/) });

/** A trial changes the user's plan: the project's own client only. */
export const callers = clients("project");

/**
 * POST starts a trial (201, the trialing subscription with trial_ends_at); a second trial of the same plan (by
 * this account or another of its address), a guest, or a user already on a paid plan, is 409. GET lists the
 * trials the user had.
 */
export const handler: Handlers = {
  async GET(c) {
    const sub = subParam(c);
    const trials = await asClient(c, (tx, projectId) => userTrials(tx, projectId, sub));
    return c.json({ trials }, 200, NO_STORE);
  },
  async POST(c) {
    const sub = subParam(c);
    const input = validate(TrialStart, await bodyWithoutCredentials(c));
    const started = await asClient(c, (tx, projectId) => startTrial(tx, projectId, sub, input.plan));
    return c.json(started, 201, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Plans",
    summary: "The free trials a user has started",
    auth: "client",
    responses: {
      200: {
        description:
          "{trials: [{plan, started_at, ends_at, other_account}]}: other_account when another account " +
          "of the user's address or number had it (one trial per address)",
        schema: BILLING_ANSWERS.trials,
      },
      ...COMMON_ERRORS,
    },
  },
  post: {
    tag: "Plans",
    summary: "Start a user's free trial of a plan (once per user, address and plan)",
    description: "The plan needs `trial_days` > 0. Tokens then carry `custom_claims.trial_ends_at`.",
    auth: "client",
    body: { schema: TrialStart, media: ["json"] },
    responses: {
      201: { description: "The trialing subscription", schema: BILLING_ANSWERS.subscription },
      ...COMMON_ERRORS,
    },
  },
};
