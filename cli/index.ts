#!/usr/bin/env node
/**
 * The `funnelscope` command. Each sub-command lives in cli/commands/<name>.ts and exports
 * `register(program: Command): void`; this file only wires them together and maps errors to exit codes.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.js';

export async function main(argv: string[]): Promise<number> {
  const program = new Command();
  program
    .name('funnelscope')
    .description('Find the segment that broke your conversion funnel — offline, from Parquet or Kafka.')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str) });
  for (const register of commands) register(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) return 0;
      return 2;
    }
    const code = (err as { exitCode?: number }).exitCode;
    if (code === 3) return 3;
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`funnelscope: ${message}\n`);
    if (code === 2) return 2;
    if (process.env.FUNNELSCOPE_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return 2;
  }
}

function isEntryPoint(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}
if (isEntryPoint()) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
