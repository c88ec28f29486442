/**
 * docs/configuration.md from the config schema: one table per top-level section, one
 * row per key (type, default, what it does). Pure: takes the JSON Schema (as
 * `lookout config schema` prints it) and the defaults; `npm run docs:config` writes it.
 */

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  required?: string[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  pattern?: string;
}

interface Row {
  key: string;
  type: string;
  defaultText: string;
  description: string;
}

const SIZE_UNITS: Array<[number, string]> = [
  [1024 ** 3, 'GiB'],
  [1024 ** 2, 'MiB'],
  [1024, 'KiB'],
];
const DURATION_UNITS: Array<[number, string]> = [
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'm'],
  [1000, 's'],
];

function withUnit(value: number, units: Array<[number, string]>, base: string): string {
  for (const [factor, unit] of units) if (value >= factor && value % factor === 0) return `${value / factor}${unit}`;
  return `${value}${base}`;
}

/** A size or duration: a number, or text with a unit (the schema accepts both). */
function isUnitValue(schema: JsonSchema): boolean {
  return Array.isArray(schema.type) && schema.type.includes('number') && schema.type.includes('string');
}

function typeOf(key: string, schema: JsonSchema): string {
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return [...new Set(variants.map((v) => typeOf(key, v)))].join(' or ');
  if (isUnitValue(schema)) return /bytes$/i.test(key) || /size/i.test(key) ? 'size (e.g. 4MiB)' : 'duration (e.g. 30s)';
  const type = Array.isArray(schema.type) ? schema.type.join(' or ') : (schema.type ?? 'any');
  if (type === 'array') return `list of ${schema.items ? typeOf(key, schema.items).replace(/^object$/, 'entries') : 'values'}`;
  if (type === 'object' && !schema.properties && typeof schema.additionalProperties === 'object') return `map of ${typeOf(key, schema.additionalProperties)}`;
  let text = type;
  const maximum = schema.maximum === Number.MAX_SAFE_INTEGER ? undefined : schema.maximum;
  const minimum = schema.minimum === Number.MIN_SAFE_INTEGER ? undefined : schema.minimum;
  if (minimum !== undefined && maximum !== undefined) text += ` ${minimum}–${maximum}`;
  else if (maximum !== undefined) text += ` ≤ ${maximum}`;
  else if (minimum !== undefined) text += ` ≥ ${minimum}`;
  else if (schema.exclusiveMinimum !== undefined) text += ` > ${schema.exclusiveMinimum}`;
  return text;
}

function defaultText(key: string, schema: JsonSchema, fallback: unknown): string {
  const value = schema.default !== undefined ? schema.default : fallback;
  if (value === undefined) return '';
  if (typeof value === 'number' && isUnitValue(schema)) {
    return /bytes$/i.test(key) || /size/i.test(key) ? withUnit(value, SIZE_UNITS, 'B') : withUnit(value, DURATION_UNITS, 'ms');
  }
  if (typeof value === 'object' && value !== null && Object.keys(value).length === 0) return '';
  return JSON.stringify(value);
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function rowsOf(schema: JsonSchema, path: string, defaults: unknown, required: boolean, rows: Row[]): void {
  const leafKey = path.replace(/.*[.\]]/, '');
  const isSection = schema.type === 'object' && schema.properties;
  rows.push({
    key: path,
    type: isSection ? 'section' : typeOf(leafKey, schema),
    defaultText: isSection ? '' : defaultText(leafKey, schema, defaults),
    description: `${required ? '**required.** ' : ''}${schema.description ?? ''}`.trim(),
  });
  if (isSection) {
    for (const [key, child] of Object.entries(schema.properties!)) {
      const childDefaults = defaults && typeof defaults === 'object' ? (defaults as Record<string, unknown>)[key] : undefined;
      rowsOf(child, `${path}.${key}`, childDefaults, schema.required?.includes(key) ?? false, rows);
    }
  } else if (schema.type === 'array' && schema.items?.properties) {
    for (const [key, child] of Object.entries(schema.items.properties)) {
      rowsOf(child, `${path}[].${key}`, undefined, schema.items.required?.includes(key) ?? false, rows);
    }
  } else if (schema.type === 'object' && typeof schema.additionalProperties === 'object' && schema.additionalProperties.properties) {
    for (const [key, child] of Object.entries(schema.additionalProperties.properties)) {
      rowsOf(child, `${path}.<name>.${key}`, undefined, schema.additionalProperties.required?.includes(key) ?? false, rows);
    }
  }
}

export function configReferenceMarkdown(schema: JsonSchema, defaults: Record<string, unknown>): string {
  const out: string[] = [
    '# Configuration reference',
    '',
    '<!-- Generated from the config schema (collector/src/config/schema.ts) by `npm run docs:config`; do not edit by hand. -->',
    '',
    'Everything in `lookout.yaml` is optional: an empty file (or none) runs the collector on',
    'its defaults. A commented example is `collector/lookout.example.yaml`; check a file with',
    '`lookout config check FILE`, and print this reference as JSON Schema with',
    '`lookout config schema`.',
    '',
    '- **Sizes** are bytes or text with a unit: `512KiB`, `4MiB`, `10MB`, `1GiB`.',
    '- **Durations** are milliseconds or text with units: `250ms`, `30s`, `5m`, `1h30m`, `7d`.',
    '- **`${VAR}`** in any value is replaced by the environment variable, `${VAR:-default}` gives',
    '  a default, `$$` is a literal `$`. A whole-value reference to a number stays a number.',
    '- `key[].sub` is a key of each entry of a list; `key.<name>.sub` a key of each named entry.',
    '',
    '## Sections',
    '',
  ];
  const sections = Object.entries(schema.properties ?? {});
  for (const [key, section] of sections) out.push(`- [\`${key}\`](#${key.toLowerCase()}) ${section.description ? `— ${section.description}` : ''}`.trimEnd());
  for (const [key, section] of sections) {
    out.push('', `## ${key}`, '');
    if (section.description) out.push(section.description, '');
    const rows: Row[] = [];
    rowsOf(section, key, defaults[key], false, rows);
    out.push('| key | type | default | description |', '|---|---|---|---|');
    // the section's own row repeats its heading
    for (const row of rows[0]!.type === 'section' ? rows.slice(1) : rows) {
      out.push(`| \`${row.key}\` | ${escapeCell(row.type)} | ${row.defaultText ? `\`${escapeCell(row.defaultText)}\`` : ''} | ${escapeCell(row.description)} |`);
    }
  }
  return out.join('\n') + '\n';
}
