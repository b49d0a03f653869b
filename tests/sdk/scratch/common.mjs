/**
 * What every scratch app does with @astapa/sdk, whatever its framework: start the hosted login, take the
 * callback, change a plan through the Claims API, refresh. Settings come from the environment.
 */
import { createAstapa } from "@astapa/sdk";

const env = globalThis.process?.env ?? Deno.env.toObject();
export const astapa = createAstapa({
  baseUrl: env.ASTAPA_URL,
  clientId: env.ASTAPA_CLIENT_ID,
  clientSecret: env.ASTAPA_CLIENT_SECRET,
  redirectUri: env.ASTAPA_REDIRECT_URI,
});
export const port = Number(env.PORT ?? 0);

/** The routes as plain functions of the query: each framework maps GET /<name>?… onto them. */
export const routes = {
  async login() {
    return await astapa.loginUrl({ scope: "openid email" });
  },
  async callback(query) {
    const tokens = await astapa.exchangeCode({ code: query.code, codeVerifier: query.verifier });
    return { tokens, claims: await astapa.verify(tokens.accessToken) };
  },
  async upgrade(query) {
    return await astapa.claims.set(query.sub, { plan: query.plan });
  },
  async refresh(query) {
    const tokens = await astapa.refresh(query.token);
    return { tokens, claims: await astapa.verify(tokens.accessToken) };
  },
};

/** Runs a route, answering errors as JSON with the SDK's status. */
export async function answer(name, query) {
  try {
    return { status: 200, body: await routes[name](query) };
  } catch (error) {
    return { status: error.status || 500, body: { error: error.code ?? String(error) } };
  }
}
