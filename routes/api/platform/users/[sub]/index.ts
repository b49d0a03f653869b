/**
 * One user over the Platform API: read, change (email, its verification, password, disabled, the profile), erase.
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { deleteUser, getEnvironmentUser, updateUser, type UserUpdate } from "@/db/user_admin.ts";
import { chosenPasswordHash } from "@/lib/platform/chosen_password.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { NO_STORE, subParam } from "@/lib/platform/params.ts";
import { PlatformUser, platformUser } from "@/lib/platform/user_body.ts";
import { PROFILE_FIELDS } from "@/lib/platform/profile_body.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

const UserChange = z.strictObject({
  email: z.string().trim().min(3).max(254).optional()
    .describe(
      "A new address: unverified unless email_verified says so; links and codes sent to the old one die.",
    ),
  email_verified: z.boolean({ message: "email_verified must be true or false." }).optional()
    .describe("Whether the app checked that the person holds the address."),
  password: z.string().min(1).max(1000).nullable().optional()
    .describe("A new password (checked as at sign-up; signs the user out everywhere), or null to remove it."),
  disabled: z.boolean({ message: "disabled must be true or false." }).optional()
    .describe(
      "true: no sign-in and no token until re-enabled (sessions and refresh tokens are kept, refused).",
    ),
  ...PROFILE_FIELDS,
}).refine(
  (change) => Object.keys(change).length > 0,
  "Change one or more of email, email_verified, password, disabled and the profile fields.",
);

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
    const { password, ...change } = validate(UserChange, await bodyWithoutCredentials(c));
    const update: UserUpdate = change;
    if (password !== undefined) {
      update.password_hash = password === null ? null : await chosenPasswordHash(c, password);
    }
    const user = await asClient(c, (tx, id) => updateUser(tx, id, sub, update));
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
    summary: "Change a user: email, email_verified, password, disabled, the profile (all or nothing)",
    description:
      "A new email is unverified unless email_verified is true (409 when another user has it). A " +
      "new password is checked as at sign-up and signs the user out everywhere, as a reset does; null removes " +
      "it unless it is their last way in (409). Disabling voids their unredeemed codes, approved devices and " +
      "open challenges; their sessions and refresh tokens are refused while disabled and work again after a " +
      "re-enable (end them with DELETE …/sessions). Profile fields (name, given_name, family_name, middle_name, " +
      "nickname, preferred_username, picture, website, gender, birthdate, zoneinfo, locale) are set as given, null " +
      "or blank clears one; the person's profile claims (docs/identity.md). " +
      "Each change is audited.",
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
