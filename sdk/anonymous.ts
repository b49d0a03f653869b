/**
 * Guests (docs/anonymous-users.md): `signInAnonymously` makes a user with no email and returns their tokens, for
 * an app's front end — it needs no client secret, so it runs in the browser (the per-address limit then counts the
 * visitor, not the app's server). The app hands the tokens to its backend, which keeps and refreshes them as after
 * exchangeCode. `anonymousUserSettings` (`astapa.anonymousUserSettings`) turns guests on over the Platform API.
 */
import { AstapaError, errorFrom } from "./errors.ts";

type Json = <T>(path: string, method?: string, body?: unknown) => Promise<T>;

export type GuestTokens = {
  accessToken: string;
  refreshToken: string;
  /** With the openid scope (the default): the ID token a later sign-up names the guest with (id_token_hint). */
  idToken?: string;
  expiresIn: number;
  scope?: string;
};

export type SignInAnonymouslyOptions = {
  /** The deployment's origin, e.g. "https://auth.example.com". */
  baseUrl: string;
  /** The project's client id (cid_…): public, never the secret. */
  clientId: string;
  /** Scopes the project declares (default "openid"). */
  scope?: string;
  /** The solved bot check's token, when the project's bot protection lists "anonymous". */
  botCheck?: { provider: "turnstile" | "hcaptcha"; token: string };
  fetch?: typeof fetch;
};

const BOT_FIELDS = { turnstile: "cf-turnstile-response", hcaptcha: "h-captcha-response" } as const;

/** A new guest's tokens (POST /api/platform/anonymous); throws AstapaError (403 when the project has guests off). */
export async function signInAnonymously(options: SignInAnonymouslyOptions): Promise<GuestTokens> {
  const body = new URLSearchParams({ client_id: options.clientId, scope: options.scope ?? "openid" });
  if (options.botCheck) body.set(BOT_FIELDS[options.botCheck.provider], options.botCheck.token);
  let res: Response;
  try {
    res = await (options.fetch ?? fetch)(new URL("/api/platform/anonymous", options.baseUrl), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body,
    });
  } catch (cause) {
    throw new AstapaError("network_error", `Astapa is unreachable: ${(cause as Error).message}`, 0);
  }
  if (!res.ok) throw await errorFrom(res);
  const tokens = await res.json();
  if (typeof tokens.access_token !== "string" || typeof tokens.refresh_token !== "string") {
    throw new AstapaError("invalid_response", "No access token", 200);
  }
  return {
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token,
    idToken: tokens.id_token,
    expiresIn: tokens.expires_in,
    scope: tokens.scope,
  };
}

export type AnonymousUserSettings = {
  /** Whether the front end may make guests (default false). */
  enabled: boolean;
  /** A guest with no refresh for this many days is deleted, unless they have a subscription or a checkout (30). */
  sweep_after_days: number;
  /** New guests the project allows an hour (1000). */
  hourly_limit: number;
};

export function anonymousUserSettings(json: Json) {
  const path = "/api/platform/anonymous-user-settings";
  return {
    /** The settings, defaults filled in. */
    get: () => json<AnonymousUserSettings>(path),
    /** Changes some of them (null: back to the default); 400 with the reason for a value out of range. */
    update: (changes: { [K in keyof AnonymousUserSettings]?: AnonymousUserSettings[K] | null }) =>
      json<AnonymousUserSettings>(path, "PATCH", changes),
  };
}
