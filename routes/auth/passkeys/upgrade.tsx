/**
 * GET /auth/passkeys/upgrade?client_id=…&redirect_uri=… — the short stop a password sign-in goes on through
 * when the project has `passkey_upgrade` on (afterFirstFactor's `onward`): the page asks the browser to make a
 * passkey silently (WebAuthn conditional create, the PasskeyUpgrade island) and moves on to the sign-in page,
 * which hands the app its code, within a bound whatever the browser does. Anyone else — no live session, a
 * sign-in older than 10 minutes, support staff signed in as the person, the setting off — goes straight on.
 */
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import {
  authorizeRequest,
  authPage,
  type AuthPageData,
  authPageData,
  signedInHref,
} from "@/lib/login/pages.ts";
import { readSession } from "@/lib/login/browser.ts";
import { passkeyUpgrade } from "@/lib/login/passkeys/settings.ts";
import { ownPasskeys } from "@/db/passkeys.ts";
import { sha256 } from "@/lib/secrets.ts";
import { PasskeyUpgradePage } from "@/components/login/PasskeyUpgrade.tsx";

export const handler: Handlers<AuthPageData> = {
  async GET(c) {
    const query = new URL(c.req.url).searchParams;
    const request = await authorizeRequest(c, query);
    if (request instanceof Response) return request;
    const data = authPageData(c, request, query);
    if (!passkeyUpgrade(request.project)) return c.redirect(signedInHref(data), 303);
    const token = readSession(c, request.project.id);
    const own = token ? await ownPasskeys(c.var.deps.sql, request.project.id, await sha256(token)) : null;
    // The registration would be refused anyway (Postgres checks both again): do not make the person wait.
    if (!own?.recent || own.impersonated) return c.redirect(signedInHref(data), 303);
    return authPage(data, "passkeyUpgradeTitle");
  },
};

export default function PasskeyUpgrade({ data }: PageProps<AuthPageData>) {
  return <PasskeyUpgradePage data={data} />;
}
