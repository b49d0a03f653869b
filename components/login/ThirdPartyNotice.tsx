import type { ThirdParty } from "@/lib/login/dynamic_client_target.ts";
import { type Lang, MESSAGES } from "@/lib/login/i18n.ts";

/**
 * "<name> wants to access <resource>": a self-registered client's name, marked as its own unverified claim; a
 * client known by its metadata document URL also shows that URL's host, the one part Astapa checked. The scopes
 * asked are listed: a step-up's wider scope is what the person is asked to allow.
 */
export function ThirdPartyNotice({ lang, thirdParty }: { lang: Lang; thirdParty: ThirdParty }) {
  const t = MESSAGES[lang];
  return (
    <div class="notice third-party" role="note">
      <p>
        <strong class="client-name">“{thirdParty.clientName}”</strong> {t.wantsAccess}{" "}
        {thirdParty.resourceName
          ? (
            <>
              <strong>{thirdParty.resourceName}</strong> (<code>{thirdParty.resource}</code>)
            </>
          )
          : <strong>{thirdParty.resource}</strong>}.
      </p>
      {thirdParty.scopes.length > 0 && (
        <p>
          {t.asksForScopes} {thirdParty.scopes.map((scope, i) => (
            <span key={scope}>
              {i > 0 && " "}
              <code class="scope">{scope}</code>
            </span>
          ))}
        </p>
      )}
      {thirdParty.clientHost
        ? (
          <p class="muted">
            {t.clientFromHost} <strong class="client-host">{thirdParty.clientHost}</strong>.{" "}
            {t.clientHostVerified}
          </p>
        )
        : <p class="muted">{t.unverifiedClient}</p>}
    </div>
  );
}
