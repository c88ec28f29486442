import { z } from 'zod';
import { parseDuration, parseSize } from '@lookout/otlp';
export { parseDuration, parseSize };

/** A byte size: a number of bytes or a string with a unit (B, KB, MB, GB, KiB, MiB, GiB). */
export const sizeSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const bytes = parseSize(value);
  if (bytes === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `'${value}' is not a size; write a number of bytes or a number with a unit, e.g. 4MiB, 512KiB, 10MB`,
    });
    return z.NEVER;
  }
  return bytes;
});

/** A duration: milliseconds as a number, or a string such as 250ms, 30s, 5m, 1h30m, 7d. */
export const durationSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `'${value}' is not a duration; write e.g. 250ms, 30s, 5m, 1h30m or 7d`,
    });
    return z.NEVER;
  }
  return ms;
});

export const portSchema = z
  .number({ error: 'a port must be a whole number from 0 to 65535 (0 picks a free port)' })
  .int()
  .min(0)
  .max(65535, 'a port must be from 0 to 65535');
