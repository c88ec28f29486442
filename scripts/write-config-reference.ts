// `npm run docs:config`: regenerates docs/configuration.md from the config schema.
// test/config-reference.test.ts fails when the page and the schema disagree.
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { configReferenceMarkdown } from '../collector/src/config/reference.ts';
import { defaultConfig } from '../collector/src/config/load.ts';
import { configSchema } from '../collector/src/config/schema.ts';

const page = configReferenceMarkdown(z.toJSONSchema(configSchema, { io: 'input' }) as never, defaultConfig() as unknown as Record<string, unknown>);
writeFileSync(new URL('../docs/configuration.md', import.meta.url), page);
process.stdout.write('wrote docs/configuration.md\n');
