/**
 * An app's back-channel logout endpoint standing in for a real one (a real HTTP server on 127.0.0.1): it
 * records every logout_token POSTed to it, form-encoded as OpenID Connect Back-Channel Logout 1.0 §2.5 sends it.
 */
export type LogoutReceiver = {
  url: string;
  /** What arrived, in order: the content type and the logout_token field. */
  received: { contentType: string | null; token: string | null }[];
  /** The status the next request is answered with (by its index). */
  respond: (index: number) => number;
  /** Resolves once `count` requests have arrived. */
  waitFor(count: number): Promise<void>;
  close(): Promise<void>;
};

export function startLogoutReceiver(): LogoutReceiver {
  const waiters: { count: number; resolve: () => void }[] = [];
  const receiver: LogoutReceiver = {
    url: "",
    received: [],
    respond: () => 200,
    waitFor(count) {
      if (receiver.received.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    close: () => server.shutdown(),
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const form = new URLSearchParams(await req.text());
    const index = receiver.received.push({
      contentType: req.headers.get("content-type"),
      token: form.get("logout_token"),
    }) - 1;
    for (const waiter of waiters.filter((w) => receiver.received.length >= w.count)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    return new Response(null, { status: receiver.respond(index) });
  });
  receiver.url = `http://127.0.0.1:${server.addr.port}/backchannel-logout`;
  return receiver;
}
