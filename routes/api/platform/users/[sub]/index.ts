/** One user over the Platform API: read, disable or re-enable, erase. */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { disableUser } from "@/db/users.ts";
import { deleteUser, getEnvironmentUser } from "@/db/user_admin.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { NO_STORE, subParam } from "@/lib/platform/params.ts";
import { PlatformUser, platformUser } from "@/lib/platform/user_body.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

const UserChange = z.strictObject({
  disabled: z.boolean({ message: "disabled must be true or false." })
    .describe(
      "true: no sign-in and no token until re-enabled (sessions and refresh tokens are kept, refused).",
    ),
});

export const callers = clients("project");

export const handler: Handlers = {
  async GET(c) {
    const sub = subParam(c);
    return c.json(
      platformUser(await asClient(c, (tx, id) => getEnvironmentUser(tx, id, sub))),
      200,
      NO_STORE,
    );
  },

  async PATCH(c) {
    const sub = subParam(c);
    const change = validate(UserChange, await bodyWithoutCredentials(c));
    const user = await asClient(c, (tx, id) => disableUser(tx, id, sub, change.disabled));
    return c.json(platformUser(user), 200, NO_STORE);
  },

  async DELETE(c) {
    const sub = subParam(c);
    await asClient(c, (tx, id) => deleteUser(tx, id, sub));
    return c.body(null, 204, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Users",
    summary: "A user of the project's current environment",
    auth: "client",
    responses: { 200: { description: "The user", schema: PlatformUser }, ...COMMON_ERRORS },
  },
  patch: {
    tag: "Users",
    summary: "Disable or re-enable a user",
    description:
      "Disabling voids their unredeemed codes, approved devices and open challenges at once; their " +
      "sessions and refresh tokens are refused while disabled and work again after a re-enable (end them with " +
      "DELETE …/sessions). Audited user.disable / user.enable.",
    auth: "client",
    body: { schema: UserChange, media: ["json"] },
    responses: { 200: { description: "The user", schema: PlatformUser }, ...COMMON_ERRORS },
  },
  delete: {
    tag: "Users",
    summary: "Erase a user (right to erasure)",
    description:
      "As when the person deletes their own account, without the goodbye mail: every way in ends, " +
      "their identities, factors, passkeys, memberships and claims go, subscriptions end, and a pseudonymous " +
      "tombstone keeps payments and receipts whole. The app hears user.deleted. A second DELETE is a 404.",
    auth: "client",
    responses: { 204: { description: "Erased" }, ...COMMON_ERRORS },
  },
};
