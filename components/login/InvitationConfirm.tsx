import type { AuthPageData } from "@/lib/login/pages.ts";
import { flowHref } from "@/lib/login/pages.ts";
import { MESSAGES } from "@/lib/login/i18n.ts";
import type { InvitationOffer } from "@/db/organizations.ts";
import { AuthCard } from "./AuthCard.tsx";

/** What the invitation step shows: the organization, who invited the person and with which role. */
export type InvitationPageData = AuthPageData & { offer?: InvitationOffer };

/**
 * "Join <organization>?" (routes/auth/invitation.tsx): Accept or Not now, one form, no JS. A stale form comes
 * back as a reload would, saying so (AuthCard's error); without an offer, it offers only to go on.
 */
export function InvitationConfirm({ data }: { data: InvitationPageData }) {
  const t = MESSAGES[data.lang];
  const offer = data.offer;
  const by = offer?.invited_by_email
    ? t.orgInviteBy.replace("{inviter}", offer.invited_by_email)
    : t.orgInviteAs;
  return (
    <AuthCard
      lang={data.lang}
      title="orgInviteTitle"
      subtitle="orgInviteFor"
      appName={data.appName}
      error={data.error}
      switchHref={flowHref("/auth/invitation", data, data.lang === "en" ? "id" : "en")}
    >
      {offer && (
        <>
          <p>
            <strong>{t.orgInviteQuestion.replace("{organization}", offer.organization_name)}</strong>
          </p>
          <p>{by.replace("{role}", offer.role)}</p>
        </>
      )}
      <form method="post" action={`/auth/invitation?lang=${data.lang}`}>
        <input type="hidden" name="request" value={data.request} />
        <input type="hidden" name="csrf" value={data.csrf} />
        <p>
          {offer && <button type="submit" name="answer" value="accept">{t.orgInviteAccept}</button>}{" "}
          <button type="submit" name="answer" value="later" class="button secondary">
            {t.orgInviteLater}
          </button>
        </p>
        <p class="muted">{t.orgInviteLaterHint}</p>
      </form>
    </AuthCard>
  );
}
