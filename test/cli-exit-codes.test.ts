/**
 * Every `lookout` command's exit code, through collector/bin/lookout.mjs as a child
 * process (what Docker, systemd and shell scripts see): 0 success, 1 failure,
 * 2 usage error; and the message that goes with it.
 */
import { execFile, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = new URL('../', import.meta.url).pathname;
const bin = join(root, 'collector/bin/lookout.mjs');
const version = (JSON.parse(readFileSync(join(root, 'collector/package.json'), 'utf8')) as { version: string }).version;

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function lookout(args: string[], timeoutMs = 30_000): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: root, timeout: timeoutMs, env: { PATH: process.env.PATH } }, (error, stdout, stderr) => {
      const code = error ? ((error as { code?: number | string }).code as number | null) : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
    });
  });
}

let dir: string;
let busy: Server;
let busyPort: number;

function writeConfig(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const quietPorts = (dataDir: string) => `receivers:\n  otlp:\n    http: { port: 0 }\n    grpc: { port: 0 }\nstorage: { dataDir: ${dataDir} }\nlog: { level: warn }\n`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lookout-cli-'));
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  busyPort = (busy.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

describe("lookout exit codes through the bin", { timeout: 90_000 }, () => {
  it('--version, --help and every command --help exit 0 with their text', async () => {
    const [versionOut, help, collectorHelp, configHelp, sloHelp, helpCommand] = await Promise.all([
      lookout(['--version']),
      lookout(['--help']),
      lookout(['collector', '--help']),
      lookout(['config', 'check', '--help']),
      lookout(['slo', 'rules', '-h']),
      lookout(['help', 'collector']),
    ]);
    expect(versionOut).toMatchObject({ code: 0, stdout: `lookout ${version}\n` });
    expect(help.code).toBe(0);
    for (const command of ['collector', 'config', 'slo']) expect(help.stdout).toMatch(new RegExp(`^  ${command} +\\S`, 'm'));
    expect(collectorHelp).toMatchObject({ code: 0, stdout: expect.stringMatching(/^usage: lookout collector \[--config FILE\]/) });
    expect(configHelp).toMatchObject({ code: 0, stdout: expect.stringContaining('lookout config check FILE') });
    expect(sloHelp).toMatchObject({ code: 0, stdout: expect.stringContaining('lookout slo rules FILES...') });
    expect(helpCommand.stdout).toBe(collectorHelp.stdout);
  });

  it('usage errors exit 2 and say what was wrong', async () => {
    const [none, unknown, badOption, configNoFile, sloNoFiles] = await Promise.all([
      lookout([]),
      lookout(['colector']),
      lookout(['collector', '--conifg', 'x.yaml']),
      lookout(['config', 'check']),
      lookout(['slo', 'check']),
    ]);
    expect(none).toMatchObject({ code: 2, stderr: expect.stringMatching(/^lookout: name a command\n/) });
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown command 'colector'/) });
    expect(badOption).toMatchObject({ code: 2, stderr: expect.stringMatching(/'--conifg'.*see lookout collector --help/) });
    expect(configNoFile).toMatchObject({ code: 2, stderr: expect.stringMatching(/name the file to check/) });
    expect(sloNoFiles).toMatchObject({ code: 2, stderr: expect.stringMatching(/check needs the spec files/) });
  });

  it('config check, config schema and the slo commands exit 0 on good input and 1 on bad', async () => {
    const good = writeConfig('good.yaml', quietPorts(join(dir, 'data-good')));
    const bad = writeConfig('bad.yaml', 'receivers:\n  otlp:\n    http:\n      port: -1\n');
    const badSlo = writeConfig('bad-slo.yaml', 'slos:\n  - name: x\n');
    const [goodCheck, badCheck, schema, sloGood, sloBad, explain, rules, replay] = await Promise.all([
      lookout(['config', 'check', good]),
      lookout(['config', 'check', bad]),
      lookout(['config', 'schema']),
      lookout(['slo', 'check', 'alerts/slos']),
      lookout(['slo', 'check', badSlo]),
      lookout(['slo', 'explain', 'alerts/slos/checkout.yaml']),
      lookout(['slo', 'rules', 'alerts/slos/checkout.yaml']),
      lookout(['slo', 'test', 'alerts/slos/checkout.yaml', 'alerts/series/checkout-outage.series.yaml']),
    ]);
    expect(goodCheck).toMatchObject({ code: 0, stdout: `${good}: OK\n` });
    expect(badCheck).toMatchObject({ code: 1, stderr: expect.stringContaining(`${bad}:4:`) });
    expect(schema.code).toBe(0);
    expect(JSON.parse(schema.stdout)).toMatchObject({ type: 'object' });
    expect(sloGood.code).toBe(0);
    expect(sloBad.code).toBe(1);
    expect(sloBad.stdout + sloBad.stderr).toContain('bad-slo.yaml');
    expect(explain.code).toBe(0);
    expect(rules).toMatchObject({ code: 0, stdout: expect.stringContaining('groups:') });
    expect(replay.code).toBe(0);
  });

  it('lookout collector exits 1 with the reason on a missing file, a bad config and a port in use', async () => {
    const badConfig = writeConfig('bad-collector.yaml', 'receivers:\n  otlp:\n    htp: {}\n');
    const portTaken = writeConfig(
      'port-taken.yaml',
      `receivers:\n  otlp:\n    http: { port: ${busyPort} }\n    grpc: { port: 0 }\nstorage: { dataDir: ${join(dir, 'data-busy')} }\nlog: { level: warn }\n`,
    );
    const [missing, bad, taken] = await Promise.all([
      lookout(['collector', '--config', join(dir, 'nope.yaml')]),
      lookout(['collector', '--config', badConfig]),
      lookout(['collector', '--config', portTaken]),
    ]);
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining('nope.yaml: (top level): file not found') });
    expect(bad).toMatchObject({ code: 1, stderr: expect.stringMatching(/bad-collector\.yaml:3:5: receivers\.otlp\.htp: unknown key 'htp'; did you mean 'http'\?/) });
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${busyPort}.*receivers\\.otlp\\.http\\.port`));
  });

  it('lookout collector runs until SIGTERM and then exits 0', { timeout: 60_000 }, async () => {
    const config = writeConfig('run.yaml', quietPorts(join(dir, 'data-run')).replace('level: warn', 'level: info'));
    const child = spawn(process.execPath, [bin, 'collector', '--config', config], { cwd: root, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "collector listening" line within 30 s: ${output}`)), 30_000);
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('collector listening')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      void exited.then((code) => reject(new Error(`exited ${code} before listening: ${output}`)));
    });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
