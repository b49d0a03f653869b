// The peer for `deno task bench`: panva's oidc-provider, configured to issue RS256 JWT access tokens for the
// client_credentials grant (resource indicators with accessTokenFormat "jwt"). Runs under Node (its home
// runtime) or Deno. Usage: node bench/peer/oidc_provider.mjs <port> <client_id> <client_secret>
// Prints "listening <port>" once ready. In-memory storage: JWT access tokens are not persisted by the peer.
import Provider from "oidc-provider";

const [port, clientId, clientSecret] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const { privateKey } = await crypto.subtle.generateKey(
  {
    name: "RSASSA-PKCS1-v1_5",
    hash: "SHA-256",
    modulusLength: 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
  },
  true,
  ["sign", "verify"],
);
const jwk = { ...(await crypto.subtle.exportKey("jwk", privateKey)), use: "sig", kid: "peer-rs256" };
delete jwk.key_ops;
delete jwk.ext;
delete jwk.alg;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    grant_types: ["client_credentials"],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: "client_secret_basic",
  }],
  jwks: { keys: [jwk] },
  scopes: ["reports:read"],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => "https://api.bench.example",
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: "reports:read",
        accessTokenFormat: "jwt",
        jwt: { sign: { alg: "RS256" } },
      }),
    },
  },
});
provider.listen(Number(port), "127.0.0.1", () => console.log(`listening ${port}`));
