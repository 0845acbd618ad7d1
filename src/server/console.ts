/**
 * The web console at `/console/`: one HTML page, its stylesheet, and its
 * script, which esbuild bundles from src/console/app.ts (with the typed
 * client it uses) the first time it is asked for, and keeps in memory. No
 * build step: `npm start` serves it.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';
import { build } from 'esbuild';

const DIR = fileURLToPath(new URL('../console/', import.meta.url));

let bundle: Promise<string> | null = null;

/** The console's script, bundled once. */
export function consoleScript(): Promise<string> {
  bundle ??= build({
    entryPoints: [`${DIR}app.ts`],
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  }).then(
    (r) => r.outputFiles[0]!.text,
    (err: Error) => {
      bundle = null;
      throw new Error(`bundling the console failed: ${err.message}`);
    },
  );
  return bundle;
}

export function consoleRoutes(app: Hono): void {
  app.get('/console', (c) => c.redirect('/console/', 301));
  app.get('/console/', async (c) => c.body(await readFile(`${DIR}index.html`, 'utf8'), 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' }));
  app.get('/console/style.css', async (c) => c.body(await readFile(`${DIR}style.css`, 'utf8'), 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'no-cache' }));
  app.get('/console/app.js', async (c) => c.body(await consoleScript(), 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }));
}
