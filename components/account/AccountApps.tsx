/**
 * The account page's connected apps and agents: one entry per third-party client (self-registered or known by
 * a metadata-document URL), with its own name, the host of its URL (the verified part), the scopes its live
 * tokens hold, and each remembered consent (resource and scopes) the person can withdraw — its refresh
 * tokens end — plus "Remove access" for everything the client holds.
 */
import type { AccountOverview } from "@/db/account.ts";
import type { Lang } from "@/lib/login/i18n.ts";
import { accountSay } from "@/lib/account/i18n.ts";
import { accountDate, sectionSay } from "@/lib/account/section_words.ts";
import { AccountHidden } from "./AccountHidden.tsx";

export function AccountApps({ lang, apps, post, query, csrf }: {
  lang: Lang;
  apps: AccountOverview["apps"];
  post: string;
  query: string;
  csrf: string;
}) {
  const say = (key: Parameters<typeof sectionSay>[1], values: Record<string, string> = {}) =>
    sectionSay(lang, key, values);
  const scopes = (list: string[]) => list.length ? list.join(", ") : say("noScopes");
  return (
    <section class="account-section" aria-labelledby="apps-heading">
      <h2 id="apps-heading">{accountSay(lang, "apps")}</h2>
      {apps.length === 0 ? <p class="muted">{accountSay(lang, "appsNone")}</p> : (
        <>
          <p class="muted">{accountSay(lang, "appsNote")}</p>
          <ul class="account-list">
            {apps.map((app) => (
              <li>
                <strong>{app.name}</strong>{" "}
                {app.host ? `(${say("appFrom", { host: app.host })})` : <code>{app.client_id}</code>}
                {app.scope ? ` — ${say("appHolds", { scopes: app.scope })}` : ""} —{" "}
                {accountSay(lang, "linkedSince", { date: accountDate(lang, app.since) })}
                {app.consents.length > 0 && (
                  <ul>
                    {app.consents.map((consent) => (
                      <li>
                        {say("allowedFor", {
                          resource: consent.resource_name ?? consent.resource,
                          scopes: scopes(consent.scopes),
                        })}
                        <form method="post" action={post} class="inline">
                          <AccountHidden query={query} csrf={csrf} action="revokeConsent" />
                          <input type="hidden" name="client" value={app.client_id} />
                          <input type="hidden" name="resource" value={consent.resource} />
                          <button type="submit">{say("withdraw")}</button>
                        </form>
                      </li>
                    ))}
                  </ul>
                )}
                <form method="post" action={post} class="inline">
                  <AccountHidden query={query} csrf={csrf} action="revokeApp" />
                  <input type="hidden" name="client" value={app.client_id} />
                  <button type="submit">{accountSay(lang, "revoke")}</button>
                </form>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
