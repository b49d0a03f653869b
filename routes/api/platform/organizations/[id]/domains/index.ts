/** The Platform API's domains of an organization: claim one (it answers with the DNS TXT value to publish). */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { addDomain } from "@/db/organizations.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { organizationParam } from "@/lib/organizations/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

const NewDomain = z.strictObject({ domain: z.string().max(253) });

export const callers = clients("project");

export const handler: Handlers = {
  async POST(c) {
    const id = organizationParam(c);
    const { domain } = validate(NewDomain, await bodyWithoutCredentials(c));
    return c.json(await asClient(c, (tx) => addDomain(tx, id, domain)), 201, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  post: {
    tag: "Organizations",
    summary: "Claim an email domain for an organization (unverified; answers with its verification_token)",
    auth: "client",
    body: { schema: NewDomain, media: ["json"] },
    responses: { 201: { description: "The domain" }, ...COMMON_ERRORS },
  },
};
