/**
 * Baseline for bench:realtime (shared/bench/realtime.ts): the smallest Deno WebSocket broadcast
 * server that speaks the subset of CoLink's socket protocol the benchmark's clients use.
 *
 *   deno run --allow-net shared/bench/raw_ws_server.ts <port> '{"<token>": ["<channel id>", ...]}'
 *
 * The second argument says who follows which channel (the token of an auth frame is taken as the
 * user's name: no verification).
 * - `GET /ws`: `{"type":"auth","token":...}` → `{"type":"hello","user_id","cursor"}`, then event
 *   frames of the user's channels, shaped and sized like CoLink's `message.created` frames.
 * - `POST /send` `{channel_id, user_id, content}` → 201 `{id}`: one frame, serialized once, sent
 *   to every socket following the channel before answering.
 * - SIGTERM/SIGINT: new sockets are refused (503) and every open one closes with 1012, as CoLink's
 *   instance does when it stops; the process exits once they are closed (at most 2 s).
 *
 * No database, no log, no resume (a resume cursor is accepted and ignored), no authentication:
 * what is left is Deno's HTTP server, its WebSocket implementation and a Map of Sets.
 */
const port = Number(Deno.args[0]);
if (!Number.isInteger(port) || port <= 0) {
  console.error(
    `usage: deno run --allow-net shared/bench/raw_ws_server.ts <port> '{"<token>": ["<channel>"]}'`,
  );
  Deno.exit(64);
}
const members = new Map<string, string[]>(Object.entries(JSON.parse(Deno.args[1] ?? "{}")));

const EPOCH = crypto.randomUUID();
let position = 0;
const followers = new Map<string, Set<WebSocket>>();
const open = new Set<WebSocket>();

function follow(ws: WebSocket, channels: readonly string[]) {
  for (const c of channels) {
    let set = followers.get(c);
    if (!set) followers.set(c, set = new Set());
    set.add(ws);
  }
}

function unfollow(ws: WebSocket, channels: readonly string[]) {
  for (const c of channels) followers.get(c)?.delete(ws);
}

function socket(req: Request): Response {
  const { socket: ws, response } = Deno.upgradeWebSocket(req);
  let channels: string[] | undefined;
  ws.onopen = () => open.add(ws);
  ws.onmessage = (e) => {
    if (channels || typeof e.data !== "string") return;
    let token: unknown;
    try {
      token = JSON.parse(e.data).token;
    } catch { /* not JSON */ }
    if (typeof token !== "string") return ws.close(4401, "expected an auth frame");
    channels = members.get(token) ?? [];
    follow(ws, channels);
    ws.send(JSON.stringify({ type: "hello", user_id: token, cursor: `${EPOCH}.${position}` }));
  };
  ws.onclose = () => {
    open.delete(ws);
    if (channels) unfollow(ws, channels);
  };
  return response;
}

async function send(req: Request): Promise<Response> {
  const body = await req.json() as { channel_id: string; user_id?: string; content: string };
  const id = crypto.randomUUID();
  const now = new Date().toISOString();
  position++;
  // The same fields as a CoLink message, so frames are the same size.
  const frame = JSON.stringify({
    type: "event",
    cursor: `${EPOCH}.${position}`,
    event: "message.created",
    data: {
      id,
      channel_id: body.channel_id,
      dm_id: null,
      user_id: body.user_id ?? "00000000-0000-4000-8000-000000000000",
      parent_id: null,
      seq: position,
      content: body.content,
      mentions: [],
      created_at: now,
      edited_at: null,
      deleted_at: null,
      reply_count: 0,
      last_reply_at: null,
      reactions: [],
      files: [],
    },
  });
  for (const ws of followers.get(body.channel_id) ?? []) {
    if (ws.readyState === WebSocket.OPEN) ws.send(frame);
  }
  return Response.json({ id, channel_id: body.channel_id }, { status: 201 });
}

const server = Deno.serve({ port, hostname: "127.0.0.1", onListen() {} }, async (req) => {
  const path = new URL(req.url).pathname;
  // Stopping: refuse new sockets (they would be cut off with Deno's 1001 a moment later).
  if (path === "/ws") return stopping ? new Response("restarting", { status: 503 }) : socket(req);
  if (path === "/send" && req.method === "POST") return await send(req);
  if (path === "/health") return Response.json({ status: "ok" });
  return new Response("not found", { status: 404 });
});

let stopping = false;
const stop = async () => {
  stopping = true;
  for (const ws of open) ws.close(1012, "server restarting; resume");
  // Deno's server.shutdown() closes sockets still open with its own 1001: let the 1012s finish.
  for (let waited = 0; open.size && waited < 2_000; waited += 10) {
    await new Promise((r) => setTimeout(r, 10));
  }
  await Promise.race([server.shutdown(), new Promise((r) => setTimeout(r, 5_000))]);
  Deno.exit(0);
};
Deno.addSignalListener("SIGTERM", stop);
Deno.addSignalListener("SIGINT", stop);
