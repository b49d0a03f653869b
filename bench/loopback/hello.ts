/** The hello-world baseline: the cheapest Deno.serve answer. `deno run --allow-net hello.ts <port>` */
Deno.serve(
  { hostname: "127.0.0.1", port: Number(Deno.args[0]), onListen: () => {} },
  () => new Response("Hello, world"),
);
