/**
 * Token exchange (RFC 8693) with oauth4webapi's generic token endpoint helpers against a served Astapa: an MCP
 * server holding a person's token for its resource gets one for another resource of the project, with `act`
 * naming itself (nested on a second hop), only where the project's policy allows, scope only narrowed, no
 * refresh token; another project's token, a machine token, a wider scope or an unlisted resource is refused and
 * audited.
 */
import assert from "node:assert/strict";
import * as oauth from "oauth4webapi";
import { testApp } from "../helpers/app.ts";
import { seedMachineClient, seedRegistry } from "../helpers/machine_clients.ts";
import { basic, issueCode, seedProject, seedUser } from "../helpers/oauth.ts";
import { claimsOf, postForm } from "../helpers/token_client.ts";

const t = await testApp({ listen: true });
Deno.test.afterAll(() => t.close());
const { sql } = t.db;
const NOTES = "https://notes.example/mcp";
const CALENDAR = "https://calendar.example/api";
const BILLING = "https://billing.example/api";
const project = await seedProject(sql, { name: "Suite" });
await seedRegistry(sql, project.id, {
  resources: [NOTES, CALENDAR, BILLING],
  scopes: ["notes:read", "cal:read", "cal:write"],
});
const other = await seedProject(sql, { name: "Other" });
await seedRegistry(sql, other.id, { resources: ["https://other.example/api"], scopes: ["cal:read"] });
const user = await seedUser(sql, project.id, "ayu@example.com");
const notesServer = await seedMachineClient(sql, project.id, { name: "Notes MCP" });
const calendarServer = await seedMachineClient(sql, project.id, { name: "Calendar" });
const otherServer = await seedMachineClient(sql, other.id, { name: "Other server" });
const insecure = { [oauth.allowInsecureRequests]: true };
const as = await oauth.processDiscoveryResponse(
  new URL(t.origin),
  await oauth.discoveryRequest(new URL(t.origin), { algorithm: "oauth2", ...insecure }),
);
const EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS = "urn:ietf:params:oauth:token-type:access_token";

const policy = (method: string, body?: Record<string, string>, query = "", who = project) =>
  t.app.request(`/api/platform/token-exchange${query}`, {
    method,
    headers: { authorization: basic(who.clientId, who.secret), "content-type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });

/** A person's access token for NOTES, issued to the project's own app. */
async function personToken(scope = "notes:read cal:read offline_access") {
  const code = await issueCode(sql, project, { userId: user, scope, resource: NOTES });
  const { body } = await postForm(t, "/api/platform/token", {
    grant_type: "authorization_code",
    code,
    redirect_uri: project.redirectUri,
    resource: NOTES,
  }, { authorization: basic(project.clientId, project.secret) });
  return body.access_token as string;
}

async function exchange(
  actor: { clientId: string; secret: string },
  subject: string,
  params: Record<string, string>,
) {
  const res = await oauth.genericTokenEndpointRequest(
    as,
    { client_id: actor.clientId },
    oauth.ClientSecretBasic(actor.secret),
    EXCHANGE,
    { subject_token: subject, subject_token_type: ACCESS, ...params },
    insecure,
  );
  try {
    return {
      tokens: await oauth.processGenericTokenEndpointResponse(as, { client_id: actor.clientId }, res),
    };
  } catch (error) {
    if (error instanceof oauth.ResponseBodyError) {
      return { error: error.error, description: error.error_description };
    }
    throw error;
  }
}

const audit = async (action: string) =>
  (await sql`select target, details from astapa.audit_log where action = ${action} order by id`).map((r) => ({
    ...r,
  }));

Deno.test("token exchange — allowed by policy: a token for the other resource, act names the actor, scope narrowed", async () => {
  const put = await policy("PUT", { actor: notesServer.clientId, resource: CALENDAR });
  assert.equal(put.status, 200, await put.clone().text());
  const listed = await (await policy("GET")).json();
  assert.deepEqual(listed.map((p: { client_id: string; resource: string }) => [p.client_id, p.resource]), [
    [notesServer.clientId, CALENDAR],
  ]);
  const subject = await personToken();
  const { tokens } = await exchange(notesServer, subject, { resource: CALENDAR, scope: "cal:read" });
  assert.ok(tokens, "exchanged");
  assert.equal(tokens.issued_token_type, ACCESS);
  assert.equal(tokens.token_type, "bearer");
  assert.equal(tokens.refresh_token, undefined, "no refresh token from an exchange");
  const claims = claimsOf(tokens.access_token);
  assert.equal(claims.sub, user);
  assert.equal(claims.aud, CALENDAR);
  assert.equal(claims.scope, "cal:read");
  assert.equal(claims.client_id, notesServer.clientId);
  assert.deepEqual(claims.act, { sub: notesServer.clientId });
  // No scope asked: the subject's, without offline_access.
  const all = await exchange(notesServer, subject, { audience: CALENDAR });
  assert.equal(claimsOf(all.tokens!.access_token).scope, "cal:read notes:read");
  const exchanged = await audit("token.exchanged");
  assert.equal(exchanged.at(-1)?.target, notesServer.clientId);
  assert.equal(exchanged.at(-1)?.details.to, CALENDAR);
  assert.equal(exchanged.at(-1)?.details.from, NOTES);

  // A second hop keeps the chain of actors (RFC 8693 §4.1).
  await policy("PUT", { actor: calendarServer.clientId, resource: BILLING });
  const hop = await exchange(calendarServer, tokens.access_token, { resource: BILLING });
  assert.deepEqual(claimsOf(hop.tokens!.access_token).act, {
    sub: calendarServer.clientId,
    act: { sub: notesServer.clientId },
  });
});

Deno.test("token exchange — wider scope, unlisted resource, no resource: refused with RFC codes and audited", async () => {
  await policy("PUT", { actor: notesServer.clientId, resource: CALENDAR });
  const subject = await personToken("notes:read cal:read");
  const wider = await exchange(notesServer, subject, { resource: CALENDAR, scope: "cal:write" });
  assert.equal(wider.error, "invalid_scope");
  const unlisted = await exchange(notesServer, subject, { resource: BILLING });
  assert.equal(unlisted.error, "invalid_target");
  const none = await exchange(notesServer, subject, {});
  assert.equal(none.error, "invalid_target");
  const refused = await audit("token.exchange_refused");
  assert.ok(refused.length >= 3);
  assert.match(String(refused.at(-1)?.details.refused), /resource/);
  // Withdrawn: refused again.
  assert.equal(
    (await policy(
      "DELETE",
      undefined,
      `?actor=${notesServer.clientId}&resource=${encodeURIComponent(CALENDAR)}`,
    ))
      .status,
    204,
  );
  assert.equal((await exchange(notesServer, subject, { resource: CALENDAR })).error, "invalid_target");
  await policy("PUT", { actor: notesServer.clientId, resource: CALENDAR });
});

Deno.test("token exchange — another project's client, a machine token, garbage: invalid_request, never a token", async () => {
  const subject = await personToken();
  await policy("PUT", { actor: otherServer.clientId, resource: "https://other.example/api" }, "", other);
  const crossing = await exchange(otherServer, subject, { resource: "https://other.example/api" });
  assert.equal(crossing.error, "invalid_request");
  assert.match(String(crossing.description), /another project/);
  const machineToken = (await postForm(t, "/api/platform/token", { grant_type: "client_credentials" }, {
    authorization: basic(notesServer.clientId, notesServer.secret),
  })).body.access_token;
  assert.equal((await exchange(notesServer, machineToken, { resource: CALENDAR })).error, "invalid_request");
  assert.equal((await exchange(notesServer, "garbage", { resource: CALENDAR })).error, "invalid_request");
  const wrongType = await oauth.genericTokenEndpointRequest(
    as,
    { client_id: notesServer.clientId },
    oauth.ClientSecretBasic(notesServer.secret),
    EXCHANGE,
    {
      subject_token: subject,
      subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
      resource: CALENDAR,
    },
    insecure,
  );
  assert.equal(wrongType.status, 400);
  assert.equal((await wrongType.json()).error, "invalid_request");
  const badClient = await oauth.genericTokenEndpointRequest(
    as,
    { client_id: notesServer.clientId },
    oauth.ClientSecretBasic("wrong"),
    EXCHANGE,
    { subject_token: subject, subject_token_type: ACCESS, resource: CALENDAR },
    insecure,
  );
  assert.equal(badClient.status, 401);
});

Deno.test("token exchange — the policy API: unknown resources 404, bad client ids 400, machine clients 403", async () => {
  assert.equal(
    (await policy("PUT", { actor: notesServer.clientId, resource: "https://nope.example" })).status,
    404,
  );
  assert.equal((await policy("PUT", { actor: "someone", resource: CALENDAR })).status, 400);
  assert.equal(
    (await policy("DELETE", undefined, `?actor=${calendarServer.clientId}&resource=x`)).status,
    404,
  );
  assert.equal(
    (await policy("GET", undefined, "", {
      ...project,
      clientId: notesServer.clientId,
      secret: notesServer.secret,
    })).status,
    403,
  );
});
