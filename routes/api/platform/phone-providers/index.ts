/**
 * GET /api/platform/phone-providers: the project's own phone code provider accounts (docs/phone.md), each as
 * its provider, the hint the dashboard shows and when it changed — never the credentials, which are write-only.
 */
import type { Handlers } from "@/lib/router/routes.ts";
import { phoneProviderCredentials } from "@/db/phone_providers.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

export const callers = clients("project");

export const handler: Handlers = {
  async GET(c) {
    const stored = await asClient(c, (tx, projectId) => phoneProviderCredentials(tx, projectId));
    return c.json(
      stored.map(({ provider, hint, updated_at }) => ({ provider, hint, updated_at })),
      200,
      NO_STORE,
    );
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Phone",
    summary:
      "The project's own phone code provider accounts: [{provider, hint, updated_at}] (never the secrets)",
    auth: "client",
    responses: { 200: { description: "[{provider, hint, updated_at}]" }, 401: COMMON_ERRORS[401] },
  },
};
