import { describe, expect, test } from 'vitest';
import { diffImageConfig, MAX_CHANGE_VALUE } from '../../../src/compare/config-diff.js';
import type { ConfigChange, ImageConfigSummary } from '../../../src/types.js';

const RUN = 'run-a';
const OTHER_RUN = 'run-b';

describe('diffImageConfig', () => {
  test.each<[string, ImageConfigSummary, ImageConfigSummary, ConfigChange[]]>([
    ['nothing set on either side', {}, {}, []],
    ['the same config', { cmd: ['serve'], user: 'app' }, { cmd: ['serve'], user: 'app' }, []],
    [
      'entrypoint changed: exec form shown as JSON',
      { entrypoint: ['/app'] },
      { entrypoint: ['/app', '--serve'] },
      [{ field: 'entrypoint', kind: 'changed', from: '["/app"]', to: '["/app","--serve"]' }],
    ],
    ['cmd set', {}, { cmd: ['serve'] }, [{ field: 'cmd', kind: 'added', to: '["serve"]' }]],
    ['user unset', { user: 'app' }, {}, [{ field: 'user', kind: 'removed', from: 'app' }]],
    [
      'workdir changed',
      { workingDir: '/srv' },
      { workingDir: '/app' },
      [{ field: 'workingDir', kind: 'changed', from: '/srv', to: '/app' }],
    ],
    [
      'a label value changed, one added, one removed: keys only',
      {
        labels: [
          ['a', 'f1'],
          ['gone', 'f2'],
        ],
        valuesKey: RUN,
      },
      {
        labels: [
          ['a', 'f9'],
          ['new', 'f3'],
        ],
        valuesKey: RUN,
      },
      [
        { field: 'label', kind: 'changed', key: 'a' },
        { field: 'label', kind: 'removed', key: 'gone' },
        { field: 'label', kind: 'added', key: 'new' },
      ],
    ],
    [
      'env added and changed, names only',
      { env: [['PATH', 'p1']], valuesKey: RUN },
      {
        env: [
          ['NODE_ENV', 'n1'],
          ['PATH', 'p2'],
        ],
        valuesKey: RUN,
      },
      [
        { field: 'env', kind: 'added', key: 'NODE_ENV' },
        { field: 'env', kind: 'changed', key: 'PATH' },
      ],
    ],
    [
      'fingerprints of another run: names compared, values not',
      {
        env: [
          ['PATH', 'p1'],
          ['OLD', 'o1'],
        ],
        valuesKey: OTHER_RUN,
      },
      { env: [['PATH', 'p2']], valuesKey: RUN },
      [{ field: 'env', kind: 'removed', key: 'OLD' }],
    ],
    [
      'ports and volumes one by one',
      { exposedPorts: ['80/tcp'], volumes: ['/data'] },
      { exposedPorts: ['80/tcp', '443/tcp'] },
      [
        { field: 'exposedPort', kind: 'added', key: '443/tcp' },
        { field: 'volume', kind: 'removed', key: '/data' },
      ],
    ],
    [
      'stop signal, healthcheck, shell, onbuild',
      { stopSignal: 'SIGTERM', shell: ['/bin/sh', '-c'] },
      { stopSignal: 'SIGQUIT', healthcheck: '{"Test":["CMD","true"]}', shell: ['/bin/bash', '-c'], onBuild: ['RUN make'] },
      [
        { field: 'stopSignal', kind: 'changed', from: 'SIGTERM', to: 'SIGQUIT' },
        { field: 'healthcheck', kind: 'added', to: '{"Test":["CMD","true"]}' },
        { field: 'shell', kind: 'changed', from: '["/bin/sh","-c"]', to: '["/bin/bash","-c"]' },
        { field: 'onBuild', kind: 'added', to: '["RUN make"]' },
      ],
    ],
  ])('%s', (_case, base, head, changes) => {
    expect(diffImageConfig(base, head).changes).toEqual(changes);
  });

  test.each<[string, ImageConfigSummary, ImageConfigSummary, boolean]>([
    ['one run', { env: [['A', 'x']], valuesKey: RUN }, { env: [['A', 'y']], valuesKey: RUN }, true],
    ['two runs', { env: [['A', 'x']], valuesKey: OTHER_RUN }, { env: [['A', 'y']], valuesKey: RUN }, false],
    ['no values on one side: nothing to compare', { cmd: ['x'] }, { env: [['A', 'y']], valuesKey: RUN }, true],
  ])('valuesCompared: %s', (_case, base, head, compared) => {
    expect(diffImageConfig(base, head).valuesCompared).toBe(compared);
  });

  test('a long value is kept within the report bound', () => {
    const [change] = diffImageConfig({ cmd: ['a'] }, { cmd: ['x'.repeat(5000)] }).changes;
    expect(change?.to?.length).toBe(MAX_CHANGE_VALUE);
    expect(change?.to?.endsWith('…')).toBe(true);
  });
});
