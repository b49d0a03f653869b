import { useSignal } from "@preact/signals";

type QuickStartProps = { baseUrl: string };

const STEPS = ["Redirect", "Exchange", "Verify"] as const;
type Step = typeof STEPS[number];

/** The three integration steps as code, one tab at a time, with this deployment's own URLs. */
export default function QuickStart({ baseUrl }: QuickStartProps) {
  const step = useSignal<Step>("Redirect");
  const snippets: Record<Step, string> = {
    Redirect: `const params = new URLSearchParams({ client_id, redirect_uri, state });
location.href = "${baseUrl}/auth/login?" + params;`,
    Exchange: `const res = await fetch("${baseUrl}/api/platform/token", {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ grant_type: "authorization_code", code, client_id,
    client_secret, redirect_uri }),
});
const { access_token, refresh_token, expires_in } = await res.json();`,
    Verify: `import { createRemoteJWKSet, jwtVerify } from "jose";
const jwks = createRemoteJWKSet(new URL("${baseUrl}/.well-known/jwks.json"));
const { payload } = await jwtVerify(access_token, jwks, {
  issuer: "${baseUrl}", audience: client_id, algorithms: ["RS256"] });
if (payload.custom_claims.plan === "pro") { /* unlock */ }`,
  };
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
        aria-labelledby={`tab-${step.value}`}
      ><code>{snippets[step.value]}</code></pre>
    </div>
  );
}
