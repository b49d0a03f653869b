/**
 * How a user signs in, for support (`astapa.users.waysIn`, `removeSignInMethod`, `removePasskey`, `resetFactors`):
 * what the dashboard's user page shows and does, through the Platform API.
 */

type Json = <T>(path: string, method?: string, body?: unknown) => Promise<T>;

/** One way in but a passkey. password and the identities can be removed while another usable way stays. */
export type SignInMethod = {
  provider: "password" | "google" | "github" | "apple" | "microsoft" | "phone" | "email_code";
  /** The identity's subject at the provider (null for password, phone, email_code). */
  subject: string | null;
  email: string | null;
  /** phone: the E.164 number. */
  phone_number?: string;
  linked_at: string | null;
  /** It signs the user in now (false: the project does not offer it at the moment). */
  usable: boolean;
  removable: boolean;
  /** Apple: whether its private relay forwards mail to the person, once Apple said. */
  email_forwarding?: boolean;
};

export type UserPasskey = {
  /** The credential id, hex: what removePasskey takes. */
  id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
  synced: boolean;
  backed_up: boolean;
  /** Set when a sign counter went backwards: the key is refused from then on. */
  cloned_at: string | null;
  transports: string[];
};

export type UserWaysIn = {
  methods: SignInMethod[];
  passkeys: UserPasskey[];
  factors: {
    mfa_enrolled: boolean;
    second_factors: ("passkey" | "phone" | "totp")[];
    factors: { kind: "totp" | "phone"; enrolled_at: string }[];
    recovery_codes_left: number;
  };
};

export function userWaysIn(json: Json) {
  const one = (sub: string) => `/api/platform/users/${encodeURIComponent(sub)}`;
  return {
    /** Everything the user signs in with: methods, passkeys, second factors (never a secret). */
    waysIn: (sub: string) => json<UserWaysIn>(`${one(sub)}/sign-in-methods`),
    /**
     * Removes the password or one identity (`subject` as listed); 409 when it is the last usable way in.
     * Answers the methods left.
     */
    removeSignInMethod: (
      sub: string,
      provider: "password" | "google" | "github" | "apple" | "microsoft",
      subject?: string,
    ) =>
      json<{ methods: SignInMethod[] }>(
        `${one(sub)}/sign-in-methods/${provider}${
          subject === undefined ? "" : `?${new URLSearchParams({ subject })}`
        }`,
        "DELETE",
      ),
    /** Removes one passkey (its hex id); the user is mailed. */
    removePasskey: (sub: string, id: string) =>
      json<{ name: string; mailed: boolean }>(`${one(sub)}/passkeys/${encodeURIComponent(id)}`, "DELETE"),
    /** Resets the second factors and recovery codes (`removed`: 0 when there was nothing); the user is mailed. */
    resetFactors: (sub: string) =>
      json<{ removed: number; mailed: boolean }>(`${one(sub)}/factors`, "DELETE"),
  };
}
