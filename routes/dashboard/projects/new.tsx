import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { asApp } from "@/db/client.ts";
import { addMember } from "@/db/accounts.ts";
import { createProject, type ProjectWithSecret } from "@/db/projects.ts";
import { readBody } from "@/lib/http/body.ts";
import { toAppError } from "@/lib/http/errors.ts";
import { actorOf, developer } from "@/lib/dashboard/access.ts";
import { frameOf } from "@/lib/dashboard/frame.ts";
import { CsrfField, Frame, type FrameData, Notice } from "@/components/dashboard/Frame.tsx";
import { Credentials } from "@/components/dashboard/Credentials.tsx";

const NewProject = z.object({
  csrf: z.string(),
  name: z.string().trim().min(1, "Give the project a name.").max(100, "At most 100 characters."),
  redirect_uri: z.string().trim().max(2000).optional(),
});

type NewProjectData = {
  frame: FrameData;
  form: { name: string; redirect_uri: string };
  error?: string;
  created?: ProjectWithSecret;
};

export const handler: Handlers<NewProjectData> = {
  GET: (c) => page({ frame: frameOf(c), form: { name: "", redirect_uri: "" } }, { title: "New project" }),
  POST: async (c) => {
    const signedIn = developer(c);
    const raw = await readBody(c, z.record(z.string(), z.unknown()), ["form"]);
    const form = { name: String(raw.name ?? ""), redirect_uri: String(raw.redirect_uri ?? "") };
    const parsed = NewProject.safeParse(raw);
    if (!parsed.success) {
      const error = parsed.error.issues.map((issue) => issue.message).join(" ");
      return page({ frame: frameOf(c), form, error }, { title: "New project", status: 422 });
    }
    const { name, redirect_uri } = parsed.data;
    try {
      // One transaction: the project and its first owner exist together or not at all.
      const created = await asApp(c.var.deps.sql, null, async (tx) => {
        const project = await createProject(tx, { name, redirectUris: redirect_uri ? [redirect_uri] : [] });
        await addMember(tx, project.project_id, signedIn.session.id, "owner");
        return project;
      }, { actor: actorOf(signedIn) });
      return page({ frame: frameOf(c), form, created }, { title: `${created.name} created`, status: 201 });
    } catch (thrown) {
      const error = toAppError(thrown);
      if (error.code !== "validation_failed") throw thrown;
      return page({ frame: frameOf(c), form, error: error.description }, {
        title: "New project",
        status: 422,
      });
    }
  },
};

/** GET /dashboard/projects/new: the form; after POST, the new project's credentials (shown once). */
export default function NewProjectPage({ data }: PageProps<NewProjectData>) {
  const crumbs = [{ href: "/dashboard", label: "Projects" }];
  if (data.created) {
    const project = data.created;
    return (
      <Frame frame={data.frame} crumbs={crumbs}>
        <h1>{project.name} is ready</h1>
        <p>
          It starts in <strong>sandbox</strong>{" "}
          mode: same APIs and tokens, test data kept apart. Flip it to production from the project page when
          you go live.
        </p>
        <Credentials clientId={project.client_id} clientSecret={project.client_secret} />
        <p class="actions">
          <a class="button" href={`/dashboard/projects/${project.project_id}`}>Continue to the project</a>
        </p>
      </Frame>
    );
  }
  return (
    <Frame frame={data.frame} crumbs={crumbs}>
      <h1>New project</h1>
      <Notice error={data.error} />
      <form method="post" action="/dashboard/projects/new" class="card form">
        <CsrfField token={data.frame.csrf} />
        <label for="name">Name</label>
        <input id="name" name="name" required maxLength={100} value={data.form.name} />
        <label for="redirect_uri">Redirect URI (optional)</label>
        <input
          id="redirect_uri"
          name="redirect_uri"
          type="url"
          placeholder="https://yourapp.example/callback"
          value={data.form.redirect_uri}
        />
        <p class="muted">Your app's callback URL. https, or http on localhost. You can add more later.</p>
        <button type="submit" class="button">Create project</button>
      </form>
    </Frame>
  );
}
