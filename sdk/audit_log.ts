/** The SDK's `auditLog`: the project's audit log through the Platform API, newest first, a page at a time. */

type Json = <T>(path: string, method?: string, body?: unknown) => Promise<T>;

export type AuditEntry = {
  id: string;
  at: string;
  /** api, cli, system, user:<sub>, account:<id> (a developer, `actor_email` theirs)… */
  actor: string;
  actor_email: string | null;
  /** e.g. user.create, sign_in.password, project.settings. */
  action: string;
  /** e.g. user:<sub>, or null. */
  target: string | null;
  details: Record<string, unknown>;
};

export type AuditQuery = {
  actor?: string;
  /** An action, or a prefix ending in a dot (`user.`). */
  action?: string;
  /** A sub: only entries about this user. */
  user?: string;
  /** The previous page's `next_before`. */
  before?: string;
  limit?: number;
};

export function auditLog(json: Json) {
  return (query: AuditQuery = {}) => {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) search.set(key, String(value));
    return json<{ entries: AuditEntry[]; next_before: string | null }>(`/api/platform/audit-log?${search}`);
  };
}
