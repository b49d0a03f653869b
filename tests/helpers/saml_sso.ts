/**
 * A SAML enterprise SSO set-up for HTTP tests: a project with an organization whose verified domain is acme.test,
 * its SAML connection made through the Platform API from the fake IdP's metadata, and the browser's side of a
 * sign-in — the hand-over to the IdP, then the IdP's cross-site POST to the ACS carrying only the cookies a browser
 * sends on such a request (SameSite=None and Secure), so a flow cookie set SameSite=Lax would be missed here as in
 * a browser.
 */
import assert from "node:assert/strict";
import { testApp } from "./app.ts";
import { seedProject } from "./identity.ts";
import { platformApi } from "./platform_api.ts";
import { csrfOf } from "./csrf.ts";
import { claimsOf, credentials, postForm } from "./token_client.ts";
import {
  type AuthnRequestSeen,
  encodeResponse,
  type FakeSamlIdp,
  type ResponseOptions,
  startFakeSamlIdp,
} from "../fakes/saml_idp.ts";

export async function samlSetUp() {
  const idp = await startFakeSamlIdp();
  const t = await testApp();
  t.deps.clientMetadataFetch = { allowHttp: true, allowPrivate: true, timeoutMs: 2000 };
  const project = await seedProject(t.db.sql, { name: "Kantor" });
  const other = await seedProject(t.db.sql, { name: "Other" });
  const html = { accept: "text/html" };

  const api = platformApi(t, project);

  const org = (await api("POST", "/organizations", { name: "Acme", slug: "acme" })).body.id as string;
  assert.equal((await api("POST", "/organizations/acme/domains", { domain: "acme.test" })).status, 201);
  assert.equal((await api("PUT", "/organizations/acme/domains/acme.test")).status, 200);
  const put = await api("PUT", "/organizations/acme/sso-connection", {
    protocol: "saml",
    idp_metadata_xml: idp.metadata(),
  });
  assert.equal(put.status, 200, put.text);
  const connection = put.body as {
    id: string;
    sp_entity_id: string;
    acs_url: string;
    sp_metadata_url: string;
  };

  type Started = { request: AuthnRequestSeen; location: URL; setCookies: string[] };

  /** Email at the SSO domain, no password: the login form hands over to /auth/sso, which redirects to the IdP. */
  async function start(email = "dewi@acme.test", lang = "en"): Promise<Started> {
    const query = new URLSearchParams({
      client_id: project.clientId,
      redirect_uri: project.redirectUri,
      state: "app",
    });
    const form = await t.app.request(`/auth/login?${query}`, { headers: html });
    const cookie = (form.headers.get("set-cookie") ?? "").split(";")[0];
    const body = new URLSearchParams({
      request: query.toString(),
      csrf: csrfOf(await form.text()),
      email,
      password: "",
    });
    const post = (path: string) =>
      t.app.request(path, {
        method: "POST",
        headers: { ...html, "content-type": "application/x-www-form-urlencoded", cookie, origin: t.origin },
        body,
      });
    const handOver = await post(`/auth/login?lang=${lang}`);
    assert.equal(handOver.status, 307, await handOver.text());
    const started = await post(handOver.headers.get("location")!);
    assert.equal(started.status, 303, await started.text());
    const location = new URL(started.headers.get("location")!);
    return { request: idp.readRequest(location), location, setCookies: started.headers.getSetCookie() };
  }

  /** What a browser sends with a cross-site POST: only SameSite=None cookies, which must be Secure. */
  const crossSiteCookies = (setCookies: string[]) =>
    setCookies.filter((c) => /;\s*SameSite=None/i.test(c) && /;\s*Secure/i.test(c)).map((c) =>
      c.split(";")[0]
    )
      .join("; ");

  /** The IdP's page posts the Response to the ACS (cross-site: the IdP's origin). */
  function postAcs(
    started: Started,
    samlResponse: string,
    options: { relayState?: string; cookie?: string; path?: string } = {},
  ) {
    return t.app.request(options.path ?? new URL(connection.acs_url).pathname, {
      method: "POST",
      headers: {
        ...html,
        "content-type": "application/x-www-form-urlencoded",
        origin: "https://idp.acme.test",
        cookie: options.cookie ?? crossSiteCookies(started.setCookies),
      },
      body: new URLSearchParams({
        SAMLResponse: samlResponse,
        RelayState: options.relayState ?? started.request.relayState,
      }),
    });
  }

  /** The Response options that answer `started` correctly. */
  const answering = (started: Started, extra: Partial<ResponseOptions> = {}): ResponseOptions => ({
    inResponseTo: started.request.id,
    acsUrl: connection.acs_url,
    audience: connection.sp_entity_id,
    ...extra,
  });

  /** Signs in with a correct, signed Response; the ACS's answer. */
  async function signIn(extra: Partial<ResponseOptions> = {}, email = "dewi@acme.test") {
    const started = await start(email);
    return await postAcs(started, encodeResponse(idp.signedXml(answering(started, extra))));
  }

  async function appClaims(res: Response) {
    assert.equal(res.status, 303, await res.clone().text());
    const location = new URL(res.headers.get("location")!);
    assert.equal(location.origin + location.pathname, project.redirectUri);
    const tokens = await postForm(t, "/api/platform/token", {
      grant_type: "authorization_code",
      code: location.searchParams.get("code")!,
      redirect_uri: project.redirectUri,
      ...credentials(project),
    });
    assert.equal(tokens.res.status, 200, JSON.stringify(tokens.body));
    return claimsOf(tokens.body.access_token);
  }

  /** Users and browser sessions of the project: a refusal must add none. */
  async function footprint() {
    const [row] = await t.db.sql`select
      (select count(*)::int from astapa.users where project_id = ${project.id}) as users,
      (select count(*)::int from astapa.login_sessions where project_id = ${project.id}) as sessions`;
    return row as { users: number; sessions: number };
  }

  return {
    t,
    idp,
    project,
    other,
    org,
    connection,
    api,
    start,
    postAcs,
    answering,
    signIn,
    appClaims,
    footprint,
    crossSiteCookies,
    close: async () => {
      await t.close();
      await idp.close();
    },
  };
}

export type SamlSetUp = Awaited<ReturnType<typeof samlSetUp>>;
export type { FakeSamlIdp };
