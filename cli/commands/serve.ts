/**
 * `funnelscope serve [FOLDER] [--port N] [--open]`: run the local web host (electron/host/web.ts) so the app's
 * UI works in any browser on this machine. Bound to 127.0.0.1 with a random session token; prints the URL
 * (with the token) and serves until Ctrl+C. Without FOLDER the UI opens the embedded sample (generated into the
 * user data directory on first use).
 *
 * `runServe` is also what `npm start` falls back to when the Electron binary is not available.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { startWebHost, type WebHost } from '../../electron/host/web.js';
import { InputError, UsageError } from '../common.js';

export interface ServeOptions {
  folder?: string | null;
  port?: number;
  open?: boolean;
  /** the built renderer; default: dist/renderer next to the built CLI (or FUNNELSCOPE_RENDERER_DIR) */
  staticDir?: string;
  /** Chromium for File ▸ Export Incident Report… (default FUNNELSCOPE_CHROMIUM, else /usr/bin/chromium) */
  chromium?: string;
  /** where to print (default stdout) */
  print?: (line: string) => void;
}

/** dist/renderer, whether this file runs built (dist/cli/commands) or from source through tsx (cli/commands). */
export function defaultRendererDir(): string {
  if (process.env.FUNNELSCOPE_RENDERER_DIR) return path.resolve(process.env.FUNNELSCOPE_RENDERER_DIR);
  const here = path.dirname(fileURLToPath(import.meta.url));
  const built = here.split(path.sep).includes('dist');
  return built
    ? path.resolve(here, '..', '..', 'renderer')
    : path.resolve(here, '..', '..', 'dist', 'renderer');
}

/** version from package.json (two levels above cli/commands in both the source and the dist layout) */
function appVersion(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const up of ['../..', '../../..']) {
    try {
      const pkg = JSON.parse(readFileSync(path.resolve(here, up, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'funnelscope' && pkg.version) return pkg.version;
    } catch {
      /* try the next level */
    }
  }
  return '0.0.0';
}

export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw new UsageError(`--port must be an integer between 0 and 65535, got "${value}"`);
  }
  return n;
}

function openBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args as string[], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    /* the URL is printed anyway */
  }
}

/** Start the web host and print where it is. The caller decides how long it runs (close() to stop). */
export async function runServe(options: ServeOptions = {}): Promise<WebHost> {
  const print = options.print ?? ((line: string) => process.stdout.write(line + '\n'));
  let folder: string | null = null;
  if (options.folder) {
    folder = path.resolve(options.folder);
    let isDir = false;
    try {
      const st = statSync(folder);
      isDir = st.isDirectory() || (st.isFile() && /\.parquet$/i.test(folder));
    } catch {
      throw new InputError(`no such folder: ${folder}`);
    }
    if (!isDir) throw new InputError(`not a folder of Parquet files: ${folder}`);
  }
  const staticDir = options.staticDir ?? defaultRendererDir();
  let web: WebHost;
  try {
    web = await startWebHost({
      port: options.port,
      folder,
      staticDir,
      appVersion: appVersion(),
      chromiumPath: options.chromium,
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE')
      throw new InputError(`port ${options.port} is already in use on 127.0.0.1; pick another with --port`);
    throw err;
  }
  print(`Funnelscope is running at ${web.url}`);
  print(`  data: ${folder ?? 'the embedded sample (generated on first use)'}`);
  if (!existsSync(path.join(staticDir, 'index.html'))) {
    print(
      `  warning: the UI is not built (${staticDir} has no index.html) — run "npm run build"; the API still answers`,
    );
  }
  print(
    '  only this machine can connect (127.0.0.1) and only with the token in the URL. Press Ctrl+C to stop.',
  );
  if (options.open) openBrowser(web.url);
  return web;
}

/** Resolve when the process is asked to stop. */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}

export function register(program: Command): void {
  program
    .command('serve')
    .description(
      'Serve the Funnelscope UI on http://127.0.0.1 (token-protected) for a browser; without FOLDER, the sample',
    )
    .argument('[folder]', 'folder of clickstream Parquet files (or one .parquet file)')
    .option('--port <n>', 'port on 127.0.0.1 (default: a free one)', parsePort)
    .option('--open', 'open the URL in the default browser')
    .option(
      '--chromium <path>',
      'Chromium for exporting the PDF report (default $FUNNELSCOPE_CHROMIUM or /usr/bin/chromium)',
    )
    .action(
      async (folder: string | undefined, opts: { port?: number; open?: boolean; chromium?: string }) => {
        const web = await runServe({ folder, port: opts.port, open: opts.open, chromium: opts.chromium });
        await untilSignal();
        await web.close();
      },
    );
}
