/**
 * Builds the web client into web/dist/: the bundle (`deno bundle`, minified, for browsers) and
 * the stylesheet under content-hashed names in assets/, index.html pointing at them, the files of
 * web/public/ as they are, and a .gz and .br beside every text file so the server never
 * compresses on the fly. A manifest records a hash of the inputs, so a server can tell whether
 * the build is stale without rebuilding.
 *
 *   deno task web:build
 */
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const WEB = new URL("./", import.meta.url);
const ROOT = new URL("../", WEB);
export const DIST_DIR: string = new URL("dist/", WEB).pathname;

const COMPRESSIBLE = /\.(js|css|html|svg|txt|json|map)$/;
/** Old hashed assets stay this long after a rebuild, for pages loaded before it. */
const KEEP_OLD_ASSETS_MS = 60 * 60_000;

export interface BuildManifest {
  /** Hash of everything the build reads (see `inputFiles`). */
  inputs: string;
  built_at: string;
  /**
   * Logical name → path under dist/ (e.g. "app.js" → "assets/app-1a2b3c4d5e.js", and
   * "chunks/<name>" for each chunk the bundler split off).
   */
  files: Record<string, string>;
  /** The JS files index.html loads, in order (chunks the entry imports, then the entry). */
  initial_js?: string[];
  /** Bytes of each file as served: raw, gzip, brotli. */
  sizes: Record<string, { raw: number; gzip: number; brotli: number }>;
}

async function* walk(dir: URL): AsyncGenerator<URL> {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    return;
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const u = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
    if (e.isDirectory) yield* walk(u);
    else if (!/_test\.tsx?$/.test(e.name)) yield u;
  }
}

/** Everything a build depends on: sources, template, public files, this script, configs, lock. */
export async function inputFiles(): Promise<URL[]> {
  const files: URL[] = [];
  for (const dir of ["src/", "public/"]) {
    for await (const f of walk(new URL(dir, WEB))) files.push(f);
  }
  files.push(
    new URL("index.html", WEB),
    new URL("build.ts", WEB),
    new URL("deno.json", WEB),
    new URL("deno.json", ROOT),
    new URL("deno.lock", ROOT),
  );
  return files;
}

const hex = (buf: ArrayBuffer) =>
  [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");

export async function inputsHash(): Promise<string> {
  const parts: Uint8Array[] = [];
  const enc = new TextEncoder();
  for (const f of await inputFiles()) {
    parts.push(enc.encode(`\0${f.pathname.slice(WEB.pathname.length)}\0`));
    try {
      parts.push(await Deno.readFile(f));
    } catch {
      parts.push(enc.encode("(missing)"));
    }
  }
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return hex(await crypto.subtle.digest("SHA-256", all));
}

export async function readManifest(dir = DIST_DIR): Promise<BuildManifest | null> {
  try {
    return JSON.parse(await Deno.readTextFile(`${dir}/manifest.json`));
  } catch {
    return null;
  }
}

/** Writes via a temporary name and a rename: a concurrent reader never sees half a file. */
async function writeAtomic(path: string, data: Uint8Array): Promise<void> {
  const tmp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  await Deno.writeFile(tmp, data);
  await Deno.rename(tmp, path);
}

async function emit(
  dir: string,
  rel: string,
  data: Uint8Array,
  sizes: BuildManifest["sizes"],
): Promise<void> {
  const path = `${dir}/${rel}`;
  await writeAtomic(path, data);
  if (!COMPRESSIBLE.test(rel)) {
    sizes[rel] = { raw: data.length, gzip: data.length, brotli: data.length };
    return;
  }
  const gz = gzipSync(data, { level: 9 });
  const br = brotliCompressSync(data, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  });
  await writeAtomic(`${path}.gz`, gz);
  await writeAtomic(`${path}.br`, br);
  sizes[rel] = { raw: data.length, gzip: gz.length, brotli: br.length };
}

async function contentName(
  base: string,
  ext: string,
  data: Uint8Array<ArrayBuffer>,
): Promise<string> {
  const h = hex(await crypto.subtle.digest("SHA-256", data)).slice(0, 12);
  return `assets/${base}-${h}.${ext}`;
}

/** What `deno bundle` made: the entry, and the chunks it imports or loads on demand. */
interface Bundle {
  entry: Uint8Array<ArrayBuffer>;
  /** File name (already content-hashed by the bundler, e.g. `chunk-AB12CD34.js`) → bytes. */
  chunks: Map<string, Uint8Array<ArrayBuffer>>;
}

/** Relative imports in a minified ES module: static (`from"./x.js"`, `import"./x.js"`) only. */
export function staticImports(code: string): string[] {
  const out = new Set<string>();
  for (const m of code.matchAll(/(?:\bfrom|\bimport)\s*["']\.\/([\w.-]+\.js)["']/g)) {
    out.add(m[1]!);
  }
  return [...out];
}

/**
 * Runs `deno bundle` on web/src/main.tsx with code splitting: what only a lazy view needs (the
 * admin panel) is its own chunk, loaded when that view opens; code shared with it is a chunk
 * of its own that the entry imports.
 */
async function bundle(): Promise<Bundle> {
  const tmp = await Deno.makeTempDir({ prefix: "colink-web-" });
  try {
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--quiet",
        "--platform=browser",
        "--minify",
        "--code-splitting",
        `--outdir=${tmp}`,
        new URL("src/main.tsx", WEB).pathname,
      ],
      cwd: ROOT.pathname,
      env: { NO_COLOR: "1" },
      stdout: "null",
      stderr: "piped",
    }).output();
    if (code !== 0) {
      throw new Error(`deno bundle failed:\n${new TextDecoder().decode(stderr)}`);
    }
    const chunks = new Map<string, Uint8Array<ArrayBuffer>>();
    for (const e of [...Deno.readDirSync(tmp)].sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.isFile && e.name !== "main.js" && e.name.endsWith(".js")) {
        chunks.set(e.name, await Deno.readFile(`${tmp}/${e.name}`));
      }
    }
    return { entry: await Deno.readFile(`${tmp}/main.js`), chunks };
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

/** The chunks the entry needs before it runs: its static imports, and theirs. */
function initialChunks(b: Bundle): string[] {
  const seen: string[] = [];
  const visit = (code: Uint8Array) => {
    for (const name of staticImports(new TextDecoder().decode(code))) {
      const chunk = b.chunks.get(name);
      if (!chunk || seen.includes(name)) continue;
      seen.push(name);
      visit(chunk);
    }
  };
  visit(b.entry);
  return seen;
}

/** Builds into `dir` (default web/dist/) and returns the manifest it wrote. */
export async function buildWeb(dir = DIST_DIR): Promise<BuildManifest> {
  const inputs = await inputsHash();
  const js = await bundle();
  const css = await Deno.readFile(new URL("src/styles.css", WEB));
  const icon = await Deno.readFile(new URL("src/icon.svg", WEB));
  await Deno.mkdir(`${dir}/assets`, { recursive: true });
  const files: BuildManifest["files"] = {
    "app.js": await contentName("app", "js", js.entry),
    "app.css": await contentName("app", "css", css),
    "icon.svg": await contentName("icon", "svg", icon),
  };
  const sizes: BuildManifest["sizes"] = {};
  // Chunks first (the entry imports them by these names), the entry after them.
  for (const [name, data] of js.chunks) {
    files[`chunks/${name}`] = `assets/${name}`;
    await emit(dir, `assets/${name}`, data, sizes);
  }
  await emit(dir, files["app.js"]!, js.entry, sizes);
  await emit(dir, files["app.css"]!, css, sizes);
  await emit(dir, files["icon.svg"]!, icon, sizes);
  for await (const f of walk(new URL("public/", WEB))) {
    const rel = f.pathname.slice(new URL("public/", WEB).pathname.length);
    await Deno.mkdir(`${dir}/${rel}`.replace(/\/[^/]+$/, ""), { recursive: true });
    await emit(dir, rel, await Deno.readFile(f), sizes);
    files[rel] = rel;
  }
  const initialJs = [...initialChunks(js).map((n) => `assets/${n}`), files["app.js"]!];
  const template = await Deno.readTextFile(new URL("index.html", WEB));
  const entryTag = `<script type="module" src="%JS%"></script>`;
  if (!template.includes(entryTag)) throw new Error(`web/index.html has no ${entryTag}`);
  // Every script the first load runs is a tag of its own, so the browser fetches them in
  // parallel and whatever measures the first load (bench:web) counts them all.
  const scripts = initialJs.map((f) => `<script type="module" src="/${f}"></script>`)
    .join("\n    ");
  const html = template
    .replace(entryTag, scripts)
    .replace("%CSS%", `/${files["app.css"]}`)
    .replace("%ICON%", `/${files["icon.svg"]}`);
  // index.html last: until it is replaced, it points at assets that exist.
  await emit(dir, "index.html", new TextEncoder().encode(html), sizes);
  files["index.html"] = "index.html";
  const manifest: BuildManifest = {
    inputs,
    built_at: new Date().toISOString(),
    files,
    initial_js: initialJs,
    sizes,
  };
  await writeAtomic(
    `${dir}/manifest.json`,
    new TextEncoder().encode(JSON.stringify(manifest, null, 2)),
  );
  await pruneAssets(dir, new Set(Object.values(files)));
  return manifest;
}

/** Bytes of the JS the first load runs (the entry and the chunks it imports), gzipped. */
export function initialJsGzip(m: BuildManifest): number {
  return (m.initial_js ?? [m.files["app.js"]!]).reduce((n, f) => n + (m.sizes[f]?.gzip ?? 0), 0);
}

async function pruneAssets(dir: string, keep: Set<string>): Promise<void> {
  const now = Date.now();
  for (const e of Deno.readDirSync(`${dir}/assets`)) {
    const rel = `assets/${e.name.replace(/\.(gz|br)$/, "")}`;
    if (keep.has(rel)) continue;
    const path = `${dir}/assets/${e.name}`;
    const st = await Deno.stat(path).catch(() => null);
    if (st && now - (st.mtime?.getTime() ?? now) > KEEP_OLD_ASSETS_MS) {
      await Deno.remove(path).catch(() => {});
    }
  }
}

/** Builds when the inputs changed since the last build; true if it built. */
export async function buildIfStale(dir = DIST_DIR): Promise<boolean> {
  const [manifest, inputs] = await Promise.all([readManifest(dir), inputsHash()]);
  if (manifest?.inputs === inputs) return false;
  await buildWeb(dir);
  return true;
}

/** Whether the web client's sources are here (a source checkout, not a compiled binary). */
export function haveSources(): boolean {
  try {
    return Deno.statSync(new URL("src/main.tsx", WEB)).isFile;
  } catch {
    return false;
  }
}

/**
 * For a server running from a source checkout: returns a function that makes sure web/dist/
 * matches the sources before a page is served, building only when they changed (one build at a
 * time; requests during it wait for it). A failed build is reported once per change of inputs and
 * the previous build, if any, keeps being served.
 */
export function keepFresh(
  o: { dir?: string; log: (level: "info" | "warn", msg: string, fields?: object) => void },
): () => Promise<void> {
  const dir = o.dir ?? DIST_DIR;
  let running: Promise<void> | undefined;
  let failedFor = "";
  const check = async () => {
    const [manifest, inputs] = await Promise.all([readManifest(dir), inputsHash()]);
    if (manifest?.inputs === inputs || failedFor === inputs) return;
    const started = performance.now();
    try {
      const m = await buildWeb(dir);
      o.log("info", "web client built", {
        ms: Math.round(performance.now() - started),
        js_gzip_bytes: initialJsGzip(m),
      });
    } catch (e) {
      failedFor = inputs;
      o.log("warn", "web client build failed; serving the previous build if there is one", {
        err: (e as Error).message,
      });
    }
  };
  return () => {
    running ??= check().finally(() => (running = undefined));
    return running;
  };
}

if (import.meta.main) {
  const m = await buildWeb();
  const rows = Object.entries(m.sizes).map(([f, s]) =>
    `${f.padEnd(34)} ${String(s.raw).padStart(8)} ${String(s.gzip).padStart(8)} ${
      String(s.brotli).padStart(8)
    }`
  );
  console.log(
    `${"file".padEnd(34)} ${"raw".padStart(8)} ${"gzip".padStart(8)} ${"brotli".padStart(8)}`,
  );
  console.log(rows.join("\n"));
  console.log(`built into ${DIST_DIR}`);
}
