/**
 * Guests over the Platform API (settings.anonymous_users, docs/anonymous-users.md): whether the front end may make
 * them, how long one who never comes back is kept, and the project's hourly cap — through the one setter
 * (api.update_project_settings: validated, merged key by key, audited).
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import {
  AnonymousUserSettings,
  anonymousUserSettings,
  updateAnonymousUserSettings,
} from "@/db/anonymous_users.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

// Ranges are checked in SQL (astapa.anonymous_users_settings_problem), which says which one is wrong; null: default.
const Changes = z.strictObject({
  enabled: z.boolean().nullable().optional(),
  sweep_after_days: z.number().int().nullable().optional(),
  hourly_limit: z.number().int().nullable().optional(),
}).refine((body) => Object.keys(body).length > 0, {
  message: "Send at least one of enabled, sweep_after_days and hourly_limit.",
});

/** Settings change who can get in: the project's own client only. */
export const callers = clients("project");

/** GET the guest settings with their defaults; PATCH some of them. */
export const handler: Handlers = {
  async GET(c) {
    return c.json(await asClient(c, (tx, projectId) => anonymousUserSettings(tx, projectId)), 200, NO_STORE);
  },
  async PATCH(c) {
    const changes = validate(Changes, await bodyWithoutCredentials(c));
    const settings = await asClient(
      c,
      (tx, projectId) => updateAnonymousUserSettings(tx, projectId, changes),
    );
    return c.json(settings, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Tokens",
    summary: "Guests (anonymous sign-ins): on or off, how long they are kept, the hourly cap",
    description: "settings.anonymous_users with its defaults (docs/anonymous-users.md).",
    auth: "client",
    responses: {
      200: { description: "The guest settings", schema: AnonymousUserSettings },
      ...COMMON_ERRORS,
    },
  },
  patch: {
    tag: "Tokens",
    summary: "Change the guest settings",
    description: "The dashboard's setter (audited as project.settings); null returns a key to its default. " +
      "sweep_after_days 1–365, hourly_limit 1–100000, else 400 with the reason and nothing changes.",
    auth: "client",
    body: { schema: Changes, media: ["json"] },
    responses: {
      200: { description: "The guest settings", schema: AnonymousUserSettings },
      ...COMMON_ERRORS,
    },
  },
};
