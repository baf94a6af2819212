// Baseline for the start-up benchmark: the smallest Deno HTTP server answering /health.
const port = Number(Deno.args[0]);
Deno.serve({ port, hostname: "127.0.0.1", onListen() {} }, () => Response.json({ status: "ok" }));
