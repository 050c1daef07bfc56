/**
 * Conventions shared by every `funnelscope` command:
 * - human-readable output on stdout by default, `--json` for scripts (camelCase, dates YYYY-MM-DD);
 * - progress on stderr;
 * - exit 0 on success whatever is found, 3 when `--fail-on` matched, 2 with one clear message on bad usage
 *   or bad input (throw a UsageError / InputError and cli/index.ts prints it).
 */
export class UsageError extends Error {
  readonly exitCode = 2;
}
export class InputError extends Error {
  readonly exitCode = 2;
}
/** Thrown (after output was written) when --fail-on matched. */
export class FailOnMatch extends Error {
  readonly exitCode = 3;
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

let lastProgress = 0;
/** stderr progress line: overwritten in place on a TTY (10/s at most), one line per 2 s otherwise. */
export function progress(message: string): void {
  const now = Date.now();
  if (now - lastProgress < (process.stderr.isTTY ? 100 : 2000)) return;
  lastProgress = now;
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${message}`);
  else process.stderr.write(message + '\n');
}
export function progressDone(): void {
  lastProgress = 0;
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
}
