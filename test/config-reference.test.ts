/**
 * The configuration reference and the sample config stay true to the schema:
 * docs/configuration.md is what `npm run docs:config` writes today, and
 * collector/lookout.example.yaml passes `lookout config check` through the bin.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defaultConfig } from '../collector/src/config/load.ts';
import { configReferenceMarkdown } from '../collector/src/config/reference.ts';
import { configSchema } from '../collector/src/config/schema.ts';

const root = new URL('../', import.meta.url).pathname;

describe('configuration reference', () => {
  it('docs/configuration.md is up to date with the schema (regenerate with npm run docs:config)', () => {
    const jsonSchema = z.toJSONSchema(configSchema, { io: 'input' }) as { properties: Record<string, unknown> };
    const expected = configReferenceMarkdown(jsonSchema as never, defaultConfig() as unknown as Record<string, unknown>);
    const onDisk = readFileSync(`${root}docs/configuration.md`, 'utf8');
    expect(onDisk, 'docs/configuration.md is stale: run npm run docs:config').toBe(expected);
    for (const section of Object.keys(jsonSchema.properties)) expect(onDisk).toContain(`\n## ${section}\n`);
  });

  it('the commented sample lookout.example.yaml passes `lookout config check`', () => {
    const output = execFileSync(process.execPath, ['collector/bin/lookout.mjs', 'config', 'check', 'collector/lookout.example.yaml'], {
      cwd: root,
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });
    expect(output).toMatch(/^collector\/lookout\.example\.yaml: OK \(\d+ SLOs in \d+ files\)\n$/);
  });
});
