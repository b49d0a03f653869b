import { z } from "zod";
import { shortTime } from "@/lib/dashboard/format.ts";
import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { asApp } from "@/db/client.ts";
import { listSigningKeys, type SigningKeyRow } from "@/db/signing_keys.ts";
import { parsedForm } from "@/lib/dashboard/form_action.ts";
import { AppError } from "@/lib/http/errors.ts";
import { log } from "@/lib/http/log.ts";
import type { Ctx } from "@/lib/app_env.ts";
import { actorOf, developer } from "@/lib/dashboard/access.ts";
import { frameOf } from "@/lib/dashboard/frame.ts";
import { Island } from "@/lib/islands/Island.tsx";
import CopyButton from "@/islands/CopyButton.tsx";
import { CsrfField, Frame, type FrameData, Notice } from "@/components/dashboard/Frame.tsx";
import { dashboardLang, type Lang } from "@/lib/dashboard/i18n.ts";
import { KEYS_TEXT } from "@/lib/dashboard/text/keys.ts";
import { PROJECTS_TEXT } from "@/lib/dashboard/text/projects.ts";

const RotateForm = z.object({ csrf: z.string(), confirm: z.string().max(10).optional() });

type KeysData = { frame: FrameData; keys: SigningKeyRow[]; jwksUrl: string; notice?: string; error?: string };

/** Signing keys belong to the whole deployment: only its owner sees this page (others: 404). */
function requireDeploymentOwner(c: Ctx): void {
  if (!developer(c).session.deployment_owner) throw new AppError("not_found");
}

async function keysView(c: Ctx, extra: Pick<KeysData, "notice" | "error"> = {}): Promise<KeysData> {
  const keys = await asApp(c.var.deps.sql, null, (tx) => listSigningKeys(tx), {
    actor: actorOf(developer(c)),
  });
  return {
    frame: frameOf(c),
    keys,
    jwksUrl: `${c.var.deps.config.baseUrl}/.well-known/jwks.json`,
    notice: c.req.query("done") === "rotated" ? KEYS_TEXT[dashboardLang(c)].rotated : undefined,
    ...extra,
  };
}

export const handler: Handlers<KeysData> = {
  GET: async (c) => {
    requireDeploymentOwner(c);
    return page(await keysView(c), { title: KEYS_TEXT[dashboardLang(c)].title });
  },
  /** Rotate now: the same KeyStore path as `astapa keys rotate`. */
  POST: async (c) => {
    requireDeploymentOwner(c);
    const form = await parsedForm(c, RotateForm);
    const text = KEYS_TEXT[dashboardLang(c)];
    const error = form.refusal ? form.refusal.error : form.body.confirm !== "yes" && text.confirmMissing;
    if (error) return page(await keysView(c, { error }), { title: text.title, status: 422 });
    const store = c.var.deps.keys;
    await store.ensureKeys();
    const kid = await store.rotate();
    // Keys have no project, so the audit log (per project) cannot hold this: the server log does.
    log("info", "signing keys rotated", { actor: actorOf(developer(c)), active_kid: kid });
    return c.redirect("/dashboard/keys?done=rotated", 303);
  },
};

const when = (date: Date | null, lang: Lang) => shortTime(date, lang) || "—";
const STATES = { next: "stateNext", active: "stateActive", retired: "stateRetired" } as const;

/** GET /dashboard/keys: the deployment's token signing keys; rotate now. */
export default function KeysPage({ data }: PageProps<KeysData>) {
  const lang = data.frame.lang;
  const text = KEYS_TEXT[lang];
  return (
    <Frame frame={data.frame} crumbs={[{ href: "/dashboard", label: PROJECTS_TEXT[lang].title }]}>
      <h1>{text.title}</h1>
      <p>{text.explained}</p>
      <div class="copy-row">
        <code>{data.jwksUrl}</code>
        <Island of={CopyButton} props={{ text: data.jwksUrl, label: text.copy }} />
      </div>
      <Notice notice={data.notice} error={data.error} />
      <div class="table-scroll">
        <table class="list">
          <thead>
            <tr>
              <th scope="col">{text.columnKid}</th>
              <th scope="col">{text.columnState}</th>
              <th scope="col">{text.columnCreated}</th>
              <th scope="col">{text.columnActivated}</th>
              <th scope="col">{text.columnRetired}</th>
            </tr>
          </thead>
          <tbody>
            {data.keys.map((key) => (
              <tr key={key.kid} data-state={key.state}>
                <td>
                  <code>{key.kid}</code>
                </td>
                <td>{text[STATES[key.state]]}</td>
                <td>{when(key.created_at, lang)}</td>
                <td>{when(key.activated_at, lang)}</td>
                <td>{when(key.retired_at, lang)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form method="post" action="/dashboard/keys" class="card form">
        <CsrfField token={data.frame.csrf} />
        <h2>{text.rotateNow}</h2>
        <p class="muted">{text.rotateExplained}</p>
        <label>
          <input type="checkbox" name="confirm" value="yes" required /> {text.confirm}
        </label>
        <button type="submit" class="button">{text.rotate}</button>
      </form>
    </Frame>
  );
}
