/** Reading the CSRF token a rendered page's forms carry (the hidden `csrf` field), the one way tests do it. */

/**
 * The page's CSRF token. Throws when the page has none: an empty token would only make the next post fail
 * with a 403 that hides what the page really was.
 */
export function csrfOf(html: string): string {
  const token = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error(`no CSRF token on the page: ${html.slice(0, 300)}`);
  return token;
}
