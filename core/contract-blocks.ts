/**
 * Building blocks of the host contract (core/contract.ts): the zod schemas that requests of several operations
 * share (ids, dates, column names, periods, segments, detector settings). A separate module so that the
 * feature contracts (core/contract-business.ts, core/contract-live.ts) can use them without an import cycle with
 * core/contract.ts, which re-exports everything here. Pure TypeScript + zod.
 */
import { z } from 'zod';
import { MappingFileSchema } from './schema.js';
// ------------------------------------------------------------------------------------------- building blocks

export const requestIdSchema = z
  .string({ error: 'must be a string' })
  .regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'must be 1-100 characters of letters, digits, _ . : -');

export const datasetIdSchema = z
  .string({ error: 'must be a string' })
  .regex(/^ds-[a-z0-9-]{1,64}$/, 'must look like "ds-…" (as returned by openFolder/openSample)');

export const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
export const isoDay = z
  .string({ error: 'must be a date string YYYY-MM-DD' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((s) => {
    if (!ISO_DAY.test(s)) return true; // already reported by the regex
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, 'is not a valid calendar date');
export const ISO_DAY_OK = (s: unknown): s is string => {
  if (typeof s !== 'string' || !ISO_DAY.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
};

/** A column / dimension name as it appears in the data (letters, digits, _ ; what the SQL builders accept). */
export const columnNameSchema = z
  .string({ error: 'must be a column name string' })
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]{0,127}$/,
    'must be a column name (letters, digits, _; not starting with a digit)',
  );

export const folderSchema = z
  .string({ error: 'must be a string (an absolute folder path)' })
  .min(1, 'must not be empty')
  .max(4096, 'path is too long')
  .refine((s) => !s.includes('\0'), 'must not contain NUL characters');

/**
 * Column mapping override: the mapping JSON of core/schema.ts (`MappingFileSchema`: every field optional, over
 * a named or auto-detected layout). Whether the named columns exist is checked by the dataset service, which
 * answers with a specific message (e.g. "mapping names column(s) the file does not have: uid").
 */
export const mappingSchema = MappingFileSchema;
export type MappingInput = z.infer<typeof mappingSchema>;

export const strict = <T extends z.ZodRawShape>(shape: T) => z.strictObject(shape);

/** An inclusive day period {from, to}, from ≤ to. */
export const periodSchema = z
  .strictObject({ from: isoDay, to: isoDay }, { error: 'must be a period {from, to}' })
  .refine((p) => !ISO_DAY_OK(p.from) || !ISO_DAY_OK(p.to) || p.from <= p.to, {
    message: 'from must not be after to',
    path: ['from'],
  });

/** Detector settings as the calendar view edits them (core/types.ts DetectorSettings; omitted = profile default). */
export const detectorSettingsSchema = z.strictObject(
  {
    profile: z.enum(['seed', 'robust'], { error: 'must be "seed" or "robust"' }).default('robust'),
    sigma: z
      .number({ error: 'must be a number' })
      .gt(0, 'must be greater than 0')
      .max(20, 'must be at most 20')
      .optional(),
    weeks: z
      .number({ error: 'must be a number' })
      .int('must be a whole number of weeks')
      .min(1, 'must be at least 1')
      .max(52, 'must be at most 52')
      .optional(),
    streak: z
      .number({ error: 'must be a number' })
      .int('must be a whole number of days')
      .min(1, 'must be at least 1')
      .max(60, 'must be at most 60')
      .optional(),
    minViews: z
      .number({ error: 'must be a number' })
      .min(0, 'must not be negative')
      .max(1e9, 'is too large')
      .optional(),
    directions: z
      .array(z.enum(['drop', 'spike'], { error: 'must be "drop" or "spike"' }))
      .min(1, 'must name at least one direction')
      .max(2)
      .optional(),
  },
  { error: 'must be an object of detector settings' },
);

/** A segment: dimension → value, e.g. {device: 'mobile', os: 'ios', browser: 'safari'}. */
export const segmentSchema = z
  .record(
    columnNameSchema,
    z.string({ error: 'must be a string value' }).min(1, 'must not be empty').max(200),
    {
      error: (issue) =>
        issue.code === 'invalid_type'
          ? 'must be an object {dimension: value}'
          : issue.code === 'invalid_key'
            ? 'must be a dimension name (letters, digits, _; not starting with a digit)'
            : undefined,
    },
  )
  .refine((s) => Object.keys(s).length <= 8, 'at most 8 dimensions');
