import { z } from 'zod';
import { durationSchema, sizeSchema } from '../core/units.ts';
import { LOG_FORMATS, resolveLogFormat } from './formats.ts';
import type { LogFormat } from './formats.ts';
import type { LogStreamOptions } from './log-stream.ts';
import { compileLogPattern, LogPatternError } from './pattern-parser.ts';

/** `UTC`, `Z`, `+02:00`, `-0530` → minutes east of UTC; undefined when not an offset. */
export function parseUtcOffset(text: string): number | undefined {
  const t = text.trim();
  if (t === 'UTC' || t === 'Z' || t === 'GMT') return 0;
  const match = /^(?:UTC|GMT)?([+-])(\d{2}):?(\d{2})$/.exec(t);
  if (!match) return undefined;
  const hours = Number(match[2]);
  const minutes = Number(match[3]);
  if (hours > 14 || minutes > 59) return undefined;
  return (match[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

const formatSchema = z
  .string()
  .default('auto')
  .transform((name, ctx): LogFormat | 'auto' => {
    if (name === 'auto') return 'auto';
    const format = resolveLogFormat(name);
    if (format === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown log format '${name}'; use auto or one of ${LOG_FORMATS.join(', ')} (or set pattern for a custom layout)`,
      });
      return z.NEVER;
    }
    return format;
  })
  .describe('the stream\'s format; auto detects it from the first lines');

const patternSchema = z
  .string()
  .superRefine((pattern, ctx) => {
    try {
      compileLogPattern(pattern);
    } catch (error) {
      if (!(error instanceof LogPatternError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message });
    }
  })
  .describe('a custom layout with <name> placeholders, e.g. `<ip> - - [<_>] "<method> <path> <_>" <status>`; wins over format');

const regexSchema = z.string().superRefine((source, ctx) => {
  try {
    new RegExp(source);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `startPattern is not a valid regular expression: ${(error as Error).message}` });
  }
});

const multilineOptionsSchema = z.strictObject({
  startPattern: regexSchema
    .optional()
    .describe('a line matching this regex starts a new entry; default: join by line shape (indentation, at …, Caused by:, Traceback)'),
  maxLines: z.number().int().positive().default(500),
  maxBytes: sizeSchema.default(64 * 1024),
  timeout: durationSchema.default(1000).describe('an entry with no new line for this long is complete'),
});

/** `false`, or the options; checked by hand so that errors point inside the options rather than "invalid input". */
const multilineSchema = z.unknown().transform((value, ctx): false | z.output<typeof multilineOptionsSchema> => {
  if (value === false) return false;
  const result = multilineOptionsSchema.safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  return z.NEVER;
});

/** How one log stream is parsed; embed it in a receiver's or file's config. */
export const logParsingSchema = z
  .strictObject({
    format: formatSchema,
    pattern: patternSchema.optional(),
    utcOffset: z
      .string()
      .default('UTC')
      .superRefine((text, ctx) => {
        if (parseUtcOffset(text) === undefined) {
          ctx.addIssue({ code: 'custom', message: `'${text}' is not a UTC offset; write UTC, +02:00 or -0530` });
        }
      })
      .describe('zone of timestamps written without one (syslog RFC 3164, Apache error log, most Java layouts)'),
    detectLines: z.number().int().positive().max(1000).default(20).describe('auto: decide the format within this many lines'),
    multiline: multilineSchema.optional().describe('join stack traces into one record; false for sources that frame messages'),
    json: z
      .strictObject({
        messageKey: z.string().default('msg'),
        errorKey: z.string().default('err'),
        customLevels: z.record(z.string(), z.number()).optional().describe('pino customLevels, to name custom levels'),
      })
      .prefault({}),
  })
  .prefault({});

export type LogParsingConfig = z.output<typeof logParsingSchema>;

/** Validated config → options for `createLogStream`. */
export function toLogStreamOptions(config: LogParsingConfig): LogStreamOptions {
  const options: LogStreamOptions = {
    format: config.format,
    utcOffsetMinutes: parseUtcOffset(config.utcOffset) ?? 0,
    maxLines: config.detectLines,
    messageKey: config.json.messageKey,
    errorKey: config.json.errorKey,
  };
  if (config.pattern !== undefined) options.pattern = config.pattern;
  if (config.json.customLevels !== undefined) options.customLevels = config.json.customLevels;
  if (config.multiline === false) {
    options.multiline = false;
  } else if (config.multiline !== undefined) {
    const { startPattern, maxLines, maxBytes, timeout } = config.multiline;
    options.multiline = { maxLines, maxBytes, timeoutMs: timeout };
    if (startPattern !== undefined) options.multiline.startPattern = startPattern;
  }
  return options;
}
