/** The parts of a user's page that look after their access: sign-in methods, sessions, claims, audit. */
import { browserName } from "@/lib/account/browser_name.ts";
import type { LoginSession, OwnClaims, SignInMethod } from "@/db/user_admin.ts";
import type { AuditEntry } from "@/db/project_logs.ts";
import type { Subscription } from "@/db/plans.ts";
import { shortTime } from "@/lib/dashboard/format.ts";
import { AuditTable } from "./AuditTable.tsx";
import { CsrfField } from "./Frame.tsx";
import { RowAction } from "./RowAction.tsx";
import { fill, type Lang } from "@/lib/dashboard/i18n.ts";
import { USER_TEXT } from "@/lib/dashboard/text/user.ts";
import { USER_ACCESS_TEXT } from "@/lib/dashboard/text/user_access.ts";
import { Phrase } from "./Phrase.tsx";

type Editable = { action: string; csrf: string; canEdit: boolean; lang: Lang };

/** A provider's name: a brand as it is, else its words' key. */
const PROVIDER_NAMES = {
  password: { words: "providerPassword" },
  google: "Google",
  github: "GitHub",
  apple: "Apple",
  microsoft: "Microsoft",
  phone: { words: "providerPhone" },
  email_code: { words: "providerEmailCode" },
} as const;

/** Phone and email code are there while the project offers them: read-only here, never unlinked. */
const unlinkable = (method: SignInMethod) => method.provider !== "phone" && method.provider !== "email_code";

/**
 * `passkey`: the user holds a working passkey (astapa.has_usable_passkey), itself a way in. Whether a method
 * may go is SQL's `removable` (api.user_sign_in_methods), the rule its unlink applies; one the project does not
 * offer now (`usable` false) is greyed: it counts for nothing until the project offers it again.
 */
export function SignInMethods(
  { methods, passkey, action, csrf, canEdit, lang }: Editable & { methods: SignInMethod[]; passkey: boolean },
) {
  const text = USER_ACCESS_TEXT[lang];
  const providerName = (provider: SignInMethod["provider"]) => {
    const name = PROVIDER_NAMES[provider];
    return typeof name === "string" ? name : text[name.words];
  };
  const noWayIn = methods.length > 0 && !passkey && !methods.some((method) => method.usable);
  const lastWayIn = !noWayIn && methods.some((method) => unlinkable(method) && !method.removable);
  return (
    <section class="card" aria-labelledby="methods-heading">
      <h2 id="methods-heading">{text.waysToSignIn}</h2>
      {methods.length === 0
        ? (
          <p class="muted">
            {passkey ? text.passkeyOnly : text.noWayIn}
          </p>
        )
        : (
          <table class="list">
            <thead>
              <tr>
                <th scope="col">{text.columnProvider}</th>
                <th scope="col">{text.columnSubject}</th>
                <th scope="col">{text.columnLinked}</th>
                {canEdit && <th scope="col">{text.columnAction}</th>}
              </tr>
            </thead>
            <tbody>
              {methods.map((method) => (
                <tr
                  key={`${method.provider}:${method.subject ?? ""}`}
                  class={method.usable ? undefined : "muted"}
                >
                  <td>
                    {providerName(method.provider)}
                    {!method.usable && text.notOffered}
                  </td>
                  <td>
                    {method.subject && <code>{method.subject}</code>}{" "}
                    {method.phone_number ?? method.email ?? ""}
                    {method.email_forwarding === false && (
                      <span class="badge" data-relay-forwarding="off">{text.relayForwardingOff}</span>
                    )}
                  </td>
                  <td>{method.linked_at ? shortTime(method.linked_at, lang) : "—"}</td>
                  {canEdit && (
                    <td>
                      {unlinkable(method)
                        ? (
                          <RowAction
                            action={`${action}/identities`}
                            csrf={csrf}
                            fields={{ provider: method.provider, subject: method.subject || undefined }}
                            disabled={!method.removable}
                          >
                            {method.provider === "password" ? text.removePassword : text.unlink}
                          </RowAction>
                        )
                        : <span class="muted">{text.whileOffered}</span>}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      {noWayIn && <p class="muted">{text.noneOffered}</p>}
      {canEdit && lastWayIn && <p class="muted">{text.lastWayIn}</p>}
    </section>
  );
}

export function Sessions(
  { sessions, action, csrf, canEdit, lang }: Editable & { sessions: LoginSession[] },
) {
  const text = USER_TEXT[lang];
  const when = (value: string) => shortTime(value, lang);
  return (
    <section class="card" aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">{text.sessions}</h2>
      {sessions.length === 0 ? <p class="muted">{text.noSessions}</p> : (
        <table class="list">
          <thead>
            <tr>
              <th scope="col">{text.columnDevice}</th>
              <th scope="col">{text.columnStarted}</th>
              <th scope="col">{text.columnLastSeen}</th>
              <th scope="col">{text.columnExpires}</th>
              <th scope="col">{text.status}</th>
              {canEdit && (
                <th scope="col">
                  <span class="visually-hidden">{text.columnActions}</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {sessions.map((session) => (
              <tr key={session.sid}>
                <td title={session.user_agent ?? undefined}>
                  {browserName(session.user_agent) ?? text.unknownBrowser}
                </td>
                <td>{when(session.created_at)}</td>
                <td>{session.last_used_at ? when(session.last_used_at) : "—"}</td>
                <td>{when(session.expires_at)}</td>
                <td>
                  {session.live
                    ? text.sessionLive
                    : session.ended_at
                    ? fill(text.sessionEndedOn, { date: when(session.ended_at) })
                    : text.sessionExpired}
                  {session.impersonated_by && fill(text.impersonatedBy, { by: session.impersonated_by })}
                </td>
                {canEdit && (
                  <td>
                    {session.live && (
                      <form method="post" action={`${action}/sessions`} class="inline-form">
                        <CsrfField token={csrf} />
                        <input type="hidden" name="sid" value={session.sid} />
                        <button
                          type="submit"
                          class="button"
                          aria-label={fill(text.endSessionOf, {
                            browser: browserName(session.user_agent) ?? text.anUnknownBrowser,
                            date: when(session.created_at),
                          })}
                        >
                          {text.end}
                        </button>
                      </form>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canEdit && (
        <form method="post" action={`${action}/sessions`} class="form inline-form">
          <CsrfField token={csrf} />
          <button type="submit" class="button danger">{text.signOutEverywhere}</button>
          <span class="muted">{text.signOutEverywhereExplained}</span>
        </form>
      )}
    </section>
  );
}

/** The current subscription's period, with cancel (at period end) or resume for a paid one. */
export function SubscriptionFacts(
  { subscription, action, csrf, canEdit, lang }: Editable & { subscription: Subscription | null },
) {
  const text = USER_ACCESS_TEXT[lang];
  const when = (value: string) => shortTime(value, lang);
  if (!subscription) return <p class="muted">{text.noSubscription}</p>;
  const running = subscription.current_period_end === null ||
    new Date(subscription.current_period_end) > new Date();
  return (
    <>
      <dl class="facts">
        <dt>{text.plan}</dt>
        <dd>{subscription.plan}</dd>
        <dt>{text.status}</dt>
        <dd>{subscription.status}</dd>
        <dt>{text.period}</dt>
        <dd>
          {when(subscription.current_period_start)} –{" "}
          {subscription.current_period_end ? when(subscription.current_period_end) : text.openEnded}
        </dd>
        <dt>{text.paidThrough}</dt>
        <dd>{subscription.paid_through ? when(subscription.paid_through) : text.notPaid}</dd>
      </dl>
      {canEdit && subscription.paid_through && (
        <form method="post" action={`${action}/subscription`} class="form inline-form">
          <CsrfField token={csrf} />
          {subscription.status === "canceled"
            ? (
              <>
                <input type="hidden" name="action" value="resume" />
                <button type="submit" class="button secondary" disabled={!running}>
                  {text.resumeSubscription}
                </button>
              </>
            )
            : (
              <>
                <input type="hidden" name="action" value="cancel" />
                <button type="submit" class="button danger">{text.cancelAtPeriodEnd}</button>
              </>
            )}
        </form>
      )}
    </>
  );
}

export function ClaimsForm(
  { own, action, csrf, lang }: { own: OwnClaims; action: string; csrf: string; lang: Lang },
) {
  const text = USER_ACCESS_TEXT[lang];
  const extra = Object.keys(own.extra).length ? JSON.stringify(own.extra, null, 2) : "";
  return (
    <form method="post" action={`${action}/claims`} class="form">
      <CsrfField token={csrf} />
      <h3>{text.editClaims}</h3>
      <label for="claim-role">{text.role}</label>
      <input id="claim-role" name="role" value={own.role ?? ""} maxLength={64} placeholder="admin" />
      <label for="claim-flags">{text.featureFlags}</label>
      <input
        id="claim-flags"
        name="feature_flags"
        value={own.feature_flags.join(", ")}
        placeholder="beta_dashboard"
      />
      <label for="claim-extra">{text.customClaims}</label>
      <textarea id="claim-extra" name="extra" rows={5} placeholder='{"seats": 5}'>{extra}</textarea>
      <button type="submit" class="button">{text.saveClaims}</button>
    </form>
  );
}

/** The app's own metadata about the user: shown as JSON, replaced whole by admins. */
export function MetadataSection(
  { metadata, action, csrf, canEdit, lang }: Editable & { metadata: Record<string, unknown> },
) {
  const words = USER_ACCESS_TEXT[lang];
  const text = Object.keys(metadata).length ? JSON.stringify(metadata, null, 2) : "";
  return (
    <section class="card" aria-labelledby="metadata-heading">
      <h2 id="metadata-heading">{words.metadata}</h2>
      <p class="muted">
        <Phrase text={words.metadataExplained} parts={{ path: <code>…/metadata</code> }} />
      </p>
      {!canEdit &&
        (text ? <pre tabindex={0}><code>{text}</code></pre> : <p class="muted">{words.noMetadata}</p>)}
      {canEdit && (
        <form method="post" action={`${action}/metadata`} class="form">
          <CsrfField token={csrf} />
          <label for="user-metadata">{words.metadataField}</label>
          <textarea id="user-metadata" name="metadata" rows={6} placeholder='{"crm_id": "42"}'>
            {text}
          </textarea>
          <button type="submit" class="button">{words.saveMetadata}</button>
        </form>
      )}
    </section>
  );
}

export function UserAudit({ entries, auditHref, usersBase, lang }: {
  entries: AuditEntry[];
  auditHref: string;
  usersBase: string;
  lang: Lang;
}) {
  const text = USER_ACCESS_TEXT[lang];
  return (
    <section class="card" aria-labelledby="audit-heading">
      <h2 id="audit-heading">{text.auditLog}</h2>
      {entries.length === 0
        ? <p class="muted">{text.nothingRecorded}</p>
        : <AuditTable entries={entries} usersBase={usersBase} lang={lang} />}
      <p>
        <a href={auditHref}>{text.auditLink}</a>
      </p>
    </section>
  );
}
