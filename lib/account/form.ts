/**
 * Reads a form posted from the account page: the account it belongs to (client_id and return_to, checked
 * again), then CSRF (double submit, like every hosted form) and the Origin check. A stale or foreign form goes
 * back to the page with a message and changes nothing.
 */
import { z } from "zod";
import type { Ctx } from "@/lib/app_env.ts";
import { readBody } from "@/lib/http/body.ts";
import { formAccepted } from "@/lib/login/browser.ts";
import { pickLang } from "@/lib/login/i18n.ts";
import { type AccountTarget, accountTarget } from "./target.ts";

const Form = z.object({
  request: z.string().max(4000),
  csrf: z.string().max(100),
  action: z.enum([
    "name",
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
  name: z.string().max(1000).optional(),
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

/** The posted form and its account, or the redirect to send (a stale or foreign form). */
export function readAccountForm(c: Ctx): Promise<{ form: AccountForm; target: AccountTarget } | Response> {
  return readCheckedForm(c, Form);
}

/**
 * Any form posted from the account page or its sub-pages (`schema` has the page's `request` and `csrf`): its
 * account, once CSRF and Origin pass; else the redirect back to /account saying the form was stale.
 */
export async function readCheckedForm<S extends z.ZodType<{ request: string; csrf: string }>>(
  c: Ctx,
  schema: S,
): Promise<{ form: z.infer<S>; target: AccountTarget } | Response> {
  const form = await readBody(c, schema, ["form"]);
  const target = await accountTarget(c, new URLSearchParams(form.request));
  if (!formAccepted(c, form.csrf)) {
    const params = new URLSearchParams(target.query);
    params.set("lang", pickLang(c));
    params.set("problem", "staleForm");
    return c.redirect(`/account?${params}`, 303);
  }
  return { form, target };
}
