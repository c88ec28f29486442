import { describe, expect, it } from 'vitest';
import { interpolateEnv } from './env.ts';

describe('interpolateEnv', () => {
  it('replaces ${VAR} and ${VAR:-default}, and $$ with a literal $', () => {
    expect(interpolateEnv('${A}:${B:-80}/$${C}', { A: 'host' })).toEqual({ value: 'host:80/${C}', missing: [] });
  });

  it('treats an empty variable as unset, so its default applies', () => {
    expect(interpolateEnv('${A:-x}', { A: '' })).toEqual({ value: 'x', missing: [] });
  });

  it('names every unset variable that has no default', () => {
    expect(interpolateEnv('${A}-${B}', {})).toEqual({ value: '-', missing: ['A', 'B'] });
  });

  it('leaves text that is not a reference alone', () => {
    expect(interpolateEnv('$HOME ${1X} $', { HOME: '/root' })).toEqual({ value: '$HOME ${1X} $', missing: [] });
  });
});
