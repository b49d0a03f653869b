/** Removing one of a user's ways in (a password, or a Google/GitHub/Apple/Microsoft identity) over the Platform API. */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { SignInMethodSchema, unlinkSignInMethod } from "@/db/user_admin.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE, subParam } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, ErrorResponse, type RouteDoc } from "@/lib/openapi.ts";

const Provider = z.enum(["password", "google", "github", "apple", "microsoft"], {
  message: "A removable sign-in method is password, google, github, apple or microsoft.",
});
const Query = z.object({
  subject: z.string().min(1).max(255).optional()
    .describe("The identity's subject at the provider (as listed); required but for password."),
}).strict();

export const callers = clients("project");

export const handler: Handlers = {
  async DELETE(c) {
    const sub = subParam(c);
    const provider = validate(Provider, c.req.param("provider"));
    const { subject } = validate(Query, c.req.query());
    const left = await asClient(c, (tx, id) => unlinkSignInMethod(tx, id, sub, { provider, subject }));
    return c.json({ methods: left }, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  delete: {
    tag: "Users",
    summary: "Remove a user's password or one of their Google/GitHub/Apple/Microsoft identities (?subject=…)",
    description:
      "Never the last usable way in (409): a verified number with phone sign-in, a verified address with email " +
      "codes and a working passkey count. An Apple identity's kept token is revoked at Apple. Audited " +
      "`identity.unlink`. Answers the methods left.",
    auth: "client",
    query: Query,
    responses: {
      200: { description: "The methods left", schema: z.object({ methods: z.array(SignInMethodSchema) }) },
      ...COMMON_ERRORS,
      409: { description: "conflict: the user's last way in", schema: ErrorResponse },
    },
  },
};
