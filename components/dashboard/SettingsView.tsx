import type { TokenLifetimeKey } from "@/db/project_settings.ts";
import { CsrfField, Frame, ModeBadge, Notice } from "./Frame.tsx";
import { DeleteProject, SocialProviders, XenditKeys } from "./SettingsSecrets.tsx";
import { PhoneProviders } from "./PhoneProviders.tsx";
import { MfaPolicy } from "./MfaPolicy.tsx";
import { LinkedMethodsSettings } from "./LinkedMethodsSettings.tsx";
import { BillingDaysSettings } from "./BillingDaysSettings.tsx";
import { DuplicateRefundSettings } from "./DuplicateRefundSettings.tsx";
import { WholeNumberField } from "./WholeNumberField.tsx";
import { SettingSwitch } from "./SettingSwitch.tsx";
import { SignInMethods } from "./SignInMethods.tsx";
import { SignUpSettings } from "./SignUpSettings.tsx";
import { GuestSettings } from "./GuestSettings.tsx";
import { BotProtection } from "./BotProtection.tsx";
import { MailSettings } from "./MailSettings.tsx";
import { LogoutSettings } from "./LogoutSettings.tsx";
import { InitiateLoginSettings } from "./InitiateLoginSettings.tsx";
import { Phrase } from "./Phrase.tsx";
import type { SettingsData, SocialState } from "@/lib/dashboard/page_data.ts";
import { fill } from "@/lib/dashboard/i18n.ts";
import { SETTINGS_TEXT } from "@/lib/dashboard/text/settings.ts";
import { PROJECTS_TEXT } from "@/lib/dashboard/text/projects.ts";
export type { SettingsData, SocialState };

const LIFETIMES = [
  { key: "access_token_ttl", label: "accessTtl" },
  { key: "refresh_token_ttl", label: "refreshTtl" },
  { key: "refresh_grace_seconds", label: "refreshGrace" },
  { key: "refresh_token_max_age", label: "refreshMaxAge" },
  { key: "login_session_ttl", label: "loginSessionTtl" },
] as const satisfies readonly { key: TokenLifetimeKey; label: string }[];

/** Seconds as people read them: 3600 → "1 h", 2592000 → "30 d". */
export function humanSeconds(seconds: number): string {
  if (seconds >= 86400 && seconds % 86400 === 0) return `${seconds / 86400} d`;
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds >= 60 && seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/** GET /dashboard/projects/:id/settings: what admins change, what everyone reads, what owners delete. */
export function SettingsView({ data }: { data: SettingsData }) {
  const { project } = data;
  const base = `/dashboard/projects/${project.project_id}`;
  const canEdit = data.role !== "viewer";
  const settings = project.settings;
  const origins = Array.isArray(settings.allowed_origins) ? settings.allowed_origins as string[] : [];
  const lang = data.frame.lang;
  const text = SETTINGS_TEXT[lang];
  return (
    <Frame
      frame={data.frame}
      crumbs={[{ href: "/dashboard", label: PROJECTS_TEXT[lang].title }, { href: base, label: project.name }]}
      project={{ id: project.project_id, section: "settings" }}
    >
      <div class="dash-title">
        <h1>
          {text.title} <ModeBadge mode={project.mode} />
        </h1>
      </div>
      <Notice notice={data.notice} error={data.error} />
      {!canEdit && <p class="muted">{text.viewerOnly}</p>}
      <section class="card" aria-labelledby="origins-heading">
        <h2 id="origins-heading">{text.origins}</h2>
        <p class="muted">
          <Phrase
            text={text.originsExplained}
            parts={{ example: <code>https://app.example</code>, header: <code>Origin</code> }}
          />
        </p>
        {canEdit
          ? (
            <form method="post" action={`${base}/settings/origins`} class="form">
              <CsrfField token={data.frame.csrf} />
              <label for="origins">{text.originsField}</label>
              <textarea id="origins" name="origins" rows={4}>{origins.join("\n")}</textarea>
              <button type="submit" class="button">{text.saveOrigins}</button>
            </form>
          )
          : <Listed items={origins} none={text.none} />}
      </section>
      <section class="card" aria-labelledby="lifetimes-heading">
        <h2 id="lifetimes-heading">{text.lifetimes}</h2>
        <p class="muted">{text.lifetimesExplained}</p>
        <form method="post" action={`${base}/settings/lifetimes`} class="form">
          <CsrfField token={data.frame.csrf} />
          {LIFETIMES.map(({ key, label }) => {
            const limit = data.limits[key];
            return (
              <WholeNumberField
                key={key}
                name={key}
                label={text[label]}
                min={limit.min}
                max={limit.max}
                value={settings[key]}
                fallback={limit.default}
                disabled={!canEdit}
              >
                {fill(text.lifetimeRange, {
                  default: limit.default,
                  defaultHuman: humanSeconds(limit.default),
                  min: limit.min,
                  max: limit.max,
                  minHuman: humanSeconds(limit.min),
                  maxHuman: humanSeconds(limit.max),
                })}
              </WholeNumberField>
            );
          })}
          {canEdit && <button type="submit" class="button">{text.saveLifetimes}</button>}
        </form>
      </section>
      <section class="card" aria-labelledby="verification-heading">
        <h2 id="verification-heading">{text.verification}</h2>
        <form method="post" action={`${base}/settings/verification`} class="form">
          <CsrfField token={data.frame.csrf} />
          <SettingSwitch
            name="require_verified_email"
            value="on"
            label={text.requireVerified}
            checked={settings.require_verified_email === true}
            disabled={!canEdit}
          />
          {canEdit && <button type="submit" class="button">{text.savePolicy}</button>}
        </form>
      </section>
      <section class="card" aria-labelledby="dpop-heading">
        <h2 id="dpop-heading">{text.dpop}</h2>
        <p class="muted">{text.dpopExplained}</p>
        <form method="post" action={`${base}/settings/dpop`} class="form">
          <CsrfField token={data.frame.csrf} />
          <SettingSwitch
            name="dpop_required"
            value="on"
            label={text.requireDpop}
            checked={(settings.dpop as { required?: unknown } | undefined)?.required === true}
            disabled={!canEdit}
          />
          {canEdit && <button type="submit" class="button">{text.saveDpop}</button>}
        </form>
      </section>
      <InitiateLoginSettings data={data} base={base} canEdit={canEdit} />
      <LogoutSettings data={data} base={base} canEdit={canEdit} />
      <section class="card" aria-labelledby="branding-heading">
        <h2 id="branding-heading">{text.branding}</h2>
        <p>
          <Phrase
            text={text.brandingExplained}
            parts={{ link: <a href={`${base}/settings/branding`}>{text.editBranding}</a> }}
          />
        </p>
      </section>
      <SignInMethods data={data} base={base} canEdit={canEdit} />
      <SignUpSettings data={data} base={base} canEdit={canEdit} />
      <GuestSettings data={data} base={base} canEdit={canEdit} />
      <BotProtection data={data} base={base} canEdit={canEdit} />
      <MfaPolicy data={data} base={base} canEdit={canEdit} />
      <MailSettings data={data} base={base} canEdit={canEdit} />
      <SocialProviders data={data} base={base} canEdit={canEdit} />
      <XenditKeys data={data} base={base} canEdit={canEdit} />
      <LinkedMethodsSettings data={data} base={base} canEdit={canEdit} />
      <BillingDaysSettings data={data} base={base} canEdit={canEdit} />
      <DuplicateRefundSettings data={data} base={base} canEdit={canEdit} />
      <PhoneProviders data={data} base={base} canEdit={canEdit} />
      <RateLimits data={data} />
      <DeleteProject data={data} base={base} />
    </Frame>
  );
}

function Listed({ items, none }: { items: string[]; none: string }) {
  if (items.length === 0) return <p class="muted">{none}</p>;
  return (
    <ul class="uri-list">
      {items.map((item) => (
        <li key={item}>
          <code>{item}</code>
        </li>
      ))}
    </ul>
  );
}

function RateLimits({ data }: { data: SettingsData }) {
  const { signIn, clientAuth } = data.rateLimits;
  const text = SETTINGS_TEXT[data.frame.lang];
  const per = (words: string, seconds: number) => fill(words, { window: humanSeconds(seconds) });
  return (
    <section class="card" aria-labelledby="limits-heading">
      <h2 id="limits-heading">{text.rateLimits}</h2>
      <p class="muted">
        <Phrase text={text.rateLimitsExplained} parts={{ mode: <ModeBadge mode={data.project.mode} /> }} />
      </p>
      <table class="list rate-limits">
        <thead>
          <tr>
            <th scope="col">{text.columnLimit}</th>
            <th scope="col">{text.columnSandbox}</th>
            <th scope="col">{text.columnProduction}</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <td>{per(text.wrongPerEmail, signIn.windowSeconds)}</td>
            <td>{signIn.sandbox.perEmail}</td>
            <td>{signIn.production.perEmail}</td>
          </tr>
          <tr>
            <td>{per(text.wrongPerAddress, signIn.windowSeconds)}</td>
            <td>{signIn.sandbox.perAddress}</td>
            <td>{signIn.production.perAddress}</td>
          </tr>
          <tr>
            <td>{per(text.clientPerClient, clientAuth.windowSeconds)}</td>
            <td>{clientAuth.perClient}</td>
            <td>{clientAuth.perClient}</td>
          </tr>
          <tr>
            <td>{per(text.clientPerAddress, clientAuth.windowSeconds)}</td>
            <td>{clientAuth.perAddress}</td>
            <td>{clientAuth.perAddress}</td>
          </tr>
        </tbody>
      </table>
      <p class="hint">{text.pastLimit}</p>
    </section>
  );
}
