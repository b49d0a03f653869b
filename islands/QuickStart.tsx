import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";

type QuickStartProps = { baseUrl: string };

const STEPS = ["Redirect", "Exchange", "Verify"] as const;
type Step = typeof STEPS[number];

/** The three steps' code with this deployment's URLs; state and PKCE as docs/quick-start.md makes them. */
function snippets(baseUrl: string): Record<Step, string> {
  return {
    Redirect: `// On your server: fresh random values per sign-in, kept in an HttpOnly cookie
// (randomBase64url and base64url: see /docs/quick-start, or let the SDK do it).
const state = randomBase64url(32);
const code_verifier = randomBase64url(32);
const code_challenge = base64url(await crypto.subtle.digest(
  "SHA-256", new TextEncoder().encode(code_verifier)));
const params = new URLSearchParams({ response_type: "code", client_id,
  redirect_uri, state, code_challenge, code_challenge_method: "S256" });
return redirect("${baseUrl}/auth/login?" + params);`,
    Exchange: `// On your callback: check state against the cookie first.
const res = await fetch("${baseUrl}/api/platform/token", {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ grant_type: "authorization_code", code, code_verifier,
    client_id, client_secret, redirect_uri }),
});
const { access_token, refresh_token, expires_in } = await res.json();`,
    Verify: `import { createRemoteJWKSet, jwtVerify } from "jose";
const jwks = createRemoteJWKSet(new URL("${baseUrl}/.well-known/jwks.json"));
const { payload } = await jwtVerify(access_token, jwks, {
  issuer: "${baseUrl}", audience: client_id, algorithms: ["RS256"] });
if (payload.custom_claims.plan === "pro") { /* unlock */ }`,
  };
}

/**
 * The three integration steps as code. The server renders all three one under another, which needs no
 * JavaScript; once hydrated they become tabs showing one step at a time.
 */
export default function QuickStart({ baseUrl }: QuickStartProps) {
  const step = useSignal<Step>("Redirect");
  const hydrated = useSignal(false);
  useEffect(() => {
    hydrated.value = true;
  }, []);
  const code = snippets(baseUrl);
  if (!hydrated.value) {
    return (
      <div class="quickstart">
        {STEPS.map((name, i) => (
          <section key={name} aria-labelledby={`step-${name}`}>
            <h3 id={`step-${name}`}>{i + 1}. {name}</h3>
            <pre tabindex={0}><code>{code[name]}</code></pre>
          </section>
        ))}
      </div>
    );
  }
  return (
    <div class="quickstart">
      <div class="tabs" role="tablist" aria-label="Integration steps">
        {STEPS.map((name, i) => (
          <button
            type="button"
            role="tab"
            id={`tab-${name}`}
            aria-selected={step.value === name}
            aria-controls="quickstart-code"
            onClick={() => step.value = name}
          >
            {i + 1}. {name}
          </button>
        ))}
      </div>
      <pre
        id="quickstart-code"
        role="tabpanel"
        tabindex={0}
        aria-labelledby={`tab-${step.value}`}
      ><code>{code[step.value]}</code></pre>
    </div>
  );
}
