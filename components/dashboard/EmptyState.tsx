/**
 * What a dashboard list shows before it has anything (issue 29 item 10): what the list is, what to do first,
 * and a link to do it. Every list page uses this one shape so a first-week developer always has a next step.
 */
import type { ComponentChildren } from "preact";
import type { Project } from "@/db/projects.ts";
import type { Lang } from "@/lib/dashboard/i18n.ts";
import { PROJECTS_TEXT } from "@/lib/dashboard/text/projects.ts";

type Link = { href: string; label: string };

export function EmptyState(
  { title, action, more, children }: {
    title: string;
    action?: Link;
    more?: Link;
    children: ComponentChildren;
  },
) {
  return (
    <section class="card empty-state" data-empty-state="">
      <h2>{title}</h2>
      {children}
      {(action || more) && (
        <p class="actions">
          {action && <a class="button" href={action.href}>{action.label}</a>}
          {more && <a href={more.href}>{more.label}</a>}
        </p>
      )}
    </section>
  );
}

/**
 * The project's hosted sign-up page for its first redirect URI (what a developer opens to make a first test
 * user), or its project page when there is no redirect URI yet (the hosted login would refuse).
 */
export function firstUserLink(
  project: Pick<Project, "project_id" | "client_id" | "redirect_uris">,
  lang: Lang = "en",
): Link {
  const text = PROJECTS_TEXT[lang];
  const redirectUri = project.redirect_uris[0];
  if (!redirectUri) {
    return {
      href: `/dashboard/projects/${project.project_id}#redirect-heading`,
      label: text.addRedirectUriFirst,
    };
  }
  const params = new URLSearchParams({ client_id: project.client_id, redirect_uri: redirectUri });
  return { href: `/auth/signup?${params}`, label: text.signUpTestUser };
}
