/** Loopback ports for tests that need one nothing listens on. */

/**
 * A loopback port free a moment ago (bound by the OS, then closed): connecting to it is refused at once, and
 * a server that cannot be told "port 0" can be started on it.
 */
export function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}
