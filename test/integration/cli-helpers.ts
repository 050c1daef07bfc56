import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const sharedData = path.resolve(repoRoot, '../shared/data');
export const realEvents = path.join(sharedData, 'retailrocket_contaminated_events.parquet');

/** The reference data is required under CI; elsewhere a missing copy is reported by the test itself. */
export function requireSharedData(): void {
  if (!existsSync(realEvents))
    throw new Error(`reference data missing: ${realEvents} (the repository expects ../shared/data next to it)`);
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the `funnelscope` CLI from source (tsx), as a user would run the built one. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'cli/index.ts'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
