import { CsrfField } from "./Frame.tsx";
import type { SettingsData, SocialState } from "./SettingsView.tsx";
import { AppleProvider } from "./SettingsApple.tsx";
import { OffOrDefault } from "./SocialSwitches.tsx";
import { Phrase } from "./Phrase.tsx";
import { PROJECT_DELETION_TEXT } from "@/lib/dashboard/text/project_deletion.ts";
import { SETTINGS_PROVIDERS_TEXT } from "@/lib/dashboard/text/settings_providers.ts";
import { fill, type Lang } from "@/lib/dashboard/i18n.ts";

type SectionProps = { data: SettingsData; base: string; canEdit: boolean };

const PROVIDER_NAMES = { google: "Google", github: "GitHub", microsoft: "Microsoft" } as const;

function describe(social: SocialState, lang: Lang): string {
  const text = SETTINGS_PROVIDERS_TEXT[lang];
  switch (social.state) {
    case "off":
      return text.stateOff;
    case "own":
      return social.teamId
        ? fill(text.stateOwnApple, {
          clientId: social.clientId ?? "",
          teamId: social.teamId,
          keyId: social.keyId ?? "",
        })
        : social.tenant
        ? fill(text.stateOwnMicrosoft, { clientId: social.clientId ?? "", tenant: social.tenant })
        : fill(text.stateOwn, { clientId: social.clientId ?? "" });
    case "deployment":
      return text.stateDeployment;
    case "unavailable":
      return text.stateUnavailable;
  }
}

/**
 * Google, Apple, GitHub and Microsoft sign-in per project: off, the deployment's credentials, or the project's own
 * app (Microsoft's with its tenant).
 */
export function SocialProviders({ data, base, canEdit }: SectionProps) {
  const lang = data.frame.lang;
  const text = SETTINGS_PROVIDERS_TEXT[lang];
  return (
    <section class="card" aria-labelledby="social-heading">
      <h2 id="social-heading">{text.socialSignIn}</h2>
      {(["google", "apple", "github", "microsoft"] as const).map((provider) => {
        if (provider === "apple") {
          const description = describe(data.social.apple, lang);
          return (
            <AppleProvider key="apple" data={data} base={base} canEdit={canEdit} description={description} />
          );
        }
        const name = PROVIDER_NAMES[provider];
        return (
          <div key={provider} class="provider">
            <h3>{name}</h3>
            <p data-provider={provider}>{describe(data.social[provider], lang)}</p>
            {canEdit && (
              <>
                <form method="post" action={`${base}/settings/social`} class="form">
                  <CsrfField token={data.frame.csrf} />
                  <input type="hidden" name="provider" value={provider} />
                  <input type="hidden" name="action" value="credentials" />
                  <label for={`${provider}-client-id`}>{fill(text.clientIdOf, { name })}</label>
                  <input
                    id={`${provider}-client-id`}
                    name="client_id"
                    required
                    autocomplete="off"
                    value={data.social[provider].clientId ?? ""}
                  />
                  <label for={`${provider}-client-secret`}>{fill(text.clientSecretOf, { name })}</label>
                  <input
                    id={`${provider}-client-secret`}
                    name="client_secret"
                    type="password"
                    autocomplete="off"
                    placeholder={data.social[provider].state === "own" ? text.keptIfEmpty : ""}
                  />
                  {provider === "microsoft" && (
                    <>
                      <label for="microsoft-tenant">{text.microsoftTenant}</label>
                      <input
                        id="microsoft-tenant"
                        name="tenant"
                        autocomplete="off"
                        placeholder="common"
                        value={data.social.microsoft.tenant ?? ""}
                      />
                    </>
                  )}
                  <button type="submit" class="button">{fill(text.useThisApp, { name })}</button>
                </form>
                <OffOrDefault
                  provider={provider}
                  name={name}
                  base={base}
                  csrf={data.frame.csrf}
                  lang={lang}
                />
              </>
            )}
          </div>
        );
      })}
      <p class="hint">
        <Phrase
          text={text.callbackUrls}
          parts={{
            google: <code>{data.baseUrl}/auth/social/google/callback</code>,
            github: <code>{data.baseUrl}/auth/social/github/callback</code>,
            microsoft: <code>{data.baseUrl}/auth/social/microsoft/callback</code>,
            apple: <code>{data.baseUrl}/auth/social/apple/callback</code>,
          }}
        />
      </p>
    </section>
  );
}

/** Xendit keys per environment: whether they are set (never the keys themselves), set or replace, remove. */
export function XenditKeys({ data, base, canEdit }: SectionProps) {
  const text = SETTINGS_PROVIDERS_TEXT[data.frame.lang];
  const environments = [
    {
      env: "sandbox",
      label: text.test,
      prefix: "xnd_development_",
      save: text.saveTestKeys,
      remove: text.removeTestKeys,
    },
    {
      env: "production",
      label: text.live,
      prefix: "xnd_production_",
      save: text.saveLiveKeys,
      remove: text.removeLiveKeys,
    },
  ] as const;
  return (
    <section class="card" aria-labelledby="xendit-heading">
      <h2 id="xendit-heading">{text.xenditKeys}</h2>
      <p class="muted">{data.deploymentLiveXendit ? text.xenditExplainedDefault : text.xenditExplained}</p>
      {environments.map(({ env, label, prefix, save, remove }) => (
        <div key={env} class="provider">
          <h3>{fill(text.keysOf, { label, env })}</h3>
          <p data-xendit={env}>{data.xendit[env] ? text.keysSet : text.keysNotSet}</p>
          {canEdit && (
            <form method="post" action={`${base}/settings/xendit`} class="form">
              <CsrfField token={data.frame.csrf} />
              <input type="hidden" name="environment" value={env} />
              <label for={`${env}-secret-key`}>{fill(text.secretKey, { label })}</label>
              <input
                id={`${env}-secret-key`}
                name="secret_key"
                type="password"
                autocomplete="off"
                placeholder={`${prefix}…`}
              />
              <label for={`${env}-callback-token`}>{fill(text.callbackToken, { label })}</label>
              <input id={`${env}-callback-token`} name="callback_token" type="password" autocomplete="off" />
              <label for={`${env}-public-key`}>{fill(text.publicKey, { label })}</label>
              <input
                id={`${env}-public-key`}
                name="public_key"
                type="text"
                autocomplete="off"
                placeholder={`xnd_public_${env === "production" ? "production" : "development"}_…`}
              />
              <p class="hint">{text.publicKeyHint}</p>
              <div class="actions">
                <button type="submit" name="action" value="save" class="button">
                  {save}
                </button>
                {data.xendit[env] && (
                  <button type="submit" name="action" value="remove" class="button secondary">
                    {remove}
                  </button>
                )}
              </div>
            </form>
          )}
        </div>
      ))}
    </section>
  );
}

/** Owners delete a project by typing its name; the console project cannot be deleted. */
export function DeleteProject({ data, base }: { data: SettingsData; base: string }) {
  const { project } = data;
  const text = PROJECT_DELETION_TEXT[data.frame.lang];
  return (
    <section class="card danger-zone" aria-labelledby="delete-heading">
      <h2 id="delete-heading">{text.title}</h2>
      {data.isConsole ? <p class="muted">{text.console}</p> : (
        <>
          <p>{text.explained}</p>
          {data.role === "owner"
            ? (
              <form method="post" action={`${base}/settings/delete`} class="form">
                <CsrfField token={data.frame.csrf} />
                <label for="confirm-delete">
                  <Phrase text={text.confirm} parts={{ name: <strong>{project.name}</strong> }} />
                </label>
                <input id="confirm-delete" name="confirm" required autocomplete="off" />
                <button type="submit" class="button danger">{text.deleteButton}</button>
              </form>
            )
            : <p class="muted">{text.ownersOnly}</p>}
        </>
      )}
    </section>
  );
}
