/** The Platform API's seat pricing of a plan: a team plan (per seat, or flat with included seats) or a personal one. */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { setPlanSeats } from "@/db/team_plans.ts";
import { validate } from "@/lib/http/body.ts";
import { AppError } from "@/lib/http/errors.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

const Seats = z.strictObject({
  seat_pricing: z.enum(["per_seat", "flat"]).nullable()
    .describe(
      "per_seat: price_idr per seat; flat: price_idr for up to included_seats; null: a personal plan.",
    ),
  included_seats: z.number().int().min(1).max(100_000).nullable().optional(),
});

export const callers = clients("project");

export const handler: Handlers = {
  async PUT(c) {
    const key = c.req.param("key") ?? "";
    if (!/^[a-z0-9_-]{1,64}$/.test(key)) throw new AppError("not_found");
    const input = validate(Seats, await bodyWithoutCredentials(c));
    const seats = await asClient(
      c,
      (tx, projectId) => setPlanSeats(tx, projectId, key, input.seat_pricing, input.included_seats ?? null),
    );
    return c.json(seats, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  put: {
    tag: "Plans",
    summary:
      "Make a plan a team plan sold to organizations (per seat, or flat with included seats), or personal",
    auth: "client",
    body: { schema: Seats, media: ["json"] },
    responses: { 200: { description: "The plan's seat pricing" }, ...COMMON_ERRORS },
  },
};
