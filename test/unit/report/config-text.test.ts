import { describe, expect, test } from 'vitest';
import { configChangePart, configChangeText } from '../../../src/report/config-text.js';
import { codeSpan } from '../../../src/report/escape.js';
import type { ConfigChange } from '../../../src/types.js';

const md = (text: string) => codeSpan(text);

describe('config change text', () => {
  test.each<[ConfigChange, string]>([
    [{ field: 'label', kind: 'changed', key: 'org.opencontainers.image.revision' }, 'label `org.opencontainers.image.revision` changed'],
    [{ field: 'env', kind: 'added', key: 'NODE_ENV' }, 'env `NODE_ENV` added'],
    [{ field: 'env', kind: 'removed', key: 'DEBUG' }, 'env `DEBUG` removed'],
    [{ field: 'entrypoint', kind: 'changed', from: '["/app"]', to: '["/app","--serve"]' }, 'entrypoint `["/app"]` → `["/app","--serve"]`'],
    [{ field: 'cmd', kind: 'added', to: '["serve"]' }, 'cmd unset → `["serve"]`'],
    [{ field: 'user', kind: 'removed', from: 'app' }, 'user `app` → unset'],
    [{ field: 'workingDir', kind: 'changed', from: '/srv', to: '/app' }, 'workdir `/srv` → `/app`'],
    [{ field: 'exposedPort', kind: 'added', key: '8080/tcp' }, 'port `8080/tcp` added'],
    [{ field: 'volume', kind: 'removed', key: '/data' }, 'volume `/data` removed'],
    // Author text with backticks: a longer fence, the text itself unchanged.
    [{ field: 'label', kind: 'added', key: 'a`b' }, 'label ``a`b`` added'],
  ])('%j', (change, text) => {
    expect(configChangePart(change, md)).toBe(text);
  });

  test('at most `max` named, the rest counted; nothing changed is null', () => {
    const changes: ConfigChange[] = Array.from({ length: 5 }, (_, i) => ({ field: 'env', kind: 'added', key: `V${i}` }));
    expect(configChangeText(changes, md, 3)).toBe(
      'image config changed: env `V0` added, env `V1` added, env `V2` added, and 2 more changes',
    );
    expect(configChangeText([], md)).toBeNull();
    expect(configChangeText(undefined, md)).toBeNull();
  });
});
