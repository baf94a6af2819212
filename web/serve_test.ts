import assert from "node:assert/strict";
import { Hono } from "hono";
import { pickEncoding, webClient } from "./serve.ts";

async function fixture() {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/assets`);
  const files: Record<string, string> = {
    "index.html": "<!doctype html><title>CoLink</title>",
    "assets/app-abc123.js": "console.log(1)",
    "robots.txt": "User-agent: *",
  };
  for (const [rel, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${dir}/${rel}`, text);
  }
  // Marked contents, so a test can tell which stored copy was sent.
  await Deno.writeTextFile(`${dir}/assets/app-abc123.js.br`, "BR");
  await Deno.writeTextFile(`${dir}/assets/app-abc123.js.gz`, "GZ");
  await Deno.writeTextFile(`${dir}/index.html.gz`, "GZ-INDEX");
  let prepared = 0;
  const app = new Hono();
  app.get("/api/v1/me", (c) => c.json({ me: true }));
  app.use(
    "/*",
    webClient({
      dir,
      isApi: (p) => p.startsWith("/api") || p.startsWith("/auth"),
      prepare: () => {
        prepared++;
        return Promise.resolve();
      },
    }),
  );
  app.notFound((c) => c.json({ error: { code: "route_not_found" } }, 404));
  return { app, dir, prepared: () => prepared };
}

Deno.test("hashed assets: immutable for a year, brotli or gzip as the browser accepts", async () => {
  const { app, dir } = await fixture();
  try {
    const br = await app.request("/assets/app-abc123.js", {
      headers: { "accept-encoding": "gzip, deflate, br" },
    });
    assert.equal(br.status, 200);
    assert.equal(br.headers.get("content-encoding"), "br");
    assert.equal(await br.text(), "BR");
    assert.equal(br.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assert.equal(br.headers.get("vary"), "Accept-Encoding");
    assert.match(br.headers.get("content-type")!, /^text\/javascript/);
    const gz = await app.request("/assets/app-abc123.js", {
      headers: { "accept-encoding": "gzip" },
    });
    assert.equal(gz.headers.get("content-encoding"), "gzip");
    assert.equal(await gz.text(), "GZ");
    const plain = await app.request("/assets/app-abc123.js");
    assert.equal(plain.headers.get("content-encoding"), null);
    assert.equal(await plain.text(), "console.log(1)");
    const missing = await app.request("/assets/app-nope.js");
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("client routes get index.html with no-cache and an ETag; API paths are left alone", async () => {
  const { app, dir, prepared } = await fixture();
  try {
    for (const path of ["/", "/w/colink/channel/00000000-0000-4000-8000-000000000001"]) {
      const res = await app.request(path);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get("cache-control"), "no-cache");
      assert.match(await res.text(), /<title>CoLink<\/title>/);
      const again = await app.request(path, {
        headers: { "if-none-match": res.headers.get("etag")! },
      });
      assert.equal(again.status, 304);
    }
    assert.equal(prepared(), 4, "a dev server may rebuild before each page");
    const gz = await app.request("/", { headers: { "accept-encoding": "gzip" } });
    assert.equal(await gz.text(), "GZ-INDEX");
    assert.deepEqual(await (await app.request("/api/v1/me")).json(), { me: true });
    const apiMissing = await app.request("/api/v1/nothing");
    assert.equal(apiMissing.status, 404);
    assert.equal((await apiMissing.json()).error.code, "route_not_found");
    const post = await app.request("/", { method: "POST" });
    assert.equal(post.status, 404, "only GET and HEAD reach the client");
    await post.body?.cancel();
    const robots = await app.request("/robots.txt");
    assert.equal(await robots.text(), "User-agent: *");
    const traversal = await app.request("/assets/..%2f..%2fetc%2fpasswd");
    assert.equal(traversal.status, 404);
    await traversal.body?.cancel();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("without a build the page says how to make one", async () => {
  const app = new Hono();
  app.use("/*", webClient({ dir: "/nonexistent-colink-dist", isApi: () => false }));
  const res = await app.request("/");
  assert.equal(res.status, 503);
  assert.match(await res.text(), /deno task web:build/);
});

Deno.test("pickEncoding() honours q=0 and the wildcard", () => {
  assert.deepEqual(pickEncoding("gzip, br"), ["br", "gzip"]);
  assert.deepEqual(pickEncoding("br;q=0, gzip;q=0.5"), ["gzip"]);
  assert.deepEqual(pickEncoding("*"), ["br", "gzip"]);
  assert.deepEqual(pickEncoding("identity"), []);
  assert.deepEqual(pickEncoding(undefined), []);
});
