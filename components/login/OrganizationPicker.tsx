import type { AuthPageData } from "@/lib/login/pages.ts";
import { flowHref } from "@/lib/login/pages.ts";
import { MESSAGES } from "@/lib/login/i18n.ts";
import type { UserOrganizations } from "@/db/organizations.ts";
import { AuthCard } from "./AuthCard.tsx";

/** What the organization picker shows: the person's organizations, those they may join, and whether one is a must. */
export type OrganizationPageData = AuthPageData & { organizations?: UserOrganizations; required?: boolean };

/**
 * The org picker (issue 28 item 2): the signed-in person chooses the organization the app's tokens name, joins
 * one their verified email domain allows, or goes on without one (unless the project requires one). No JS.
 */
export function OrganizationPicker({ data }: { data: OrganizationPageData }) {
  const t = MESSAGES[data.lang];
  // A stale form comes back without the lists: the page then says so, and a reload shows them again.
  const { memberships, joinable } = data.organizations ?? { memberships: [], joinable: [] };
  const stuck = data.required && memberships.length === 0 && joinable.length === 0;
  return (
    <AuthCard
      lang={data.lang}
      title="orgPickTitle"
      subtitle="orgPickFor"
      appName={data.appName}
      error={data.error ?? (stuck ? "orgRequired" : undefined)}
      switchHref={flowHref("/auth/organization", data, data.lang === "en" ? "id" : "en")}
    >
      <form method="post" action={`/auth/organization?lang=${data.lang}`}>
        <input type="hidden" name="request" value={data.request} />
        <input type="hidden" name="csrf" value={data.csrf} />
        {memberships.length > 0 && (
          <ul class="org-list">
            {memberships.map((m) => (
              <li key={m.organization_id}>
                <button type="submit" name="organization" value={m.organization_id}>
                  {m.organization_name}
                </button>{" "}
                <span class="muted">{m.role}</span>
              </li>
            ))}
          </ul>
        )}
        {joinable.length > 0 && (
          <>
            <p>{t.orgJoinable}</p>
            <ul class="org-list">
              {joinable.map((o) => (
                <li key={o.id}>
                  {o.name}{" "}
                  <button type="submit" name="join" value={o.id} class="button secondary">{t.orgJoin}</button>
                </li>
              ))}
            </ul>
          </>
        )}
        {!data.required && (
          <p>
            <button type="submit" name="organization" value="" class="button secondary">
              {t.orgPersonal}
            </button>
          </p>
        )}
      </form>
    </AuthCard>
  );
}
