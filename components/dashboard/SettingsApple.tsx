import { CsrfField } from "./Frame.tsx";
import type { SettingsData } from "./SettingsView.tsx";
import { OffOrDefault } from "./SocialSwitches.tsx";

type AppleProps = { data: SettingsData; base: string; canEdit: boolean; description: string };

/**
 * Sign in with Apple for the project: its own Services ID, Team ID, Key ID and private key (the .p8 file's
 * text, sealed on save and never shown again), off, or the deployment's.
 */
export function AppleProvider({ data, base, canEdit, description }: AppleProps) {
  const apple = data.social.apple;
  return (
    <div class="provider">
      <h3>Apple</h3>
      <p data-provider="apple">{description}</p>
      <p class="hint">
        Server-to-server notification endpoint (paste it in Apple's developer account, under the primary App
        ID's Sign in with Apple settings):{" "}
        <code data-apple-notifications>{data.baseUrl}/api/webhooks/apple</code>. Apple tells it when a person
        turns their private relay's forwarding off or on, stops using Sign in with Apple for the app, or
        deletes their Apple ID.
      </p>
      <AppleRevocations revocations={data.appleRevocations} />
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
            <label for="apple-private-key">Private key (the .p8 file's text)</label>
            <textarea
              id="apple-private-key"
              name="private_key"
              rows={4}
              autocomplete="off"
              spellcheck={false}
              placeholder={apple.state === "own" ? "set: leave empty to keep" : "-----BEGIN PRIVATE KEY-----"}
            />
            <button type="submit" class="button">Use this Apple key</button>
          </form>
          <OffOrDefault provider="apple" name="Apple" base={base} csrf={data.frame.csrf} />
        </>
      )}
    </div>
  );
}

/** Token revocations not done yet or given up (revoked ones leave no row): shown only when there are some. */
function AppleRevocations({ revocations }: { revocations: SettingsData["appleRevocations"] }) {
  if (revocations.length === 0) return null;
  return (
    <>
      <h4>Token revocations waiting or given up</h4>
      <table class="list" data-apple-revocations>
        <thead>
          <tr>
            <th scope="col">Services ID</th>
            <th scope="col">Status</th>
            <th scope="col">Apple's last answer</th>
            <th scope="col">Queued</th>
          </tr>
        </thead>
        <tbody>
          {revocations.map((r) => (
            <tr key={r.id}>
              <td>
                <code>{r.client_id}</code>
              </td>
              <td>
                {r.status === "failed" ? "given up" : r.status}
                {r.attempts > 0 && ` after ${r.attempts} attempt${r.attempts === 1 ? "" : "s"}`}
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
