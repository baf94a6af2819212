import assert from "node:assert/strict";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { buildWeb } from "./build.ts";

/** The budget for the first load: the whole client, gzipped. */
const JS_BUDGET_GZIP = 100 * 1024;

Deno.test("web:build writes hashed assets, their .gz and .br, and an index.html pointing at them, within budget", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const m = await buildWeb(dir);
    const js = m.files["app.js"]!, css = m.files["app.css"]!;
    assert.match(js, /^assets\/app-[0-9a-f]{12}\.js$/);
    assert.match(css, /^assets\/app-[0-9a-f]{12}\.css$/);
    const html = await Deno.readTextFile(`${dir}/index.html`);
    assert.ok(html.includes(`src="/${js}"`) && html.includes(`href="/${css}"`));
    assert.doesNotMatch(html, /<script>|<style|style=/, "no inline script or style (CSP)");
    const raw = await Deno.readFile(`${dir}/${js}`);
    assert.deepEqual(gunzipSync(await Deno.readFile(`${dir}/${js}.gz`)), Buffer.from(raw));
    assert.deepEqual(
      brotliDecompressSync(await Deno.readFile(`${dir}/${js}.br`)),
      Buffer.from(raw),
    );
    const size = m.sizes[js]!;
    console.log(`app.js: ${size.raw} B, gzip ${size.gzip} B, brotli ${size.brotli} B`);
    assert.ok(size.gzip < JS_BUDGET_GZIP, `JS is ${size.gzip} B gzipped`);
    const again = await buildWeb(dir);
    assert.equal(again.files["app.js"], js, "the same sources give the same names");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
