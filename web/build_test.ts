import assert from "node:assert/strict";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { buildWeb, initialJsGzip, staticImports } from "./build.ts";

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
    // Every JS file the first load runs is a script tag, the entry last; the admin and search
    // views are not.
    const scripts = [...html.matchAll(/<script type="module" src="\/([^"]+)"><\/script>/g)]
      .map((x) => x[1]);
    assert.deepEqual(scripts, m.initial_js);
    assert.equal(scripts.at(-1), js);
    for (const view of ["AdminView", "SearchView"]) {
      const lazy = Object.values(m.files).filter((f) =>
        new RegExp(`^assets/${view}-\\w+\\.js$`).test(f)
      );
      assert.equal(lazy.length, 1, `${view} is a chunk of its own`);
      assert.ok(!scripts.includes(lazy[0]!), "and not part of the first load");
    }
    for (const f of scripts) await Deno.stat(`${dir}/${f}`);
    assert.doesNotMatch(html, /<script>|<style|style=/, "no inline script or style (CSP)");
    const raw = await Deno.readFile(`${dir}/${js}`);
    assert.deepEqual(gunzipSync(await Deno.readFile(`${dir}/${js}.gz`)), Buffer.from(raw));
    assert.deepEqual(
      brotliDecompressSync(await Deno.readFile(`${dir}/${js}.br`)),
      Buffer.from(raw),
    );
    const size = m.sizes[js]!;
    console.log(`app.js: ${size.raw} B, gzip ${size.gzip} B, brotli ${size.brotli} B`);
    const initial = initialJsGzip(m);
    console.log(`initial JS (${m.initial_js!.length} files): gzip ${initial} B`);
    assert.ok(initial < JS_BUDGET_GZIP, `the first load's JS is ${initial} B gzipped`);
    const again = await buildWeb(dir);
    assert.equal(again.files["app.js"], js, "the same sources give the same names");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("staticImports() finds a minified module's static imports, not its dynamic ones", () => {
  const code = `import{a as o}from"./chunk-HQVZNHHN.js";import"./side-1.js";` +
    `let c=await import("./AdminView-E77JK3HF.js");export{x}from './re-2.js';`;
  assert.deepEqual(staticImports(code), ["chunk-HQVZNHHN.js", "side-1.js", "re-2.js"]);
});
