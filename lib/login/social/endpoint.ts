/**
 * Which of a provider's endpoints a sign-in step talked to, carried with whatever the step throws, so the page
 * can tell a provider in trouble from a refusal and the log can say where (errors.ts reads both). A 5xx, a 429
 * or a success whose body is not JSON is the provider's trouble, never the person's.
 */

export type Endpoint = "discovery" | "authorization" | "token" | "jwks" | "user" | "user_emails";

/** A failure at `endpoint`: what the step threw is the cause. */
export class EndpointError extends Error {
  constructor(readonly endpoint: Endpoint, cause: unknown) {
    super(`the provider's ${endpoint} step failed`, { cause });
  }
}

/** The provider answered, but with trouble instead of an answer: its HTTP status says which. */
export class ProviderTrouble extends Error {
  constructor(readonly status: number, cause?: unknown) {
    super(`the provider answered ${status}`, { cause });
  }
}

/** Runs one step against the provider's `endpoint`; what it throws comes out as an EndpointError. */
export async function atEndpoint<T>(endpoint: Endpoint, step: () => T | Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw new EndpointError(endpoint, error);
  }
}

/** Whether an answer's status is the provider's trouble: a server error, or it is shedding load (429). */
export function isTroubleStatus(status: number): boolean {
  return status >= 500 || status === 429;
}

/**
 * `response` when it is an answer to read on (oauth4webapi then checks it as the protocol says), or a
 * ProviderTrouble: a 5xx or 429, or a 2xx whose body does not parse as JSON (an error page from a proxy in
 * front of the provider). Checked here because past this point a parse error could as well be a bad ID token.
 */
export async function answered(response: Response): Promise<Response> {
  if (isTroubleStatus(response.status)) {
    await response.body?.cancel();
    throw new ProviderTrouble(response.status);
  }
  if (response.ok) {
    try {
      await response.clone().json();
    } catch (error) {
      // A deadline or a dropped connection while reading the body is not "unparseable": errors.ts tells those.
      if (!(error instanceof SyntaxError)) throw error;
      throw new ProviderTrouble(response.status, error);
    }
  }
  return response;
}
