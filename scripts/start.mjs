#!/usr/bin/env node
// `npm start` (after `npm run build`): open the desktop app on the embedded sample. When the Electron binary
// cannot be had, say so in one line and serve the same UI from the local web host instead, printing its URL.
//
// The binary is looked up WITHOUT require('electron'): that package downloads the binary lazily on first use,
// which hangs or fails offline. We read node_modules/electron/path.txt and check the file it names exists
// (the same lookup node_modules/electron/index.js does before it would start a download).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const forceWeb = args.includes('--web') || process.env.FUNNELSCOPE_WEB === '1';
const folderArg = args.find((a) => !a.startsWith('-')) ?? null;

/** @returns {{ exe: string } | { reason: string }} */
export function findElectronBinary(base = root, env = process.env) {
  const dir = path.join(base, 'node_modules', 'electron');
  if (!existsSync(path.join(dir, 'package.json'))) return { reason: 'the electron package is not installed' };
  const pathFile = path.join(dir, 'path.txt');
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  if (!existsSync(pathFile) && !override) {
    return {
      reason:
        'its binary was never downloaded: node_modules/electron/path.txt is missing, and it cannot be fetched offline',
    };
  }
  const rel = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : 'electron';
  const exe = override ? path.join(override, rel) : path.join(dir, 'dist', rel);
  if (!existsSync(exe)) return { reason: `its binary ${path.relative(base, exe)} is missing` };
  return { exe };
}

function noDisplay() {
  return process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
}

async function startWeb(reason) {
  if (reason) console.log(`Electron is not available (${reason}); serving the app in your browser instead.`);
  const serveModule = path.join(root, 'dist', 'cli', 'commands', 'serve.js');
  if (!existsSync(serveModule)) {
    console.log('The app is not built: run "npm run build" first (npm start does this for you).');
    process.exit(1);
  }
  const { runServe } = await import(pathToFileURL(serveModule).href);
  let web;
  try {
    web = await runServe({ folder: folderArg });
  } catch (err) {
    console.log(`Could not start the web host: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  }
  const stop = () => {
    web.close().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

async function main() {
  if (forceWeb) return startWeb(null);
  const found = findElectronBinary();
  if ('reason' in found) return startWeb(found.reason);
  if (noDisplay()) return startWeb('no display: DISPLAY/WAYLAND_DISPLAY are not set');
  const appArgs = [root, ...(folderArg ? [path.resolve(folderArg)] : ['--sample'])];
  const child = spawn(found.exe, appArgs, {
    stdio: 'inherit',
    env: { ...process.env, ELECTRON_RUN_AS_NODE: undefined },
  });
  const startedAt = Date.now();
  child.on('error', (err) => void startWeb(`it could not be started: ${err.message}`));
  child.on('exit', (code, signal) => {
    // a crash within the first seconds means Electron cannot run here: fall back rather than leave nothing
    if (code && Date.now() - startedAt < 5000) void startWeb(`it exited with code ${code} at start-up`);
    else process.exit(code ?? (signal ? 1 : 0));
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) void main();
