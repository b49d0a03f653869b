/**
 * The SDK's sign-up waitlist (`astapa.waitlist`): the addresses that asked to sign up while settings.sign_up.mode
 * is waitlist, and approving (Astapa mails the sign-up link) or declining them, through the Platform API
 * (docs/project-settings.md#the-waitlist).
 */

type Json = <T>(path: string, method?: string, body?: unknown) => Promise<T>;

export type WaitlistStatus = "waiting" | "approved" | "declined";

/** An address on the waitlist of the project's current environment. */
export type WaitlistEntry = {
  id: string;
  email: string;
  status: WaitlistStatus;
  environment: "sandbox" | "production";
  /** The hosted page's language when the address joined; null for entries from before it was kept. */
  lang: "en" | "id" | null;
  created_at: string;
  /** When it was approved or declined; null while waiting. */
  decided_at: string | null;
};

export function waitlist(json: Json) {
  const one = (id: string) => `/api/platform/waitlist/${encodeURIComponent(id)}`;
  return {
    /** A page of entries, newest first; pass the answer's next_before as `before` for the next (older) page. */
    list: (page: { status?: WaitlistStatus; before?: string; limit?: number } = {}) => {
      const search = new URLSearchParams();
      if (page.status !== undefined) search.set("status", page.status);
      if (page.before !== undefined) search.set("before", page.before);
      if (page.limit !== undefined) search.set("limit", String(page.limit));
      return json<{ entries: WaitlistEntry[]; next_before: string | null }>(
        `/api/platform/waitlist?${search}`,
      );
    },
    /** Lets the address sign up and mails it the sign-up link; approving again changes and mails nothing. */
    approve: (id: string) => json<WaitlistEntry>(`${one(id)}/approve`, "POST"),
    /** Keeps the address out; nothing is mailed. */
    decline: (id: string) => json<WaitlistEntry>(`${one(id)}/decline`, "POST"),
  };
}
