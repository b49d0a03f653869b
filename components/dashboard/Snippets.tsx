import { Island } from "@/lib/islands/Island.tsx";
import CopyButton from "@/islands/CopyButton.tsx";
import type { Lang } from "@/lib/dashboard/i18n.ts";
import { PROJECTS_TEXT } from "@/lib/dashboard/text/projects.ts";

type SnippetsProps = { baseUrl: string; clientId: string; redirectUri: string; lang?: Lang };

/** The three integration steps from the docs, filled in with this project's client_id and this deployment. */
export function integrationSnippets({ baseUrl, clientId, redirectUri, lang = "en" }: SnippetsProps) {
  const text = PROJECTS_TEXT[lang];
  return [
    {
      title: text.snippetLogin,
      code: `const params = new URLSearchParams({
  response_type: "code",
  client_id: "${clientId}",
  redirect_uri: "${redirectUri}",
  state, code_challenge, code_challenge_method: "S256",
});
location.href = "${baseUrl}/auth/login?" + params;`,
    },
    {
      title: text.snippetToken,
      code: `const res = await fetch("${baseUrl}/api/platform/token", {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ grant_type: "authorization_code", code, code_verifier,
    client_id: "${clientId}", client_secret: process.env.ASTAPA_CLIENT_SECRET,
    redirect_uri: "${redirectUri}" }),
});
const { access_token, refresh_token, expires_in } = await res.json();`,
    },
    {
      title: text.snippetVerify,
      code: `import { createRemoteJWKSet, jwtVerify } from "jose";
const jwks = createRemoteJWKSet(new URL("${baseUrl}/.well-known/jwks.json"));
const { payload } = await jwtVerify(access_token, jwks, {
  issuer: "${baseUrl}", audience: "${clientId}", algorithms: ["RS256"] });
if (payload.custom_claims.plan === "pro") { /* unlock */ }`,
    },
  ];
}

export function Snippets(props: SnippetsProps) {
  const text = PROJECTS_TEXT[props.lang ?? "en"];
  return (
    <section class="card" aria-labelledby="integration-heading">
      <h2 id="integration-heading">{text.integrate}</h2>
      {integrationSnippets(props).map((snippet) => (
        <div class="snippet">
          <div class="snippet-head">
            <h3>{snippet.title}</h3>
            <Island of={CopyButton} props={{ text: snippet.code, label: text.copy }} />
          </div>
          {/* Focusable, so a keyboard can scroll a long line sideways (axe scrollable-region-focusable). */}
          <pre tabindex={0} aria-label={snippet.title}><code>{snippet.code}</code></pre>
        </div>
      ))}
    </section>
  );
}
