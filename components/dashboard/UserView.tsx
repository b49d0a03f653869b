import { PasswordResetSection } from "./PasswordResetSection.tsx";
import { shortTime } from "@/lib/dashboard/format.ts";
import { CsrfField, Frame, ModeBadge, Notice } from "./Frame.tsx";
import {
  ClaimsForm,
  MetadataSection,
  Sessions,
  SignInMethods,
  SubscriptionFacts,
  UserAudit,
} from "./UserSections.tsx";
import type { UserViewData } from "@/lib/dashboard/page_data.ts";
import { UserFactorsSection } from "./UserFactorsSection.tsx";
import { UserPasskeysSection } from "./UserPasskeysSection.tsx";
import { ConsentsSection } from "./ConsentsSection.tsx";
import { UserBillingSection } from "./UserBillingSection.tsx";
import { ImpersonationSection } from "./ImpersonationSection.tsx";
import { DeleteUserSection } from "./DeleteUserSection.tsx";
import { UserEmailForm } from "./UserEmailForm.tsx";
import { UserProfileFacts } from "./UserProfileFacts.tsx";
import { UserProfileForm } from "./UserProfileForm.tsx";
import { Phrase } from "./Phrase.tsx";
import { fill } from "@/lib/dashboard/i18n.ts";
import { USER_TEXT } from "@/lib/dashboard/text/user.ts";
import { USERS_TEXT } from "@/lib/dashboard/text/users.ts";
import { PROJECTS_TEXT } from "@/lib/dashboard/text/projects.ts";
export type { UserViewData };

/**
 * One user: who they are, how they sign in, their passkeys, sessions, plan, subscription and its history, token
 * claims, billing (trials, plan changes, linked e-wallets, renewal charges, payments) and audit entries; admins
 * edit the profile, assign a plan, start a trial, cancel/resume, unlink an e-wallet, edit claims, unlink, remove a
 * passkey, sign out everywhere, disable.
 */
export function UserView({ data }: { data: UserViewData }) {
  const { project, user } = data;
  const base = `/dashboard/projects/${project.project_id}`;
  const action = `${base}/users/${user.id}`;
  const canEdit = data.role !== "viewer";
  const current = data.subscription;
  const onPaidPlan = current !== null && current.ended_at === null && current.status !== "expired" &&
    (data.plans.find((p) => p.key === current.plan)?.price_idr ?? 0) > 0;
  const lang = data.frame.lang;
  /** What every section that acts on the user is given: where its forms post, the token, the role, the words. */
  const section = { action, csrf: data.frame.csrf, canEdit, lang };
  const text = USER_TEXT[lang];
  const verified = (yes: boolean) => yes ? text.verified : text.notVerified;
  return (
    <Frame
      frame={data.frame}
      crumbs={[
        { href: "/dashboard", label: PROJECTS_TEXT[lang].title },
        { href: base, label: project.name },
        { href: `${base}/users`, label: USERS_TEXT[lang].title },
      ]}
      project={{ id: project.project_id, section: "users" }}
    >
      <h1>
        {user.email ?? user.phone_number ??
          (user.is_anonymous ? fill(text.guestTitle, { id: user.id }) : user.id)}
      </h1>
      <Notice notice={data.notice} error={data.error} />
      <section class="card" aria-labelledby="user-heading">
        <h2 id="user-heading">{text.account}</h2>
        <dl class="facts">
          <dt>sub</dt>
          <dd>
            <code>{user.id}</code>
          </dd>
          <dt>{text.environment}</dt>
          <dd>
            <ModeBadge mode={user.environment} />
          </dd>
          {user.is_anonymous && (
            <>
              <dt>{text.guest}</dt>
              <dd>{text.guestExplained}</dd>
            </>
          )}
          <dt>{text.email}</dt>
          <dd>{user.email === null ? text.none : verified(user.email_verified)}</dd>
          <dt>{text.phone}</dt>
          <dd>
            {user.phone_number ? `${user.phone_number} (${verified(user.phone_number_verified)})` : text.none}
          </dd>
          <UserProfileFacts user={user} lang={lang} />
          <dt>{text.status}</dt>
          <dd>{user.disabled ? text.disabled : text.active}</dd>
          <dt>{text.created}</dt>
          <dd>{shortTime(user.created_at, lang)}</dd>
          <dt>{text.lastSignIn}</dt>
          <dd>{user.last_sign_in_at ?? text.never}</dd>
          <dt>{text.legalAccepted}</dt>
          <dd>{user.legal_accepted_at ? shortTime(user.legal_accepted_at, lang) : text.never}</dd>
        </dl>
        <p class="muted">
          <Phrase
            text={text.accountPage}
            parts={{
              link: <a href={`/account?client_id=${project.client_id}`}>{text.accountPageLink}</a>,
              accountUrl: <code>accountUrl()</code>,
            }}
          />
        </p>
        {canEdit && (
          <UserProfileForm
            user={user}
            action={action}
            csrf={data.frame.csrf}
            timeZones={data.timeZones}
            errors={data.fieldErrors}
            draft={data.draft}
            lang={lang}
          />
        )}
        {canEdit && <UserEmailForm user={user} action={action} csrf={data.frame.csrf} lang={lang} />}
        {canEdit && (
          <form method="post" action={`${action}/disabled`} class="form inline-form">
            <CsrfField token={data.frame.csrf} />
            <input type="hidden" name="disabled" value={user.disabled ? "false" : "true"} />
            <button type="submit" class={user.disabled ? "button secondary" : "button danger"}>
              {user.disabled ? text.enableUser : text.disableUser}
            </button>
          </form>
        )}
      </section>
      {canEdit && !user.disabled && (
        <ImpersonationSection action={action} csrf={data.frame.csrf} made={data.impersonation} lang={lang} />
      )}
      <SignInMethods
        methods={data.methods}
        passkey={data.factors.second_factors.includes("passkey")}
        {...section}
      />
      {canEdit && user.email && !user.disabled && data.project.settings.passwords !== false && (
        <PasswordResetSection
          action={action}
          csrf={data.frame.csrf}
          projectId={data.project.project_id}
          ready={typeof data.project.settings.initiate_login_uri === "string"}
          lang={lang}
        />
      )}
      <UserPasskeysSection
        passkeys={data.passkeys}
        {...section}
      />
      <Sessions
        sessions={data.sessions}
        {...section}
      />
      <UserFactorsSection
        factors={data.factors}
        {...section}
      />
      <ConsentsSection
        consents={data.consents}
        {...section}
      />
      <section class="card" aria-labelledby="plan-heading">
        <h2 id="plan-heading">{text.plan}</h2>
        <p>
          <Phrase text={text.tokensSay} parts={{ claim: <code>plan: "{data.plan}"</code> }} />
          {data.subscription
            ? ` ${
              fill(text.since, {
                status: data.subscription.status,
                date: data.subscription.current_period_start,
              })
            }`
            : ""}.
        </p>
        <SubscriptionFacts
          subscription={data.subscription}
          {...section}
        />
        {canEdit && data.plans.length > 0 && (
          <form method="post" action={`${action}/plan`} class="form inline-form">
            <CsrfField token={data.frame.csrf} />
            <label for="plan">{text.assignPlan}</label>
            <select id="plan" name="plan">
              {data.plans.map((plan) => (
                <option key={plan.key} value={plan.key} selected={plan.key === data.plan}>
                  {plan.name} ({plan.key})
                </option>
              ))}
            </select>
            <button type="submit" class="button">{text.assign}</button>
          </form>
        )}
        {data.history.length > 0 && (
          <table class="list">
            <thead>
              <tr>
                <th scope="col">{text.columnPlan}</th>
                <th scope="col">{text.columnStatus}</th>
                <th scope="col">{text.columnSource}</th>
                <th scope="col">{text.columnFrom}</th>
                <th scope="col">{text.columnEnded}</th>
              </tr>
            </thead>
            <tbody>
              {data.history.map((s) => (
                <tr key={s.created_at}>
                  <td>{s.plan}</td>
                  <td>{s.status}</td>
                  <td>{s.source}</td>
                  <td>{s.current_period_start}</td>
                  <td>{s.ended_at ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <UserBillingSection
        billing={data.billing}
        plans={data.plans}
        onPaidPlan={onPaidPlan}
        action={action}
        receiptsHref={`${base}/receipts?user=${user.id}`}
        csrf={data.frame.csrf}
        canEdit={canEdit}
        lang={lang}
      />
      <section class="card" aria-labelledby="claims-heading">
        <h2 id="claims-heading">{text.tokenClaims}</h2>
        {data.claims
          ? <pre tabindex={0}><code>{JSON.stringify({ custom_claims: data.claims }, null, 2)}</code></pre>
          : <p class="muted">{text.disabledNoTokens}</p>}
        {canEdit && <ClaimsForm own={data.ownClaims} action={action} csrf={data.frame.csrf} lang={lang} />}
      </section>
      <MetadataSection
        metadata={data.metadata}
        {...section}
      />
      <UserAudit
        entries={data.audit}
        auditHref={`${base}/audit?user=${user.id}`}
        usersBase={`${base}/users`}
        lang={lang}
      />
      {canEdit && <DeleteUserSection user={user} action={action} csrf={data.frame.csrf} lang={lang} />}
    </Frame>
  );
}
