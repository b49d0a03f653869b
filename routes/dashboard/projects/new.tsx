import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { asApp } from "@/db/client.ts";
import { addMember } from "@/db/accounts.ts";
import { createProject, type ProjectWithSecret } from "@/db/projects.ts";
import { readBody } from "@/lib/http/body.ts";
import { toAppError } from "@/lib/http/errors.ts";
import { errorMessages } from "@/lib/http/error_text.ts";
import { actorOf, developer } from "@/lib/dashboard/access.ts";
import { frameOf } from "@/lib/dashboard/frame.ts";
import { CsrfField, Frame, type FrameData, Notice } from "@/components/dashboard/Frame.tsx";
import { Credentials } from "@/components/dashboard/Credentials.tsx";
import { Phrase } from "@/components/dashboard/Phrase.tsx";
import { dashboardLang, fill, type Lang } from "@/lib/dashboard/i18n.ts";
import { issueMessage } from "@/lib/dashboard/field_text.ts";
import { PROJECTS_TEXT } from "@/lib/dashboard/text/projects.ts";

/** The form's schema, its messages in the page's language. */
function newProject(lang: Lang) {
  const text = PROJECTS_TEXT[lang];
  return z.object({
    csrf: z.string(),
    name: z.string().trim().min(1, text.nameMissing).max(100, text.nameTooLong),
    redirect_uri: z.string().trim().max(2000).optional(),
  });
}

type NewProjectData = {
  frame: FrameData;
  form: { name: string; redirect_uri: string };
  error?: string;
  created?: ProjectWithSecret;
};

export const handler: Handlers<NewProjectData> = {
  GET: (c) =>
    page({ frame: frameOf(c), form: { name: "", redirect_uri: "" } }, {
      title: PROJECTS_TEXT[dashboardLang(c)].newProject,
    }),
  POST: async (c) => {
    const signedIn = developer(c);
    const lang = dashboardLang(c);
    const title = PROJECTS_TEXT[lang].newProject;
    const raw = await readBody(c, z.record(z.string(), z.unknown()), ["form"]);
    const form = { name: String(raw.name ?? ""), redirect_uri: String(raw.redirect_uri ?? "") };
    const parsed = newProject(lang).safeParse(raw, { reportInput: true });
    if (!parsed.success) {
      // The schema's own messages are in the page's language already; zod's defaults are worded here.
      const error = parsed.error.issues.map((issue) => issueMessage(lang, issue)).join(" ");
      return page({ frame: frameOf(c), form, error }, { title, status: 422 });
    }
    const { name, redirect_uri } = parsed.data;
    try {
      // One transaction: the project and its first owner exist together or not at all.
      const created = await asApp(c.var.deps.sql, null, async (tx) => {
        const project = await createProject(tx, { name, redirectUris: redirect_uri ? [redirect_uri] : [] });
        await addMember(tx, project.project_id, signedIn.session.id, "owner");
        return project;
      }, { actor: actorOf(signedIn) });
      return page({ frame: frameOf(c), form, created }, {
        title: fill(PROJECTS_TEXT[lang].createdTitle, { name: created.name }),
        status: 201,
      });
    } catch (thrown) {
      const error = toAppError(thrown);
      if (error.code !== "validation_failed") throw thrown;
      const { message, detail } = errorMessages(lang, error.code, error.description);
      return page({ frame: frameOf(c), form, error: detail ? `${message} ${detail}` : message }, {
        title,
        status: 422,
      });
    }
  },
};

/** GET /dashboard/projects/new: the form; after POST, the new project's credentials (shown once). */
export default function NewProjectPage({ data }: PageProps<NewProjectData>) {
  const lang = data.frame.lang;
  const text = PROJECTS_TEXT[lang];
  const crumbs = [{ href: "/dashboard", label: text.title }];
  if (data.created) {
    const project = data.created;
    return (
      <Frame frame={data.frame} crumbs={crumbs}>
        <h1>{fill(text.ready, { name: project.name })}</h1>
        <p>
          <Phrase text={text.startsInSandbox} parts={{ sandbox: <strong>sandbox</strong> }} />
        </p>
        <Credentials clientId={project.client_id} clientSecret={project.client_secret} lang={lang} />
        <p class="actions">
          <a class="button" href={`/dashboard/projects/${project.project_id}`}>{text.continueToProject}</a>
        </p>
      </Frame>
    );
  }
  return (
    <Frame frame={data.frame} crumbs={crumbs}>
      <h1>{text.newProject}</h1>
      <Notice error={data.error} />
      <form method="post" action="/dashboard/projects/new" class="card form">
        <CsrfField token={data.frame.csrf} />
        <label for="name">{text.name}</label>
        <input id="name" name="name" required maxLength={100} value={data.form.name} />
        <label for="redirect_uri">{text.redirectUriOptional}</label>
        <input
          id="redirect_uri"
          name="redirect_uri"
          type="url"
          placeholder="https://yourapp.example/callback"
          value={data.form.redirect_uri}
        />
        <p class="muted">{text.redirectUriHint}</p>
        <button type="submit" class="button">{text.create}</button>
      </form>
    </Frame>
  );
}
