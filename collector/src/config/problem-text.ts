/**
 * Human text for a schema issue whose message is the validator's own (`Too small:
 * expected number to be >0`): what is wrong with the key, and how to write it right.
 * Messages the schema wrote itself are kept as they are. Pure.
 */

export interface IssueFacts {
  code: string;
  message: string;
  expected?: string;
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  values?: unknown[];
  format?: string;
}

export interface IssueContext {
  /** the key the issue is about (last path element), e.g. maxItems */
  key: string;
  /** the value found in the file (undefined when the key is missing) */
  found: unknown;
  /** the value found as the message shows it ("(hidden)" for secrets) */
  foundText: string;
  /** the key's default, when it has one */
  defaultValue?: unknown;
  /** what the key is for, from the schema */
  description?: string;
  /** the allowed value the found one was probably meant to be */
  suggestion?: string;
}

/** The validator's own English messages; anything else was written by our schema. */
const VALIDATOR_TEXT = /^(Invalid input|Invalid option|Invalid string|Invalid number|Invalid element|Invalid key|Invalid value|Invalid format|Too small|Too big|Expected)/;

export function isValidatorText(message: string): boolean {
  return VALIDATOR_TEXT.test(message);
}

function kindOf(value: unknown): string {
  if (value === null) return 'empty (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a section of keys';
  if (typeof value === 'string') return 'text';
  if (typeof value === 'number' && !Number.isInteger(value)) return 'a fraction';
  return `a ${typeof value}`;
}

const EXPECTED: Record<string, { what: string; how: (key: string, found: unknown) => string }> = {
  number: { what: 'a number', how: (key) => `write a plain number, e.g. \`${key}: 10\`, without quotes` },
  int: { what: 'a whole number', how: (key) => `write a whole number, e.g. \`${key}: 10\`` },
  boolean: { what: 'true or false', how: (key) => `write \`${key}: true\` or \`${key}: false\` (yes/no and quoted "true" are not booleans)` },
  string: { what: 'text', how: (key) => `write \`${key}: "value"\` in quotes if YAML reads it as a number, boolean or list` },
  array: {
    what: 'a list',
    how: (key, found) =>
      `write a YAML list, even for one item: \`${key}: [${typeof found === 'string' || typeof found === 'number' ? JSON.stringify(found) : 'item'}]\`, or one \`- item\` per line under \`${key}:\``,
  },
  object: { what: 'a section of keys', how: (key) => `write \`${key}:\` with its keys indented below it, or remove \`${key}\` to use the defaults` },
};

function withDefault(context: IssueContext): string {
  return context.defaultValue === undefined ? '' : `; the default is ${JSON.stringify(context.defaultValue)}`;
}

function bound(value: number | bigint | undefined): string {
  return String(value);
}

export function humanIssueText(issue: IssueFacts, context: IssueContext): string {
  const found = `(found ${context.foundText})`;
  if (!isValidatorText(issue.message)) return `${issue.message} ${found}`;
  const { key } = context;
  switch (issue.code) {
    case 'invalid_type': {
      const expected = EXPECTED[issue.expected ?? ''];
      if (context.found === undefined) {
        const purpose = context.description ? ` (${context.description})` : '';
        return `${key} is required here; add \`${key}:\` with ${expected?.what ?? `a ${issue.expected}`}${purpose}`;
      }
      if (!expected) return `${key} must be ${issue.expected}, not ${kindOf(context.found)} ${found}`;
      return `${key} must be ${expected.what}, not ${kindOf(context.found)} ${found}; ${expected.how(key, context.found)}`;
    }
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const limit = bound(small ? issue.minimum : issue.maximum);
      if (issue.origin === 'array') {
        return small ? `${key} must list at least ${limit} item${limit === '1' ? '' : 's'} ${found}` : `${key} may list at most ${limit} items ${found}; remove some`;
      }
      if (issue.origin === 'string') {
        return small ? `${key} must be at least ${limit} characters long ${found}` : `${key} must be at most ${limit} characters long ${found}`;
      }
      const relation = small ? (issue.inclusive ? `at least ${limit}` : `greater than ${limit}`) : issue.inclusive ? `at most ${limit}` : `less than ${limit}`;
      return `${key} must be ${relation} ${found}; set a value in that range${withDefault(context)}`;
    }
    case 'invalid_value': {
      const options = (issue.values ?? []).map((v) => String(v));
      const meant = context.suggestion ? `; did you mean '${context.suggestion}'?` : withDefault(context);
      return `${key} must be one of ${options.join(', ')} ${found}${meant}`;
    }
    case 'invalid_format':
      return `${key} is not a valid ${issue.format ?? 'value'} ${found}`;
    case 'invalid_union':
      return `${key} matches none of the forms accepted here ${found}; see docs/configuration.md for this key`;
    default:
      return `${key}: ${issue.message} ${found}`;
  }
}
