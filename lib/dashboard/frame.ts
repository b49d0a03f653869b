/** Page data every dashboard page shares, from the signed-in developer. */
import type { Ctx } from "../app_env.ts";
import type { FrameData } from "./page_data.ts";
import { developer } from "./access.ts";
import { dashboardLang } from "./i18n.ts";

export function frameOf(c: Ctx): FrameData {
  const signedIn = developer(c);
  return {
    email: signedIn.session.email,
    csrf: signedIn.csrf,
    deploymentOwner: signedIn.session.deployment_owner,
    lang: dashboardLang(c),
    here: pageAddress(c),
  };
}

/**
 * This page's path for a GET (without its query: a filter or page cursor is left behind, and the page's own
 * links stay the only ones naming it); after a form's POST (a page re-rendered with an error) the project's
 * page, or the projects list, since a form's own address has no page to show.
 */
function pageAddress(c: Ctx): string {
  const url = new URL(c.req.url);
  if (c.req.method === "GET") return url.pathname;
  return /^\/dashboard\/projects\/proj_[a-z2-7]+/.exec(url.pathname)?.[0] ?? "/dashboard";
}
