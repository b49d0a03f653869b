/** The Platform API sets a user's phone number: the app says whether it checked that the person holds it. */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { setUserPhone } from "@/db/users.ts";
import { validate } from "@/lib/http/body.ts";
import { AppError } from "@/lib/http/errors.ts";
import { parsePhone } from "@/lib/phone/number.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { NO_STORE, subParam } from "@/lib/platform/params.ts";
import { PlatformUser, platformUser } from "@/lib/platform/user_body.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

const PhoneSet = z.strictObject({
  phone_number: z.string().max(40).nullable(),
  verified: z.boolean({ message: "verified must be true or false." }),
});

/** A phone number is a way to sign in: the project's own client only. */
export const callers = clients("project");

/**
 * PUT sets the number (as people type it, Indonesian habits accepted, stored E.164) with `verified` explicit,
 * or removes it with null (not the only contact of a user without email, nor their last way in: SQL's rule,
 * astapa.has_way_in). 409 when another user has it.
 */
export const handler: Handlers = {
  async PUT(c) {
    const sub = subParam(c);
    const input = validate(PhoneSet, await bodyWithoutCredentials(c));
    let e164: string | null = null;
    if (input.phone_number !== null) {
      const parsed = await parsePhone(input.phone_number);
      if ("problem" in parsed) {
        throw new AppError("validation_failed", {
          fields: {
            phone_number: [
              parsed.problem === "invalid"
                ? "Not a valid phone number (e.g. +6281234567890 or 0812 3456 7890)."
                : "This number cannot receive codes (premium-rate and service numbers are not accepted).",
            ],
          },
        });
      }
      e164 = parsed.e164;
    }
    const user = await asClient(
      c,
      (tx, projectId) => setUserPhone(tx, projectId, sub, { phoneNumber: e164, verified: input.verified }),
    );
    return c.json(platformUser(user), 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  put: {
    tag: "Users",
    summary: "Set or remove a user's phone number, saying whether it is verified",
    description: "A verified number signs in by a code (docs/phone.md); `null` removes it. " +
      "409 when another user of the project has the number, when the user has no email to fall back on, or " +
      "when removing it (or replacing it by an unverified one) would leave them no way to sign in.",
    auth: "client",
    body: { schema: PhoneSet, media: ["json"] },
    responses: { 200: { description: "The user", schema: PlatformUser }, ...COMMON_ERRORS },
  },
};
