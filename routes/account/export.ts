import type { Handlers } from "@/lib/router/routes.ts";
import { exportAccount } from "@/db/account.ts";
import { toAppError } from "@/lib/http/errors.ts";
import { pickLang } from "@/lib/login/i18n.ts";
import { readAccountForm } from "@/lib/account/form.ts";
import {
  FRESH_SECONDS,
  refusedWhileImpersonated,
  sessionHash,
  signInToAccount,
} from "@/lib/account/target.ts";

/**
 * "Download my data": a POST from the account page (CSRF, a fresh sign-in) answered with everything the
 * project holds about the person as a JSON attachment. Never cached.
 */
export const handler: Handlers = {
  async POST(c) {
    const posted = await readAccountForm(c);
    if (posted instanceof Response) return posted;
    const { target } = posted;
    const hash = await sessionHash(c, target.project.id);
    if (!hash) return signInToAccount(c, target, pickLang(c), false);
    let data: Record<string, unknown>;
    try {
      data = await exportAccount(c.var.deps.sql, target.project.id, hash, FRESH_SECONDS);
    } catch (error) {
      const code = toAppError(error).code;
      if (code === "invalid_grant" || code === "forbidden") {
        return signInToAccount(c, target, pickLang(c), code === "forbidden");
      }
      // Support staff signed in as the person (docs/impersonation.md): the account page says only the person may.
      if (code === "impersonated") return refusedWhileImpersonated(c, target, pickLang(c));
      throw error;
    }
    return new Response(JSON.stringify(data, null, 2) + "\n", {
      headers: {
        "content-type": "application/json; charset=utf-8",
        "content-disposition": 'attachment; filename="my-data.json"',
        "cache-control": "no-store",
      },
    });
  },
};
