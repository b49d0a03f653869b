type ErrorPageProps = { status: number; message: string; requestId: string };

const HEADINGS: Record<number, string> = {
  404: "Page not found",
  405: "Not allowed here",
  413: "That was too large",
  429: "Slow down a little",
  503: "Back in a moment",
};

/** What a person sees when a page fails: what happened, what to do, and a reference for support. */
export function ErrorPage({ status, message, requestId }: ErrorPageProps) {
  const heading = HEADINGS[status] ?? (status >= 500 ? "Something went wrong" : "We could not do that");
  return (
    <section class="card error" aria-labelledby="error-heading">
      <p class="eyebrow">Error {status}</p>
      <h1 id="error-heading">{heading}</h1>
      <p>{message}</p>
      <p>
        <a href="/">Go to the start page</a>
      </p>
      <p class="muted">
        Reference: <code>{requestId}</code>
      </p>
    </section>
  );
}
