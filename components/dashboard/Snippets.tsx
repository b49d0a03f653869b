import { Island } from "@/lib/islands/Island.tsx";
import CopyButton from "@/islands/CopyButton.tsx";

type SnippetsProps = { baseUrl: string; clientId: string; redirectUri: string };

/** The three integration steps from the docs, filled in with this project's client_id and this deployment. */
export function integrationSnippets({ baseUrl, clientId, redirectUri }: SnippetsProps) {
  return [
    {
      title: "1. Send people to the hosted login",
      code: `const params = new URLSearchParams({
  response_type: "code",
  client_id: "${clientId}",
  redirect_uri: "${redirectUri}",
  state, code_challenge, code_challenge_method: "S256",
});
location.href = "${baseUrl}/auth/login?" + params;`,
    },
    {
      title: "2. Exchange the code for tokens (on your server)",
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
      title: "3. Verify the JWT and read the plan",
      code: `import { createRemoteJWKSet, jwtVerify } from "jose";
const jwks = createRemoteJWKSet(new URL("${baseUrl}/.well-known/jwks.json"));
const { payload } = await jwtVerify(access_token, jwks, {
  issuer: "${baseUrl}", audience: "${clientId}", algorithms: ["RS256"] });
if (payload.custom_claims.plan === "pro") { /* unlock */ }`,
    },
  ];
}

export function Snippets(props: SnippetsProps) {
  return (
    <section class="card" aria-labelledby="integration-heading">
      <h2 id="integration-heading">Integrate</h2>
      {integrationSnippets(props).map((snippet) => (
        <div class="snippet">
          <div class="snippet-head">
            <h3>{snippet.title}</h3>
            <Island of={CopyButton} props={{ text: snippet.code, label: "Copy" }} />
          </div>
          {/* Focusable, so a keyboard can scroll a long line sideways (axe scrollable-region-focusable). */}
          <pre tabindex={0} aria-label={snippet.title}><code>{snippet.code}</code></pre>
        </div>
      ))}
    </section>
  );
}
