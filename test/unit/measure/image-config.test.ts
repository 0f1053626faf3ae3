import { describe, expect, test } from 'vitest';
import { summarizeImageConfig, type ValuesKey } from '../../../src/measure/image-config.js';
import { diffImageConfig } from '../../../src/compare/config-diff.js';
import type { ImageConfigSummary } from '../../../src/types.js';

const KEY: ValuesKey = { id: 'k1', secret: Buffer.alloc(32, 1) };
const OTHER: ValuesKey = { id: 'k2', secret: Buffer.alloc(32, 2) };
const TOKEN = 'ghp_FAKEtokenValue1234567890abcdef';

describe('summarizeImageConfig', () => {
  test.each<[string, unknown, ImageConfigSummary]>([
    ['no config', undefined, {}],
    ['null', null, {}],
    ['empty and wrong-typed fields are unset', { Entrypoint: [], Cmd: 'serve', User: '', WorkingDir: 7, ExposedPorts: [] }, {}],
    [
      'the runtime settings',
      {
        Entrypoint: ['/app'],
        Cmd: ['--serve'],
        User: '65532:65532',
        WorkingDir: '/srv',
        ExposedPorts: { '8080/tcp': {}, '443/tcp': {} },
        Volumes: { '/data': {} },
        StopSignal: 'SIGQUIT',
        Shell: ['/bin/sh', '-c'],
        OnBuild: ['RUN make'],
        Healthcheck: { Retries: 3, Test: ['CMD', 'true'], Bogus: 'x', Interval: 30_000_000_000 },
      },
      {
        entrypoint: ['/app'],
        cmd: ['--serve'],
        user: '65532:65532',
        workingDir: '/srv',
        exposedPorts: ['443/tcp', '8080/tcp'],
        volumes: ['/data'],
        stopSignal: 'SIGQUIT',
        shell: ['/bin/sh', '-c'],
        onBuild: ['RUN make'],
        healthcheck: '{"Test":["CMD","true"],"Interval":30000000000,"Retries":3}',
      },
    ],
  ])('%s', (_case, config, summary) => {
    expect(summarizeImageConfig(config, KEY)).toEqual(summary);
  });

  test('env and labels: names and keys with fingerprints, never a value', () => {
    const summary = summarizeImageConfig(
      { Env: ['PATH=/usr/bin', `API_TOKEN=${TOKEN}`, 'EMPTY', 'PATH=/bin'], Labels: { 'org.opencontainers.image.revision': TOKEN } },
      KEY,
    );
    expect(summary.env?.map(([name]) => name)).toEqual(['API_TOKEN', 'EMPTY', 'PATH']);
    expect(summary.labels?.map(([key]) => key)).toEqual(['org.opencontainers.image.revision']);
    expect(summary.valuesKey).toBe('k1');
    const json = JSON.stringify(summary);
    expect(json).not.toContain(TOKEN);
    expect(json).not.toContain('/usr/bin');
    // The last PATH wins, as in the runtime.
    const lastPath = summarizeImageConfig({ Env: ['PATH=/bin'] }, KEY).env;
    expect(summary.env?.find(([name]) => name === 'PATH')).toEqual(lastPath?.[0]);
  });

  test('a fingerprint tells values apart within one key, and another key gives another fingerprint', () => {
    const a = summarizeImageConfig({ Env: ['A=1'] }, KEY);
    const b = summarizeImageConfig({ Env: ['A=2'] }, KEY);
    expect(diffImageConfig(a, b).changes).toEqual([{ field: 'env', kind: 'changed', key: 'A' }]);
    expect(diffImageConfig(a, summarizeImageConfig({ Env: ['A=1'] }, KEY)).changes).toEqual([]);
    expect(summarizeImageConfig({ Env: ['A=1'] }, OTHER).env).not.toEqual(a.env);
  });

  test('a label and an env of the same name and value do not share a fingerprint', () => {
    const s = summarizeImageConfig({ Env: ['X=1'], Labels: { X: '1' } }, KEY);
    expect(s.env?.[0]?.[1]).not.toBe(s.labels?.[0]?.[1]);
  });

  test('bounded: 200 entries per list, long strings clipped', () => {
    const env = Array.from({ length: 300 }, (_, i) => `V${String(i).padStart(3, '0')}=x`);
    const s = summarizeImageConfig({ Env: env, Cmd: ['y'.repeat(5000)] }, KEY);
    expect(s.env).toHaveLength(200);
    expect(s.cmd?.[0]?.length).toBe(1024);
  });
});
