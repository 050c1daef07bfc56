/** `funnelscope tap` compaction flags: defaults, overrides, --no-compact and the messages for bad values. */
import { describe, expect, it } from 'vitest';
import { compactionOptions } from '../../cli/commands/tap.js';
import { DEFAULT_COMPACTION } from '../../electron/services/live/files.js';

describe('tap compaction flags', () => {
  it('defaults, overrides and --no-compact', () => {
    expect(compactionOptions({ compact: true })).toEqual(DEFAULT_COMPACTION);
    expect(
      compactionOptions({ compact: true, compactFiles: '16', compactMb: '32', compactRows: '500000' }),
    ).toEqual({ minFiles: 16, maxBytes: 32 * 2 ** 20, maxRows: 500_000 });
    expect(compactionOptions({ compact: false, compactFiles: '16' })).toBe(false);
  });

  it('bad values are usage errors that name the flag and the rule', () => {
    expect(() => compactionOptions({ compact: true, compactFiles: '1' })).toThrow(
      '--compact-files must be a whole number ≥ 2 (got "1")',
    );
    expect(() => compactionOptions({ compact: true, compactMb: '0' })).toThrow(
      '--compact-mb must be a number of megabytes > 0 (got "0")',
    );
    expect(() => compactionOptions({ compact: true, compactRows: 'many' })).toThrow(
      '--compact-rows must be a whole number ≥ 2 (got "many")',
    );
  });
});
