import { CsrfField } from "./Frame.tsx";

/** "Turn X off" and "Use deployment default" for one social provider. */
export function OffOrDefault(
  { provider, name, base, csrf }: { provider: string; name: string; base: string; csrf: string },
) {
  return (
    <form method="post" action={`${base}/settings/social`} class="form inline-form">
      <CsrfField token={csrf} />
      <input type="hidden" name="provider" value={provider} />
      <button type="submit" name="action" value="off" class="button secondary">Turn {name} off</button>
      <button type="submit" name="action" value="default" class="button secondary">
        Use deployment default
      </button>
    </form>
  );
}
