import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../config/load.ts';

/** The loader's messages for a lookout.yaml, one per problem. */
function problems(yaml: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(yaml, 'lookout.yaml', env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message.split('\n');
  }
  return [];
}

describe('storage.backend and storage.postgres in lookout.yaml', () => {
  it('defaults to SQLite under dataDir, unchanged', () => {
    expect(parseConfig('', 'lookout.yaml', {}).storage).toEqual({ dataDir: '.lookout-data', backend: 'sqlite' });
  });

  it('reads the PostgreSQL URL from the environment, with defaults for the rest', () => {
    const config = parseConfig('storage:\n  backend: postgres\n  postgres:\n    url: postgres://lookout:${PGPASS}@db:5432/lookout\n', 'lookout.yaml', { PGPASS: 's3cret' });
    expect(config.storage.postgres).toMatchObject({
      url: 'postgres://lookout:s3cret@db:5432/lookout',
      poolSize: 5,
      leaseTtl: 15_000,
      leaseName: 'lookout-evaluator',
      tls: { enabled: false, rejectUnauthorized: true },
    });
  });

  it('refuses postgres without storage.postgres, and a postgres section left unused', () => {
    expect(problems('storage:\n  backend: postgres\n')[0]).toMatch(/storage\.postgres: storage\.backend is postgres but storage\.postgres is missing; add storage\.postgres\.url/);
    expect(problems('storage:\n  postgres:\n    url: postgres://db/x\n')[0]).toMatch(/storage\.backend: storage\.postgres is set but storage\.backend is sqlite/);
  });

  it('names a URL variable that is not set', () => {
    expect(problems('storage:\n  backend: postgres\n  postgres:\n    url: ${LOOKOUT_PG_URL}\n')[0]).toMatch(/storage\.postgres\.url: environment variable LOOKOUT_PG_URL is not set/);
  });

  it('refuses an unknown backend with the choices', () => {
    expect(problems('storage:\n  backend: mysql\n')[0]).toMatch(/storage\.backend:.*sqlite.*postgres/);
  });
});
