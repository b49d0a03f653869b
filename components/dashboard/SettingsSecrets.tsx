import { CsrfField } from "./Frame.tsx";
import type { SettingsData, SocialState } from "./SettingsView.tsx";
import { AppleProvider } from "./SettingsApple.tsx";
import { OffOrDefault } from "./SocialSwitches.tsx";
import { Phrase } from "./Phrase.tsx";
import { PROJECT_DELETION_TEXT } from "@/lib/dashboard/text/project_deletion.ts";

type SectionProps = { data: SettingsData; base: string; canEdit: boolean };

const PROVIDER_NAMES = { google: "Google", github: "GitHub" } as const;

function describe(social: SocialState): string {
  switch (social.state) {
    case "off":
      return "Off: no button.";
    case "own":
      return social.teamId
        ? `On, with your own Services ID ${social.clientId} (team ${social.teamId}, key ${social.keyId}); private key set.`
        : `On, with your own OAuth app ${social.clientId}; client secret set.`;
    case "deployment":
      return "On, with the deployment's shared credentials.";
    case "unavailable":
      return "Not offered: the deployment has no credentials; add your own OAuth app.";
  }
}

/** Google, Apple and GitHub sign-in per project: off, the deployment's credentials, or the project's own app. */
export function SocialProviders({ data, base, canEdit }: SectionProps) {
  return (
    <section class="card" aria-labelledby="social-heading">
      <h2 id="social-heading">Social sign-in</h2>
      {(["google", "apple", "github"] as const).map((provider) => {
        if (provider === "apple") {
          const description = describe(data.social.apple);
          return (
            <AppleProvider key="apple" data={data} base={base} canEdit={canEdit} description={description} />
          );
        }
        const name = PROVIDER_NAMES[provider];
        return (
          <div key={provider} class="provider">
            <h3>{name}</h3>
            <p data-provider={provider}>{describe(data.social[provider])}</p>
            {canEdit && (
              <>
                <form method="post" action={`${base}/settings/social`} class="form">
                  <CsrfField token={data.frame.csrf} />
                  <input type="hidden" name="provider" value={provider} />
                  <input type="hidden" name="action" value="credentials" />
                  <label for={`${provider}-client-id`}>{name} client id</label>
                  <input
                    id={`${provider}-client-id`}
                    name="client_id"
                    required
                    autocomplete="off"
                    value={data.social[provider].clientId ?? ""}
                  />
                  <label for={`${provider}-client-secret`}>{name} client secret</label>
                  <input
                    id={`${provider}-client-secret`}
                    name="client_secret"
                    type="password"
                    autocomplete="off"
                    placeholder={data.social[provider].state === "own" ? "set: leave empty to keep" : ""}
                  />
                  <button type="submit" class="button">Use this {name} app</button>
                </form>
                <OffOrDefault provider={provider} name={name} base={base} csrf={data.frame.csrf} />
              </>
            )}
          </div>
        );
      })}
      <p class="hint">
        Callback URLs to register with your own OAuth app:{" "}
        <code>{data.baseUrl}/auth/social/google/callback</code>,{" "}
        <code>{data.baseUrl}/auth/social/github/callback</code> and (Apple's Return URL){" "}
        <code>{data.baseUrl}/auth/social/apple/callback</code>. Secrets and keys are sealed and never shown
        again.
      </p>
    </section>
  );
}

/** Xendit keys per environment: whether they are set (never the keys themselves), set or replace, remove. */
export function XenditKeys({ data, base, canEdit }: SectionProps) {
  const environments = [
    { env: "sandbox", label: "Test", prefix: "xnd_development_" },
    { env: "production", label: "Live", prefix: "xnd_production_" },
  ] as const;
  return (
    <section class="card" aria-labelledby="xendit-heading">
      <h2 id="xendit-heading">Xendit keys</h2>
      <p class="muted">
        Sandbox uses the test keys (or the built-in simulator without any); production needs live keys
        {data.deploymentLiveXendit
          ? " — this deployment has default live keys, used when you set none."
          : "."}
      </p>
      {environments.map(({ env, label, prefix }) => (
        <div key={env} class="provider">
          <h3>{label} keys ({env})</h3>
          <p data-xendit={env}>{data.xendit[env] ? "Set." : "Not set."}</p>
          {canEdit && (
            <form method="post" action={`${base}/settings/xendit`} class="form">
              <CsrfField token={data.frame.csrf} />
              <input type="hidden" name="environment" value={env} />
              <label for={`${env}-secret-key`}>{label} secret key</label>
              <input
                id={`${env}-secret-key`}
                name="secret_key"
                type="password"
                autocomplete="off"
                placeholder={`${prefix}…`}
              />
              <label for={`${env}-callback-token`}>{label} webhook verification token</label>
              <input id={`${env}-callback-token`} name="callback_token" type="password" autocomplete="off" />
              <label for={`${env}-public-key`}>{label} public key (cards on file; optional)</label>
              <input
                id={`${env}-public-key`}
                name="public_key"
                type="text"
                autocomplete="off"
                placeholder={`xnd_public_${env === "production" ? "production" : "development"}_…`}
              />
              <p class="hint">
                Xendit.js tokenises cards in the customer's browser with it; left empty, the stored one stays.
              </p>
              <div class="actions">
                <button type="submit" name="action" value="save" class="button">
                  Save {label.toLowerCase()} keys
                </button>
                {data.xendit[env] && (
                  <button type="submit" name="action" value="remove" class="button secondary">
                    Remove {label.toLowerCase()} keys
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
