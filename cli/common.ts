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

/** stderr progress line, overwritten in place on a TTY. */
export function progress(message: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${message}`);
  else process.stderr.write(message + '\n');
}
export function progressDone(): void {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
}
