import type { TokenLifetimeKey } from "@/db/project_settings.ts";
import { CsrfField, Frame, ModeBadge, Notice } from "./Frame.tsx";
import { DeleteProject, SocialProviders, XenditKeys } from "./SettingsSecrets.tsx";
import { PhoneProviders } from "./PhoneProviders.tsx";
import { MfaPolicy } from "./MfaPolicy.tsx";
import { LinkedMethodsSettings } from "./LinkedMethodsSettings.tsx";
import { BillingDaysSettings } from "./BillingDaysSettings.tsx";
import { WholeNumberField } from "./WholeNumberField.tsx";
import { SignInMethods } from "./SignInMethods.tsx";
import { SignUpSettings } from "./SignUpSettings.tsx";
import { GuestSettings } from "./GuestSettings.tsx";
import { BotProtection } from "./BotProtection.tsx";
import { MailSettings } from "./MailSettings.tsx";
import { LogoutSettings } from "./LogoutSettings.tsx";
import { InitiateLoginSettings } from "./InitiateLoginSettings.tsx";
import type { SettingsData, SocialState } from "@/lib/dashboard/page_data.ts";
export type { SettingsData, SocialState };

const LIFETIMES: { key: TokenLifetimeKey; label: string }[] = [
  { key: "access_token_ttl", label: "Access token lifetime" },
  { key: "refresh_token_ttl", label: "Refresh token lifetime (from last use)" },
  { key: "refresh_grace_seconds", label: "Refresh reuse grace (concurrent tabs)" },
  { key: "refresh_token_max_age", label: "Sign-in maximum age (however often refreshed)" },
  { key: "login_session_ttl", label: "Hosted-login session (how long a browser stays signed in)" },
];

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
  return (
    <Frame
      frame={data.frame}
      crumbs={[{ href: "/dashboard", label: "Projects" }, { href: base, label: project.name }]}
      project={{ id: project.project_id, section: "settings" }}
    >
      <div class="dash-title">
        <h1>
          Settings <ModeBadge mode={project.mode} />
        </h1>
      </div>
      <Notice notice={data.notice} error={data.error} />
      {!canEdit && <p class="muted">You are a viewer here: you can read these settings, not change them.</p>}
      <section class="card" aria-labelledby="origins-heading">
        <h2 id="origins-heading">Allowed origins</h2>
        <p class="muted">
          Web origins (<code>https://app.example</code>, no path) your browser app runs on. Each is compared
          with the browser's <code>Origin</code> header as an exact string.
        </p>
        {canEdit
          ? (
            <form method="post" action={`${base}/settings/origins`} class="form">
              <CsrfField token={data.frame.csrf} />
              <label for="origins">One origin per line</label>
              <textarea id="origins" name="origins" rows={4}>{origins.join("\n")}</textarea>
              <button type="submit" class="button">Save origins</button>
            </form>
          )
          : <Listed items={origins} none="None." />}
      </section>
      <section class="card" aria-labelledby="lifetimes-heading">
        <h2 id="lifetimes-heading">Token lifetimes</h2>
        <p class="muted">
          Seconds; leave a field empty for the default. Authorization codes always live 60 seconds and work
          once.
        </p>
        <form method="post" action={`${base}/settings/lifetimes`} class="form">
          <CsrfField token={data.frame.csrf} />
          {LIFETIMES.map(({ key, label }) => {
            const limit = data.limits[key];
            return (
              <WholeNumberField
                key={key}
                name={key}
                label={label}
                min={limit.min}
                max={limit.max}
                value={settings[key]}
                fallback={limit.default}
                disabled={!canEdit}
              >
                Default {limit.default} s ({humanSeconds(limit.default)}); from {limit.min} s to {limit.max}
                {" "}
                s ({humanSeconds(limit.min)}–{humanSeconds(limit.max)}).
              </WholeNumberField>
            );
          })}
          {canEdit && <button type="submit" class="button">Save lifetimes</button>}
        </form>
      </section>
      <section class="card" aria-labelledby="verification-heading">
        <h2 id="verification-heading">Email verification</h2>
        <form method="post" action={`${base}/settings/verification`} class="form">
          <CsrfField token={data.frame.csrf} />
          <label>
            <input
              type="checkbox"
              name="require_verified_email"
              value="on"
              checked={settings.require_verified_email === true}
              disabled={!canEdit}
            />{" "}
            Require a verified email: nobody reaches your app before confirming their address
          </label>
          {canEdit && <button type="submit" class="button">Save policy</button>}
        </form>
      </section>
      <section class="card" aria-labelledby="dpop-heading">
        <h2 id="dpop-heading">Sender-constrained tokens (DPoP)</h2>
        <p class="muted">
          With DPoP (RFC 9449) a token works only beside a proof made with its client's private key, so a
          stolen token alone is useless. Clients send a proof to get one; this makes every client of the
          project do so.
        </p>
        <form method="post" action={`${base}/settings/dpop`} class="form">
          <CsrfField token={data.frame.csrf} />
          <label>
            <input
              type="checkbox"
              name="dpop_required"
              value="on"
              checked={(settings.dpop as { required?: unknown } | undefined)?.required === true}
              disabled={!canEdit}
            />{" "}
            Require DPoP: a token request without a DPoP proof is refused, for every client and grant
          </label>
          {canEdit && <button type="submit" class="button">Save DPoP policy</button>}
        </form>
      </section>
      <InitiateLoginSettings data={data} base={base} canEdit={canEdit} />
      <LogoutSettings data={data} base={base} canEdit={canEdit} />
      <section class="card" aria-labelledby="branding-heading">
        <h2 id="branding-heading">Branding</h2>
        <p>
          Your app's name, logo, colour and links on hosted pages and in mail:{" "}
          <a href={`${base}/settings/branding`}>edit the branding</a>.
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
  const minutes = (seconds: number) => humanSeconds(seconds);
  return (
    <section class="card" aria-labelledby="limits-heading">
      <h2 id="limits-heading">Rate limits</h2>
      <p class="muted">
        Sandbox projects get a relaxed profile for testing; production is strict. This project uses the{" "}
        <ModeBadge mode={data.project.mode} /> profile.
      </p>
      <table class="list rate-limits">
        <thead>
          <tr>
            <th scope="col">Limit</th>
            <th scope="col">Sandbox</th>
            <th scope="col">Production</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <td>Wrong passwords per email, per {minutes(signIn.windowSeconds)}</td>
            <td>{signIn.sandbox.perEmail}</td>
            <td>{signIn.production.perEmail}</td>
          </tr>
          <tr>
            <td>Wrong passwords per address, per {minutes(signIn.windowSeconds)}</td>
            <td>{signIn.sandbox.perAddress}</td>
            <td>{signIn.production.perAddress}</td>
          </tr>
          <tr>
            <td>Failed client authentications per client id, per {minutes(clientAuth.windowSeconds)}</td>
            <td>{clientAuth.perClient}</td>
            <td>{clientAuth.perClient}</td>
          </tr>
          <tr>
            <td>Failed client authentications per address, per {minutes(clientAuth.windowSeconds)}</td>
            <td>{clientAuth.perAddress}</td>
            <td>{clientAuth.perAddress}</td>
          </tr>
        </tbody>
      </table>
      <p class="hint">Past a limit, further attempts wait for the window to end (429 with Retry-After).</p>
    </section>
  );
}
