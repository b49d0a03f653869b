/**
 * Which account page a request is for: `/account?client_id=cid_…&return_to=…`. The client is a project's own
 * (self-registered clients have no account page of their own), and `return_to` — where "Back to the app"
 * goes — must be one of its registered redirect URIs (never an open redirect). Also the hosted-login detour
 * for a fresh sign-in, which comes back through /account/callback.
 */
import { z } from "zod";
import type { Ctx } from "@/lib/app_env.ts";
import { requestClient } from "@/lib/login/authorization_clients.ts";
import { AppError } from "@/lib/http/errors.ts";
import { validate } from "@/lib/http/body.ts";
import { matchRedirectUri } from "@/lib/login/authorize_request.ts";
import { readSession } from "@/lib/login/browser.ts";
import { sha256 } from "@/lib/secrets.ts";

/** A sensitive change needs a sign-in at most this old (seconds), like OIDC max_age. */
export const FRESH_SECONDS = 600;

const Query = z.object({
  client_id: z.string().regex(/^cid_[a-z2-7]{24}$/, "A client_id (cid_…)."),
  return_to: z.string().max(2000).optional(),
});

export type AccountTarget = {
  clientId: string;
  returnTo?: string;
  project: { id: string; name: string; mode: "sandbox" | "production"; settings: Record<string, unknown> };
  /** client_id and return_to as a query string: carried by forms and links. */
  query: string;
};

/** Reads and checks client_id and return_to (from a query string or a posted form's `request`). */
export async function accountTarget(c: Ctx, params: URLSearchParams): Promise<AccountTarget> {
  for (const name of ["client_id", "return_to"]) {
    if (params.getAll(name).length > 1) {
      throw new AppError("invalid_request", { description: `The ${name} parameter appears more than once.` });
    }
  }
  const parsed = validate(Query, {
    client_id: params.get("client_id") ?? undefined,
    return_to: params.get("return_to") || undefined,
  });
  const client = await requestClient(c.var.deps, parsed.client_id);
  if (!client) throw new AppError("not_found", { description: "This app is not registered with Astapa." });
  if (parsed.return_to !== undefined && !matchRedirectUri(client.redirect_uris, parsed.return_to)) {
    throw new AppError("invalid_request", {
      description: "return_to is not registered for this app, so we will not send you there.",
    });
  }
  const query = new URLSearchParams({ client_id: parsed.client_id });
  if (parsed.return_to) query.set("return_to", parsed.return_to);
  return {
    clientId: parsed.client_id,
    returnTo: parsed.return_to,
    project: { id: client.project_id, name: client.name, mode: client.mode, settings: client.settings },
    query: query.toString(),
  };
}

/** The SHA-256 of this browser's session cookie for the project, or null when it holds none. */
export async function sessionHash(c: Ctx, projectId: string): Promise<Uint8Array | null> {
  const token = readSession(c, projectId);
  return token ? await sha256(token) : null;
}

/**
 * Back to the account page saying only the person may make this change: support staff signed in as them
 * (docs/impersonation.md; SQL's AS4I0 `impersonated`).
 */
export function refusedWhileImpersonated(c: Ctx, target: AccountTarget, lang: string): Response {
  const params = new URLSearchParams(target.query);
  params.set("lang", lang);
  params.set("problem", "impersonated");
  return c.redirect(`/account?${params}`, 303);
}

/**
 * Through the hosted login and back to the account page. `fresh` asks for a new sign-in (prompt=login) even
 * when a session exists: what a sensitive change needs. The state carries the account query back.
 */
export function signInToAccount(c: Ctx, target: AccountTarget, lang: string, fresh: boolean): Response {
  const login = new URLSearchParams({
    client_id: target.clientId,
    redirect_uri: `${c.var.deps.config.baseUrl}/account/callback`,
    response_type: "code",
    scope: "openid",
    state: `${target.query}&lang=${lang}`,
    ui_locales: lang,
  });
  if (fresh) login.set("prompt", "login");
  return c.redirect(`/auth/login?${login}`, 303);
}
