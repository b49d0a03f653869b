/**
 * The hosted account page (/account): profile, sign-in methods (passkeys included), two-step verification,
 * sessions, organizations, connected apps, the data download and deletion. Plain forms that POST and redirect back: no JavaScript needed.
 */
import type { ComponentChildren } from "preact";
import type { AccountOverview } from "@/db/account.ts";
import type { Lang } from "@/lib/login/i18n.ts";
import { type AccountKey, accountSay } from "@/lib/account/i18n.ts";
import { browserName } from "@/lib/account/browser_name.ts";
import type { PhoneSectionData } from "@/lib/account/phone.ts";
import { PhoneSection } from "./PhoneSection.tsx";
import { AccountPasskeys } from "./AccountPasskeys.tsx";
import { Island } from "@/lib/islands/Island.tsx";
import PasskeySignals, { type PasskeySignalsProps } from "@/islands/PasskeySignals.tsx";
import { AccountOrganizations } from "./AccountOrganizations.tsx";
import { AccountApps } from "./AccountApps.tsx";
import { ProfileForm } from "./ProfileForm.tsx";
import { isProvider } from "@/lib/login/social/providers.ts";

export type AccountPageData = {
  lang: Lang;
  appName: string;
  /** client_id and return_to, carried by every form and link. */
  query: string;
  csrf: string;
  returnTo?: string;
  /** null once the account was deleted (the goodbye page). */
  account: AccountOverview | null;
  notice?: AccountKey;
  error?: AccountKey;
  /** A number the notice names (sessions signed out). */
  count?: number;
  /** The hosted pages for the second factor and passkeys (null: off), signed in through /account/callback. */
  factorLinks: { manage: string; setUp: string; passkeys: string | null };
  /** The phone number section (components/account/PhoneSection.tsx). */
  phone?: PhoneSectionData;
  /** What the person's password manager should hold of their passkeys and account name (islands/PasskeySignals). */
  signals?: PasskeySignalsProps;
};

const date = (lang: Lang, iso: string) =>
  new Date(iso).toLocaleString(lang === "id" ? "id-ID" : "en-GB", {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone: "UTC",
  }) + " UTC";

function Hidden({ data, action }: { data: AccountPageData; action: string }) {
  return (
    <>
      <input type="hidden" name="request" value={data.query} />
      <input type="hidden" name="csrf" value={data.csrf} />
      <input type="hidden" name="action" value={action} />
    </>
  );
}

const METHOD_WORDS = {
  password: "methodPassword",
  google: "methodGoogle",
  github: "methodGithub",
  apple: "methodApple",
  microsoft: "methodMicrosoft",
  phone: "methodPhone",
  email_code: "methodEmailCode",
} as const satisfies Record<AccountOverview["methods"][number]["provider"], AccountKey>;

/** The second factors other than an app, in words: "a passkey, a code to your phone". */
const otherFactors = (kinds: string[], t: (key: AccountKey) => string) =>
  kinds.filter((k) => k !== "totp").map((k) => t(k === "passkey" ? "factorPasskey" : "factorPhone")).join(
    ", ",
  );

function Section({ id, title, children }: { id: string; title: string; children: ComponentChildren }) {
  return (
    <section class="account-section" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>{title}</h2>
      {children}
    </section>
  );
}

export function AccountPage({ data }: { data: AccountPageData }) {
  const { lang } = data;
  const t = (key: AccountKey, values: Record<string, string | number> = {}) => accountSay(lang, key, values);
  const other = lang === "en" ? "id" : "en";
  const post = `/account?lang=${lang}`;
  const a = data.account;
  return (
    <section class="card auth account" lang={lang} aria-labelledby="account-heading">
      <p class="eyebrow">{t("at")} {data.appName}</p>
      <h1 id="account-heading">{a ? t("title") : t("deletedTitle")}</h1>
      {data.error && <p class="alert" role="alert" id="form-error" tabindex={-1} autofocus>{t(data.error)}
      </p>}
      {data.notice && <p class="notice" role="status">{t(data.notice, { count: data.count ?? 0 })}</p>}
      {!a && <p>{t("deletedBody")}</p>}
      {a && (
        <>
          <p class="muted">{t("freshNote")}</p>
          <Section id="profile" title={t("profile")}>
            <ProfileForm
              user={a.user}
              app={data.appName}
              post={post}
              hidden={(action) => <Hidden data={data} action={action} />}
              t={t}
            />
            {a.user.email
              ? (
                <p>
                  {t("email")}: <strong>{a.user.email}</strong>{" "}
                  ({a.user.email_verified ? t("emailVerified") : t("emailUnverified")})
                </p>
              )
              : <p>{t("email")}: {t("noEmail")}</p>}
            {a.pending_email && <p class="muted">{t("emailPending", { email: a.pending_email })}</p>}
            {a.email_managed ? <p class="muted">{t("emailManaged")}</p> : (
              <form method="post" action={post}>
                <Hidden data={data} action="email" />
                <p class="field">
                  <label for="email">{t("newEmail")}</label>
                  <input id="email" name="email" type="email" required maxlength={254} autocomplete="email" />
                </p>
                <p>
                  <button type="submit">{t("changeEmail")}</button>
                </p>
              </form>
            )}
            {a.sso_sign_in ? <p class="muted">{t("ssoNoPassword")}</p> : (
              <form method="post" action={post}>
                <Hidden data={data} action="password" />
                {
                  /* Without a password: signed in by Google/GitHub, or by a code (an account claimed by proving its
                    address or number keeps none, docs/security.md). */
                }
                {!a.methods.some((m) => m.provider === "password") && (
                  <p class="muted">
                    {t(
                      a.methods.some((m) => isProvider(m.provider)) ? "noPassword" : "noPasswordYet",
                    )}
                  </p>
                )}
                <p class="field">
                  <label for="password">{t("newPassword")}</label>
                  <input
                    id="password"
                    name="password"
                    type="password"
                    required
                    minlength={8}
                    maxlength={1024}
                    autocomplete="new-password"
                  />
                </p>
                <p>
                  <button type="submit">
                    {a.methods.some((m) => m.provider === "password")
                      ? t("changePassword")
                      : t("setPassword")}
                  </button>
                </p>
              </form>
            )}
          </Section>
          {data.phone && <PhoneSection lang={lang} query={data.query} csrf={data.csrf} phone={data.phone} />}
          <Section id="methods" title={t("methods")}>
            <ul class="account-list">
              {a.methods.map((m) => (
                <li>
                  {t(METHOD_WORDS[m.provider])}
                  {m.email && m.provider !== "password" ? ` (${m.email})` : ""}
                  {m.phone_number ? ` (${m.phone_number})` : ""}
                  {m.linked_at && <>{" — "}{t("linkedSince", { date: date(lang, m.linked_at) })}</>}
                  {!m.usable && <span class="muted">— {t("methodNotOffered")}</span>}
                  {isProvider(m.provider) && (m.removable
                    ? (
                      <form method="post" action={post} class="inline">
                        <Hidden data={data} action="unlink" />
                        <input type="hidden" name="provider" value={m.provider} />
                        <input type="hidden" name="subject" value={m.subject ?? ""} />
                        <button type="submit">{t("unlink")}</button>
                      </form>
                    )
                    : m.usable && <span class="muted">— {t("methodOnlyWay")}</span>)}
                </li>
              ))}
            </ul>
            <h3>{t("secondFactor")}</h3>
            <p>
              {a.factor.enrolled
                ? t("factorOn", { count: a.factor.recovery_codes_left })
                : a.factor.second_factors.length > 0
                ? t("factorOther", { kinds: otherFactors(a.factor.second_factors, t) })
                : t("factorOff")}{" "}
              <a href={a.factor.enrolled ? data.factorLinks.manage : data.factorLinks.setUp}>
                {a.factor.enrolled ? t("manageFactor") : t("setUpFactor")}
              </a>
            </p>
            <AccountPasskeys lang={lang} passkeys={a.passkeys} manage={data.factorLinks.passkeys} />
            {data.signals && <Island of={PasskeySignals} props={data.signals} />}
          </Section>
          <Section id="sessions" title={t("sessions")}>
            <ul class="account-list">
              {a.sessions.map((s) => (
                <li>
                  <strong>{browserName(s.user_agent) ?? t("unknownBrowser")}</strong>
                  {s.current ? ` — ${t("thisBrowser")}` : ""} —{" "}
                  {t("lastUsed", { date: date(lang, s.last_used_at) })}
                  {s.impersonated_by && ` — ${t("impersonatedBy", { actor: s.impersonated_by })}`}
                </li>
              ))}
            </ul>
            {a.sessions.length > 1 && (
              <form method="post" action={post}>
                <Hidden data={data} action="endOthers" />
                <button type="submit">{t("endOthers")}</button>
              </form>
            )}
          </Section>
          <AccountOrganizations
            lang={lang}
            organizations={a.organizations}
            post={post}
            query={data.query}
            csrf={data.csrf}
          />
          <AccountApps lang={lang} apps={a.apps} post={post} query={data.query} csrf={data.csrf} />
          <Section id="data" title={t("data")}>
            <p>{t("dataIntro")}</p>
            <form method="post" action={`/account/export?lang=${lang}`}>
              <Hidden data={data} action="export" />
              <button type="submit">{t("download")}</button>
            </form>
          </Section>
          <Section id="delete" title={t("deleteTitle")}>
            <p>{t("deleteIntro")}</p>
            {a.subscription?.paid && (
              <p class="alert">
                {t("deleteSubscription", { plan: a.subscription.plan, status: a.subscription.status })}
              </p>
            )}
            <form method="post" action={post}>
              <Hidden data={data} action="delete" />
              <p class="field">
                <label for="confirm">
                  {a.user.email
                    ? t("deleteConfirm", { email: a.user.email })
                    : t("deleteConfirmPhone", { phone: a.user.phone_number ?? "" })}
                </label>
                <input
                  id="confirm"
                  name="confirm"
                  type="text"
                  required
                  autocomplete="off"
                  spellcheck={false}
                />
              </p>
              <p>
                <button type="submit" class="danger">{t("deleteButton")}</button>
              </p>
            </form>
          </Section>
        </>
      )}
      {data.returnTo && a && (
        <p>
          <a class="button" href={data.returnTo}>{t("back")}</a>
        </p>
      )}
      <p class="muted lang-switch">
        <a href={`/account?${data.query}&lang=${other}`} hreflang={other}>{t("language")}</a>
      </p>
    </section>
  );
}
