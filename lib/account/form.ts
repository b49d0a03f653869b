/**
 * Reads a form posted from the account page: the account it belongs to (client_id and return_to, checked
 * again), then CSRF (double submit, like every hosted form) and the Origin check. A stale or foreign form
 * changes nothing and comes back as a reload would: the account page saying so, 403.
 */
import { z } from "zod";
import type { Ctx } from "@/lib/app_env.ts";
import { readBody } from "@/lib/http/body.ts";
import { formAccepted } from "@/lib/login/browser.ts";
import { type AccountTarget, accountTarget } from "./target.ts";
import { staleAccountPage } from "./page.tsx";

const Form = z.object({
  request: z.string().max(4000),
  csrf: z.string().max(100),
  action: z.enum([
    // "name": the form before the profile had more fields (a page loaded before an upgrade), read as a profile.
    "name",
    "profile",
    "email",
    "password",
    "unlink",
    "endOthers",
    "revokeApp",
    "revokeConsent",
    "leaveOrganization",
    "delete",
    "export",
  ]),
  // The profile (bounded here; the rules are the database's: db/api/profile.sql).
  name: z.string().max(1000).optional(),
  given_name: z.string().max(1000).optional(),
  family_name: z.string().max(1000).optional(),
  locale: z.string().max(100).optional(),
  picture: z.string().max(4096).optional(),
  nickname: z.string().max(1000).optional(),
  middle_name: z.string().max(1000).optional(),
  preferred_username: z.string().max(1000).optional(),
  website: z.string().max(4096).optional(),
  zoneinfo: z.string().max(100).optional(),
  email: z.string().max(1000).optional(),
  password: z.string().max(1024).optional(),
  provider: z.string().max(20).optional(),
  subject: z.string().max(255).optional(),
  // A self-registered client's dcl_ id, or a metadata-document client's URL.
  client: z.string().max(1000).optional(),
  resource: z.string().max(2000).optional(),
  organization: z.string().max(100).optional(),
  confirm: z.string().max(1000).optional(),
});
export type AccountForm = z.infer<typeof Form>;

/** The posted form and its account, or the answer to send (a stale or foreign form: the account page again). */
export function readAccountForm(c: Ctx): Promise<{ form: AccountForm; target: AccountTarget } | Response> {
  return readCheckedForm(c, Form);
}

/**
 * Any form posted from the account page or its sub-pages (`schema` has the page's `request` and `csrf`): its
 * account, once CSRF and Origin pass; else what `stale` shows for the form (by default the account page saying
 * the form was stale, 403), as a reload would.
 */
export async function readCheckedForm<S extends z.ZodType<{ request: string; csrf: string }>, A = Response>(
  c: Ctx,
  schema: S,
  stale?: (target: AccountTarget, form: z.infer<S>) => Promise<A | Response>,
): Promise<{ form: z.infer<S>; target: AccountTarget } | A | Response> {
  const form = await readBody(c, schema, ["form"]);
  const target = await accountTarget(c, new URLSearchParams(form.request));
  if (!formAccepted(c, form.csrf)) {
    return stale ? await stale(target, form) : await staleAccountPage(c, target);
  }
  return { form, target };
}
