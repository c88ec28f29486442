import { describe, expect, it } from 'vitest';
import { configReferenceMarkdown } from './reference.ts';

describe('configReferenceMarkdown', () => {
  it('writes one row per key with its type, default and description, sizes and durations with units', () => {
    const schema = {
      type: 'object',
      properties: {
        server: {
          type: 'object',
          description: 'the listener',
          properties: {
            port: { type: 'integer', minimum: 0, maximum: 65535, default: 80 },
            maxBodyBytes: { type: ['number', 'string'], description: 'largest body' },
            timeout: { type: ['number', 'string'] },
            mode: { enum: ['a', 'b'], default: 'a' },
            peers: { type: 'array', items: { type: 'object', properties: { url: { type: 'string', description: 'where' } }, required: ['url'] } },
          },
        },
      },
    };
    const page = configReferenceMarkdown(schema, { server: { port: 80, maxBodyBytes: 4 * 1024 * 1024, timeout: 90_000, mode: 'a', peers: [] } });
    expect(page).toContain('- [`server`](#server) — the listener');
    expect(page).toContain('| `server.port` | integer 0–65535 | `80` |  |');
    expect(page).toContain('| `server.maxBodyBytes` | size (e.g. 4MiB) | `4MiB` | largest body |');
    expect(page).toContain('| `server.timeout` | duration (e.g. 30s) | `90s` |  |');
    expect(page).toContain('| `server.mode` | "a" \\| "b" | `"a"` |  |');
    expect(page).toContain('| `server.peers[].url` | string |  | **required.** where |');
  });
});
