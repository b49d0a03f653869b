/** The app's own metadata about a user (never in a token): read it, merge into it (RFC 7396), replace it. */
import type { Handlers } from "@/lib/router/routes.ts";
import { patchUserMetadata, userMetadata, UserMetadataSchema } from "@/db/user_metadata.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { NO_STORE, subParam } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

/** What the app knows about its users is the app's: its own client only. */
export const callers = clients("project");

/**
 * GET answers the object ({} when none); PATCH merges the body into it as a JSON merge patch (a member set to
 * null goes); PUT puts the body in its place. Top-level `client_id`/`client_secret` are read as credentials,
 * never stored. 400 when the result would be over 8 KiB.
 */
export const handler: Handlers = {
  async GET(c) {
    const sub = subParam(c);
    return c.json(await asClient(c, (tx, id) => userMetadata(tx, id, sub)), 200, NO_STORE);
  },

  async PATCH(c) {
    const sub = subParam(c);
    const patch = validate(UserMetadataSchema, await bodyWithoutCredentials(c));
    return c.json(await asClient(c, (tx, id) => patchUserMetadata(tx, id, sub, patch)), 200, NO_STORE);
  },

  async PUT(c) {
    const sub = subParam(c);
    const whole = validate(UserMetadataSchema, await bodyWithoutCredentials(c));
    return c.json(await asClient(c, (tx, id) => patchUserMetadata(tx, id, sub, whole, true)), 200, NO_STORE);
  },
};

const described = { description: "The user's metadata", schema: UserMetadataSchema };

export const openapi: RouteDoc = {
  get: {
    tag: "Users",
    summary: "The app's metadata about a user",
    description: "A JSON object the app keeps for its backend (at most 8 KiB); never in a token.",
    auth: "client",
    responses: { 200: described, ...COMMON_ERRORS },
  },
  patch: {
    tag: "Users",
    summary: "Merge into a user's metadata (JSON merge patch)",
    description:
      "RFC 7396: members are set, a member set to null is removed, objects merge member by member. " +
      "Audited `user.metadata_updated` with the top-level keys (never the values).",
    auth: "client",
    body: { schema: UserMetadataSchema, media: ["json"] },
    responses: { 200: described, ...COMMON_ERRORS },
  },
  put: {
    tag: "Users",
    summary: "Replace a user's metadata",
    auth: "client",
    body: { schema: UserMetadataSchema, media: ["json"] },
    responses: { 200: described, ...COMMON_ERRORS },
  },
};
