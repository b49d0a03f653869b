import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import type { Ctx } from "@/lib/app_env.ts";
import { FactorRefused, manageOwnFactor, ownFactor } from "@/db/factors.ts";
import {
  AuthForm,
  authorizeRequest,
  authPage,
  authPageData,
  readAuthForm,
  STALE_FORM,
} from "@/lib/login/pages.ts";
import type { AuthorizeRequest } from "@/lib/login/authorize_request.ts";
import { readSession } from "@/lib/login/browser.ts";
import { pickLang } from "@/lib/login/i18n.ts";
import { ownProof } from "@/lib/login/factors/own_proof.ts";
import { ownFactorMail } from "@/lib/login/factors/mail.ts";
import { newRecoveryCodes, recoveryCodeHash } from "@/lib/login/factors/recovery_codes.ts";
import { countFactorFailure, factorWait } from "@/lib/login/factors/lockout.ts";
import { sha256 } from "@/lib/secrets.ts";
import { toAppError } from "@/lib/http/errors.ts";
import { ManageFactor, type ManageFactorData } from "@/components/login/ManageFactor.tsx";

const ManageForm = AuthForm.extend({
  action: z.enum(["regenerate", "remove"]),
  code: z.string().max(64),
});

const STATUS = { manage: 200, codes: 200, removed: 200, none: 409, signedOut: 401 } as const;

function show(
  c: Ctx,
  request: AuthorizeRequest,
  query: URLSearchParams,
  mode: NonNullable<ManageFactorData["mode"]>,
  extra: Partial<ManageFactorData> = {},
  status: number = STATUS[mode],
) {
  const data = { ...authPageData(c, request, query), mode, ...extra } as ManageFactorData;
  return authPage(data, mode === "codes" ? "codesTitle" : "manageTitle", status);
}

/** The person this browser's session belongs to, with their factor and the session token's hash. */
async function signedInPerson(c: Ctx, request: AuthorizeRequest) {
  const token = readSession(c, request.project.id);
  const sessionHash = token ? await sha256(token) : null;
  const own = sessionHash ? await ownFactor(c.var.deps.sql, request.project.id, sessionHash) : null;
  return { own, sessionHash };
}

/** The page as a reload shows it: the person's factor to manage, or why there is none (`extra`: what to say). */
async function showOwn(
  c: Ctx,
  request: AuthorizeRequest,
  query: URLSearchParams,
  extra: Partial<ManageFactorData> = {},
  status?: number,
) {
  const { own } = await signedInPerson(c, request);
  const mode = !own ? "signedOut" : own.enrolled ? "manage" : "none";
  return show(c, request, query, mode, extra, status ?? STATUS[mode]);
}

/**
 * A signed-in person's own second factor: new recovery codes, or removing the authenticator app. Both need a
 * fresh code from the app (or a recovery code) on the same form; wrong ones count toward the MFA lockout.
 */
export const handler: Handlers<ManageFactorData> = {
  async GET(c) {
    const query = new URL(c.req.url).searchParams;
    const request = await authorizeRequest(c, query);
    if (request instanceof Response) return request;
    return await showOwn(c, request, query);
  },

  async POST(c) {
    const posted = await readAuthForm(
      c,
      ManageForm,
      "manageTitle",
      (request, query) => showOwn(c, request, query, { error: STALE_FORM.error }, STALE_FORM.status),
    );
    if (!("again" in posted)) return posted;
    const { form, query, request } = posted;
    const { own, sessionHash } = await signedInPerson(c, request);
    if (!own || !sessionHash) return show(c, request, query, "signedOut");
    if (!own.enrolled) return show(c, request, query, "none");
    const wait = await factorWait(c, request.project, own.user_id);
    if (wait > 0) return show(c, request, query, "manage", { error: "tooMany", waitSeconds: wait }, 429);
    const refused = async () => {
      await countFactorFailure(c, request.project, own.user_id, "manage");
      return show(c, request, query, "manage", { error: "mfaWrongCode" }, 422);
    };
    const proof = await ownProof(c, request.project.id, own, form.code);
    if (!proof) return await refused();
    const codes = form.action === "regenerate" ? newRecoveryCodes() : null;
    const mail = ownFactorMail(pickLang(c), request.project.name, form.action, request.project.settings);
    try {
      await manageOwnFactor(
        c.var.deps.sql,
        request.project.id,
        sessionHash,
        form.action,
        proof,
        codes ? await Promise.all(codes.map(recoveryCodeHash)) : null,
        mail,
      );
    } catch (error) {
      if (error instanceof FactorRefused) return await refused();
      // Signed out, reset, claimed or disabled since the session was found live: nothing changed; sign in again.
      if (toAppError(error).code === "invalid_grant") return show(c, request, query, "signedOut");
      throw error;
    }
    return codes ? show(c, request, query, "codes", { codes }) : show(c, request, query, "removed");
  },
};

export default function ManageFactorPage({ data }: PageProps<ManageFactorData>) {
  return <ManageFactor data={data} />;
}
