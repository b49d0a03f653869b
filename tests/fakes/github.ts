/**
 * A local GitHub: the OAuth web flow (authorize auto-approves as `approveAs` or denies; access_token
 * answers JSON, with errors as 200 + {error} the way GitHub does; PKCE S256 checked when sent) and the REST
 * API's GET /user and GET /user/emails (either can be made to answer an error: failPaths). One server plays both
 * github.com and api.github.com.
 */
import {
  clientCredentials,
  type FakeServer,
  json,
  newCode,
  pkceMatches,
  redirectBack,
  serveFake,
} from "./serve.ts";

export type GitHubAccount = {
  id: number;
  login: string;
  emails: { email: string; primary: boolean; verified: boolean }[];
  /** GET /user's display name (null when the person set none) and avatar. */
  name?: string | null;
  avatar_url?: string;
  /** GET /user's blog as the person typed it ("" when none). */
  blog?: string;
};

type Grant = { redirectUri?: string; challenge?: string; account: GitHubAccount; used: boolean };

export type FakeGitHub = FakeServer & {
  clientId: string;
  clientSecret: string;
  approveAs: GitHubAccount;
  deny?: string;
  authorizeRequests: URLSearchParams[];
  /** REST paths answered with this status and GitHub's error body instead (a GitHub having trouble). */
  failPaths: Map<string, number>;
  /** REST paths asked for, in order (to see which were reached). */
  apiRequests: string[];
};

export function startFakeGitHub(options: { clientId?: string; clientSecret?: string } = {}): FakeGitHub {
  const grants = new Map<string, Grant>();
  const accessTokens = new Map<string, GitHubAccount>();

  const server = serveFake(async (req, url) => {
    switch (`${req.method} ${url.pathname}`) {
      case "GET /login/oauth/authorize": {
        const q = url.searchParams;
        fake.authorizeRequests.push(q);
        const redirectUri = q.get("redirect_uri");
        if (q.get("client_id") !== fake.clientId || !redirectUri) {
          return new Response("The redirect_uri is not associated with this application.", { status: 400 });
        }
        const state = q.get("state") ?? undefined;
        if (fake.deny) {
          return redirectBack(redirectUri, {
            error: fake.deny,
            error_description: "The user has denied your application access.",
            state,
          });
        }
        const code = newCode().slice(0, 20);
        grants.set(code, {
          redirectUri,
          challenge: q.get("code_challenge") ?? undefined,
          account: structuredClone(fake.approveAs),
          used: false,
        });
        return redirectBack(redirectUri, { code, state });
      }
      case "POST /login/oauth/access_token": {
        const form = new URLSearchParams(await req.text());
        const client = clientCredentials(req, form);
        const fail = (error: string, description: string) =>
          // GitHub reports token errors with 200 OK and an error body.
          json({ error, error_description: description, error_uri: "https://docs.github.com/apps" });
        if (client.id !== fake.clientId || client.secret !== fake.clientSecret) {
          return fail(
            "incorrect_client_credentials",
            "The client_id and/or client_secret passed are incorrect.",
          );
        }
        const grant = grants.get(form.get("code") ?? "");
        if (
          !grant || grant.used ||
          (form.has("redirect_uri") && form.get("redirect_uri") !== grant.redirectUri) ||
          !(await pkceMatches(grant.challenge, form.get("code_verifier")))
        ) {
          return fail("bad_verification_code", "The code passed is incorrect or expired.");
        }
        grant.used = true;
        const accessToken = `gho_${newCode()}`;
        accessTokens.set(accessToken, grant.account);
        const body = { access_token: accessToken, token_type: "bearer", scope: "read:user,user:email" };
        return (req.headers.get("accept") ?? "").includes("application/json")
          ? json(body)
          : new Response(new URLSearchParams(body).toString(), {
            headers: { "content-type": "application/x-www-form-urlencoded" },
          });
      }
      case "GET /user":
      case "GET /user/emails": {
        fake.apiRequests.push(url.pathname);
        const failed = fake.failPaths.get(url.pathname);
        if (failed) return json({ message: "Server Error", status: String(failed) }, failed);
        const token = /^(?:Bearer|token) (.+)$/i.exec(req.headers.get("authorization") ?? "")?.[1];
        const account = token ? accessTokens.get(token) : undefined;
        if (!account) {
          return json({ message: "Bad credentials", documentation_url: "https://docs.github.com/rest" }, 401);
        }
        if (url.pathname === "/user/emails") {
          return json(account.emails.map((e) => ({ ...e, visibility: e.primary ? "private" : null })));
        }
        const primary = account.emails.find((e) => e.primary);
        return json({
          login: account.login,
          id: account.id,
          type: "User",
          email: primary?.email ?? null,
          name: account.name ?? null,
          avatar_url: account.avatar_url ?? `https://avatars.githubusercontent.com/u/${account.id}?v=4`,
          blog: account.blog ?? "",
        });
      }
    }
    return json({ message: "Not Found" }, 404);
  });

  const fake: FakeGitHub = {
    ...server,
    clientId: options.clientId ?? "Iv1.fakegithubclient",
    clientSecret: options.clientSecret ?? "fake-github-secret",
    approveAs: {
      id: 583231,
      login: "octocat",
      emails: [{ email: "octocat@github.test", primary: true, verified: true }],
    },
    authorizeRequests: [],
    failPaths: new Map(),
    apiRequests: [],
  };
  return fake;
}
