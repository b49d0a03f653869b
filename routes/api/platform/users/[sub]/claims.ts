import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { patchUserClaims, tokenClaims } from "@/db/users.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { NO_STORE, subParam } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";
import { CustomClaims } from "@/lib/oauth/schemas.ts";

/**
 * The Claims API: types here, meaning in SQL (api.patch_user_claims checks names, sizes and that the plan
 * exists, and names the fields at fault). Any other key is a custom claim.
 */
const ClaimsPatch = z.object({
  plan: z.string().nullable().optional(),
  role: z.string().nullable().optional(),
  feature_flags: z.array(z.string()).optional(),
}).catchall(z.json()).refine((patch) => Object.keys(patch).length > 0, {
  message: "Send at least one claim to change.",
});

export const callers = clients("project");

/**
 * GET: the user's custom_claims exactly as their next token carries them. PATCH: change plan (through
 * api.assign_plan, source claims_api), role, feature_flags and custom keys (merged; null removes), then the same.
 * Another project's user is 404, like a user that does not exist.
 */
export const handler: Handlers = {
  async GET(c) {
    const sub = subParam(c);
    const claims = await asClient(c, (tx, projectId) => tokenClaims(tx, projectId, sub));
    return c.json(claims, 200, NO_STORE);
  },
  async PATCH(c) {
    const sub = subParam(c);
    const patch = validate(ClaimsPatch, await bodyWithoutCredentials(c));
    const claims = await asClient(c, (tx, projectId) => patchUserClaims(tx, projectId, sub, patch));
    return c.json(claims, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Claims",
    summary: "A user's custom_claims, exactly as their next token carries them",
    auth: "client",
    responses: {
      200: { description: "custom_claims", schema: CustomClaims },
      401: COMMON_ERRORS[401],
      404: COMMON_ERRORS[404],
    },
  },
  patch: {
    tag: "Claims",
    summary: "Change a user's plan, role, feature flags or custom claims",
    description: "A plan change goes through the subscription (source claims_api); null removes a claim.",
    auth: "client",
    body: { schema: ClaimsPatch, media: ["json"] },
    responses: {
      200: { description: "The resulting custom_claims", schema: CustomClaims },
      ...COMMON_ERRORS,
    },
  },
};
