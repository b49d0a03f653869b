/**
 * The project's users over the Platform API: find one by email or phone, page through them (or search), and
 * create one — what an app's backend or support tool needs without the dashboard.
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { Ctx } from "@/lib/app_env.ts";
import { createUser, findUserByEmail, findUserByPhone } from "@/db/users.ts";
import { PlatformUser, platformUser } from "@/lib/platform/user_body.ts";
import { PROFILE_FIELDS, profileInput } from "@/lib/platform/profile_body.ts";
import { listEnvironmentUsers, searchEnvironmentUsers } from "@/db/user_admin.ts";
import { validate } from "@/lib/http/body.ts";
import { AppError } from "@/lib/http/errors.ts";
import { UserIdSchema } from "@/lib/http/user_id.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";
import { parsePhone } from "@/lib/phone/number.ts";
import { chosenPasswordHash } from "@/lib/platform/chosen_password.ts";

const Query = z.object({
  email: z.string().trim().min(3).max(254).optional().describe(
    "Find the one user with this email (any case).",
  ),
  phone: z.string().trim().min(3).max(40).optional().describe("Find the one user with this phone number."),
  q: z.string().trim().min(1).max(254).optional()
    .describe("Search: a sub, `@domain` (every address there), or a prefix of the email or the name claim."),
  limit: z.coerce.number().int().min(1).max(200).default(50).describe("Users a page, 1 to 200 (50)."),
  after: UserIdSchema.optional().describe("The previous page's next_after: users after this sub."),
  is_anonymous: z.enum(["true", "false"]).transform((v) => v === "true").optional()
    .describe("true: guests only (docs/anonymous-users.md); false: no guests. Lists only, not with q."),
}).refine((q) => q.email === undefined || q.phone === undefined, {
  message: "Give email or phone, not both.",
  path: ["email"],
}).refine((q) => q.q === undefined || q.is_anonymous === undefined, {
  message: "is_anonymous filters the list; a search (q) finds guests by their sub.",
  path: ["is_anonymous"],
});

const UserPage = z.object({
  users: z.array(PlatformUser),
  next_after: z.string().nullable().describe("The after of the next page; null on the last page."),
});

const NewUser = z.strictObject({
  email: z.string().trim().min(3).max(254),
  password: z.string().min(1).max(1000).optional()
    .describe("Checked as at sign-up (length, common, breached); stored as argon2id. Omitted: no password."),
  email_verified: z.boolean().default(false)
    .describe("Whether the app already confirmed that the person holds the address."),
  ...PROFILE_FIELDS,
});

export const callers = clients("project");

/** The one user with this email or phone number, as before lists existed; 404 when there is none. */
async function findOne(c: Ctx, asked: { email?: string; phone?: string }) {
  let user;
  if (asked.phone !== undefined) {
    const parsed = await parsePhone(asked.phone);
    user = "problem" in parsed ? null : await asClient(c, (tx, id) => findUserByPhone(tx, id, parsed.e164));
    if (!user) {
      throw new AppError("not_found", { description: "No user has this phone number in this project." });
    }
  } else {
    user = await asClient(c, (tx, id) => findUserByEmail(tx, id, asked.email!));
    if (!user) throw new AppError("not_found", { description: "No user has this email in this project." });
  }
  return c.json(platformUser(user), 200, NO_STORE);
}

export const handler: Handlers = {
  async GET(c) {
    const asked = validate(Query, c.req.query());
    if (asked.email !== undefined || asked.phone !== undefined) return await findOne(c, asked);
    const page = { size: asked.limit, afterId: asked.after, isAnonymous: asked.is_anonymous };
    const users = await asClient(
      c,
      (tx, projectId) =>
        asked.q === undefined
          ? listEnvironmentUsers(tx, projectId, page)
          : searchEnvironmentUsers(tx, projectId, asked.q, page),
    );
    const next = users.length === asked.limit ? users.at(-1)!.id : null;
    return c.json({ users: users.map(platformUser), next_after: next }, 200, NO_STORE);
  },

  async POST(c) {
    const input = validate(NewUser, await bodyWithoutCredentials(c));
    const passwordHash = input.password === undefined
      ? undefined
      : await chosenPasswordHash(c, input.password);
    const user = await asClient(
      c,
      (tx, projectId) =>
        createUser(tx, projectId, {
          email: input.email,
          passwordHash,
          emailVerified: input.email_verified,
          profile: profileInput(input),
        }),
    );
    return c.json(platformUser(user), 201, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Users",
    summary: "Find a user by email or phone number, or page through (and search) the project's users",
    description:
      "With `email` or `phone`: that one user (`sub` beside the fields), 404 when none. Without: a " +
      "page of the users of the project's current environment in sub order, `next_after` leading to the next.",
    auth: "client",
    query: Query,
    responses: { 200: { description: "The user, or a page of users", schema: UserPage }, ...COMMON_ERRORS },
  },
  post: {
    tag: "Users",
    summary: "Create a user in the project's current environment",
    description:
      "No mail is sent and no sign-up rule applies (the app decides). 409 when the email is taken " +
      "(in any case). The app hears user.created.",
    auth: "client",
    body: { schema: NewUser, media: ["json"] },
    responses: { 201: { description: "The user", schema: PlatformUser }, ...COMMON_ERRORS },
  },
};
