/**
 * /auth/passkeys?client_id=…&redirect_uri=… — a signed-in person's passkeys on the hosted login (the account
 * page can link here): add one (the island posts the new credential), rename one, remove one (the person is
 * mailed, naming it). Adding and removing need a sign-in within the last 10 minutes by the person themselves, never
 * support staff signed in as them (Postgres checks it again),
 * so a stolen session cookie alone cannot plant or delete a key. The same authorization request as /auth/login; en+id; CSRF.
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import type { Ctx } from "@/lib/app_env.ts";
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
import { passkeysEnabled } from "@/lib/login/passkeys/settings.ts";
import { passkeySignals, verifyRegistration } from "@/lib/login/passkeys/ceremony.ts";
import { ownPasskeys, passkeyRefused, removeOwnPasskey, renameOwnPasskey } from "@/db/passkeys.ts";
import { passkeyRemovedMail } from "@/lib/login/passkeys/mail.ts";
import { clientAddress } from "@/lib/http/client_address.ts";
import { toAppError } from "@/lib/http/errors.ts";
import { sha256 } from "@/lib/secrets.ts";
import { type MessageKey, pickLang } from "@/lib/login/i18n.ts";
import { Passkeys, type PasskeysData } from "@/components/login/Passkeys.tsx";

const PasskeysForm = AuthForm.extend({
  action: z.enum(["add", "rename", "remove"]),
  credential: z.string().max(40_000).optional(),
  name: z.string().max(200).optional(),
  id: z.string().regex(/^([0-9a-f]{2}){16,1023}$/).optional(),
});

/** The person behind this browser's session, with their passkeys; null when nobody is signed in. */
async function signedIn(c: Ctx, request: AuthorizeRequest) {
  const token = readSession(c, request.project.id);
  const sessionHash = token ? await sha256(token) : null;
  const own = sessionHash ? await ownPasskeys(c.var.deps.sql, request.project.id, sessionHash) : null;
  return own && sessionHash ? { own, sessionHash } : null;
}

/** The page for this browser now, with what just happened (`done`) or what went wrong. */
async function show(
  c: Ctx,
  request: AuthorizeRequest,
  query: URLSearchParams,
  outcome: { done?: MessageKey; error?: MessageKey } = {},
  status = 200,
) {
  // Right after a sign-up (afterFirstFactor's `onward`), on the page's address and on its forms' actions.
  const welcome = new URL(c.req.url).searchParams.get("welcome") === "1";
  const base = { ...authPageData(c, request, query), ...(welcome ? { welcome } : {}) };
  if (!passkeysEnabled(request.project)) {
    return authPage({ ...base, mode: "off" } as PasskeysData, "passkeysTitle", 404);
  }
  const person = await signedIn(c, request);
  if (!person) return authPage({ ...base, mode: "signedOut" } as PasskeysData, "passkeysTitle", 401);
  const data: PasskeysData = {
    ...base,
    mode: "list",
    keys: person.own.passkeys,
    recent: person.own.recent,
    impersonated: person.own.impersonated,
    ...outcome,
    // Support staff's browser is not the person's: their password manager is told nothing about the account.
    // Nor while the person keeps no passkey, as on the account page, but right after removing one here (the empty
    // list makes their manager forget it): a manager may act on a signal late, and an empty list acted on after
    // the passkey the person makes on this very page would drop that one.
    ...(person.own.impersonated || (person.own.passkeys.length === 0 && outcome.done !== "passkeyRemoved")
      ? {}
      : { signals: passkeySignals(c, person.own) }),
  };
  return authPage(data, "passkeysTitle", status);
}

const name = (text: string | undefined, fallback: string) =>
  (text ?? "").replace(/[\p{Cc}\p{Cf}]/gu, "").trim().slice(0, 64) || fallback;

export const handler: Handlers<PasskeysData> = {
  async GET(c) {
    const query = new URL(c.req.url).searchParams;
    const request = await authorizeRequest(c, query);
    if (request instanceof Response) return request;
    return await show(c, request, query);
  },

  async POST(c) {
    const posted = await readAuthForm(
      c,
      PasskeysForm,
      "passkeysTitle",
      (request, query) => show(c, request, query, { error: STALE_FORM.error }, STALE_FORM.status),
    );
    if (!("again" in posted)) return posted;
    const { form, query, request } = posted;
    const person = passkeysEnabled(request.project) ? await signedIn(c, request) : null;
    if (!person) return await show(c, request, query);
    const { sql } = c.var.deps;
    const projectId = request.project.id;
    try {
      if (form.action === "add") {
        const added = await verifyRegistration(
          c,
          projectId,
          person.sessionHash,
          form.credential ?? "",
          name(form.name, "Passkey"),
        );
        if ("refused" in added) {
          await passkeyRefused(sql, projectId, added.refused, {
            address: clientAddress(c),
            ceremony: "register",
          });
          return await show(c, request, query, { error: "passkeyNotAdded" }, 400);
        }
        return await show(c, request, query, { done: "passkeyAdded" });
      }
      if (!form.id) return await show(c, request, query, { error: "passkeyUnknown" }, 404);
      const id = Uint8Array.from(form.id.match(/../g)!, (b) => parseInt(b, 16));
      if (form.action === "rename") {
        await renameOwnPasskey(sql, projectId, person.sessionHash, id, name(form.name, "Passkey"));
        return await show(c, request, query, { done: "passkeyRenamed" });
      }
      // Told by mail, naming the key: someone with this browser's session may not be the person.
      const lang = pickLang(c);
      await removeOwnPasskey(
        sql,
        projectId,
        person.sessionHash,
        id,
        (removed) => passkeyRemovedMail(lang, request.project.name, removed, request.project.settings),
      );
      return await show(c, request, query, { done: "passkeyRemoved" });
    } catch (error) {
      const code = toAppError(error).code;
      // Signed out, reset, claimed or disabled since the session was found live: the page asks for a sign-in.
      if (code === "invalid_grant") return await show(c, request, query);
      if (code === "forbidden") return await show(c, request, query, { error: "passkeysNotRecent" }, 403);
      if (code === "impersonated") {
        return await show(c, request, query, { error: "passkeysImpersonated" }, 403);
      }
      if (code === "not_found") return await show(c, request, query, { error: "passkeyUnknown" }, 404);
      if (code === "conflict") {
        const error = form.action === "remove" ? "passkeyLastWayIn" : "passkeyNotAdded";
        return await show(c, request, query, { error }, 409);
      }
      throw error;
    }
  },
};

export default function PasskeysPage({ data }: PageProps<PasskeysData>) {
  return <Passkeys data={data} />;
}
