import { describe, expect, it } from 'vitest';
import { COMMANDS, helpFor, mainHelp, wantsHelp } from './cli-help.ts';

describe('cli help', () => {
  it('asks for help on --help or -h before a `--`', () => {
    expect(wantsHelp(['collector', '--help'])).toBe(true);
    expect(wantsHelp(['slo', 'rules', '-h'])).toBe(true);
    expect(wantsHelp(['slo', 'test', '--', '--help'])).toBe(false);
    expect(wantsHelp(['collector', '--config', 'x.yaml'])).toBe(false);
  });

  it("gives a command's own text, and the overview listing every command otherwise", () => {
    expect(helpFor('collector')).toBe(COMMANDS.collector!.text);
    expect(helpFor('nope')).toBe(mainHelp());
    expect(helpFor(undefined)).toBe(mainHelp());
    for (const [name, help] of Object.entries(COMMANDS)) {
      expect(mainHelp()).toContain(`  ${name}`);
      expect(mainHelp()).toContain(help.summary);
      expect(help.text).toMatch(/exit codes: 0 success, 1 failure/);
    }
  });
});
