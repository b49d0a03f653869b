import { CsrfField } from "./Frame.tsx";
import type { SettingsData } from "./SettingsView.tsx";
import { OffOrDefault } from "./SocialSwitches.tsx";
import { Phrase } from "./Phrase.tsx";
import { fill, type Lang } from "@/lib/dashboard/i18n.ts";
import { SETTINGS_PROVIDERS_TEXT } from "@/lib/dashboard/text/settings_providers.ts";

type AppleProps = { data: SettingsData; base: string; canEdit: boolean; description: string };

/**
 * Sign in with Apple for the project: its own Services ID, Team ID, Key ID and private key (the .p8 file's
 * text, sealed on save and never shown again), off, or the deployment's.
 */
export function AppleProvider({ data, base, canEdit, description }: AppleProps) {
  const apple = data.social.apple;
  const lang = data.frame.lang;
  const text = SETTINGS_PROVIDERS_TEXT[lang];
  return (
    <div class="provider">
      <h3>Apple</h3>
      <p data-provider="apple">{description}</p>
      <p class="hint">
        <Phrase
          text={text.appleNotifications}
          parts={{ url: <code data-apple-notifications>{data.baseUrl}/api/webhooks/apple</code> }}
        />
      </p>
      <AppleRevocations revocations={data.appleRevocations} lang={lang} />
      {canEdit && (
        <>
          <form method="post" action={`${base}/settings/social`} class="form">
            <CsrfField token={data.frame.csrf} />
            <input type="hidden" name="provider" value="apple" />
            <input type="hidden" name="action" value="credentials" />
            <label for="apple-client-id">Services ID</label>
            <input
              id="apple-client-id"
              name="client_id"
              required
              autocomplete="off"
              placeholder="com.example.signin"
              value={apple.clientId ?? ""}
            />
            <label for="apple-team-id">Team ID</label>
            <input id="apple-team-id" name="team_id" required autocomplete="off" value={apple.teamId ?? ""} />
            <label for="apple-key-id">Key ID</label>
            <input id="apple-key-id" name="key_id" required autocomplete="off" value={apple.keyId ?? ""} />
            <label for="apple-private-key">{text.privateKey}</label>
            <textarea
              id="apple-private-key"
              name="private_key"
              rows={4}
              autocomplete="off"
              spellcheck={false}
              placeholder={apple.state === "own" ? text.keptIfEmpty : "-----BEGIN PRIVATE KEY-----"}
            />
            <button type="submit" class="button">{text.useAppleKey}</button>
          </form>
          <OffOrDefault provider="apple" name="Apple" base={base} csrf={data.frame.csrf} lang={lang} />
        </>
      )}
    </div>
  );
}

/** Token revocations not done yet or given up (revoked ones leave no row): shown only when there are some. */
function AppleRevocations(
  { revocations, lang }: { revocations: SettingsData["appleRevocations"]; lang: Lang },
) {
  if (revocations.length === 0) return null;
  const text = SETTINGS_PROVIDERS_TEXT[lang];
  return (
    <>
      <h4>{text.revocations}</h4>
      <table class="list" data-apple-revocations>
        <thead>
          <tr>
            <th scope="col">{text.columnServicesId}</th>
            <th scope="col">{text.columnStatus}</th>
            <th scope="col">{text.columnAppleAnswer}</th>
            <th scope="col">{text.columnQueued}</th>
          </tr>
        </thead>
        <tbody>
          {revocations.map((r) => (
            <tr key={r.id}>
              <td>
                <code>{r.client_id}</code>
              </td>
              <td>
                {r.status === "failed" ? text.givenUp : r.status}
                {r.attempts > 0 &&
                  fill(r.attempts === 1 ? text.afterAttempt : text.afterAttempts, { count: r.attempts })}
              </td>
              <td>{r.last_error ?? (r.last_status === null ? "—" : String(r.last_status))}</td>
              <td>{r.created_at}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
