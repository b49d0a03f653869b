/** The Platform API's team plan checkout: an owner or admin pays for the organization's plan and seats. */
import { UserIdSchema } from "@/lib/http/user_id.ts";
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { validate } from "@/lib/http/body.ts";
import { bodyWithoutCredentials, clientOf } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { organizationParam } from "@/lib/organizations/params.ts";
import { openOrganizationCheckout } from "@/lib/organizations/team_checkout.ts";
import { checkoutResponse } from "@/lib/payments/checkout.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

const TeamCheckout = z.strictObject({
  user: UserIdSchema.describe("The sub of the owner or admin who pays."),
  plan: z.string().regex(/^[a-z0-9_-]{1,64}$/).describe("A team plan (seat_pricing per_seat or flat)."),
  seats: z.number().int().min(1).max(100_000).optional().describe("Seats to buy (per-seat plans)."),
  success_url: z.url().max(2000).optional(),
  failure_url: z.url().max(2000).optional(),
});

/** Opening a checkout puts an organization on a paid plan: the project's own client only. */
export const callers = clients("project");

export const handler: Handlers = {
  async POST(c) {
    const id = organizationParam(c);
    const { user, ...input } = validate(TeamCheckout, await bodyWithoutCredentials(c));
    const checkout = await openOrganizationCheckout(c.var.deps, clientOf(c).projectId, id, {
      sub: user,
      ...input,
    });
    const { organization_id, seats, seats_from } = checkout;
    return c.json(
      { ...checkoutResponse(c.var.deps.config.baseUrl, checkout), organization_id, seats, seats_from },
      201,
      NO_STORE,
    );
  },
};

export const openapi: RouteDoc = {
  post: {
    tag: "Organizations",
    summary: "Open a checkout of a team plan for an organization (per seat, or flat with its seats)",
    description:
      "Adding seats to the plan paid for a running period costs only the added seats for the rest of " +
      "it (`seats_from`: the seats already paid). Paying sets the organization's plan and seat limit.",
    auth: "client",
    body: { schema: TeamCheckout, media: ["json"] },
    responses: { 201: { description: "The checkout, with checkout_url to pay at" }, ...COMMON_ERRORS },
  },
};
