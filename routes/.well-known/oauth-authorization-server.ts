/** Authorization server metadata (RFC 8414): the same document as OpenID discovery. */
export { handler } from "./openid-configuration.ts";
