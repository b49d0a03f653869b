/**
 * The account page's organizations: each one the person belongs to, with their role, and "Leave". Leaving
 * is refused for an organization's last owner (the page says why). Where the project joins people by their
 * email domain automatically, leaving still works and sticks: the sign-in does not put them back.
 */
import type { AccountOverview } from "@/db/account.ts";
import type { Lang } from "@/lib/login/i18n.ts";
import { accountDate, type SectionKey, sectionSay } from "@/lib/account/section_words.ts";
import { AccountHidden } from "./AccountHidden.tsx";

const BUILT_IN: Record<string, SectionKey> = { owner: "roleOwner", admin: "roleAdmin", member: "roleMember" };

export function AccountOrganizations({ lang, organizations, post, query, csrf }: {
  lang: Lang;
  organizations: AccountOverview["organizations"];
  /** Where the forms post, and what they carry. */
  post: string;
  query: string;
  csrf: string;
}) {
  if (organizations.length === 0) return null;
  const t = (key: SectionKey, values: Record<string, string> = {}) => sectionSay(lang, key, values);
  return (
    <section class="account-section" aria-labelledby="organizations-heading">
      <h2 id="organizations-heading">{t("organizations")}</h2>
      <ul class="account-list">
        {organizations.map((o) => (
          <li>
            <strong>{o.organization_name}</strong> — {BUILT_IN[o.role] ? t(BUILT_IN[o.role]) : o.role} —{" "}
            {t("memberSince", { date: accountDate(lang, o.created_at) })}
            <form method="post" action={post} class="inline">
              <AccountHidden query={query} csrf={csrf} action="leaveOrganization" />
              <input type="hidden" name="organization" value={o.organization_id} />
              <button type="submit">{t("leave")}</button>
            </form>
          </li>
        ))}
      </ul>
    </section>
  );
}
