import { describe, expect, test } from 'vitest';
import { buildxLauncher, buildxPluginPath, DOCKER_BUILDX } from '../../../src/docker/buildx-launcher.js';

// Recorded from `docker info --format '{{json .ClientInfo.Plugins}}'` on the docker-env engine.
const PLUGINS = [
  {
    SchemaVersion: '0.1.0',
    Vendor: 'Docker Inc.',
    Version: '0.13.1+ds1',
    ShortDescription: 'Docker Buildx',
    Name: 'buildx',
    Path: '/usr/local/lib/docker/cli-plugins/docker-buildx',
  },
];

describe('buildxPluginPath', () => {
  test('the buildx entry of the CLI plugin list', () => {
    expect(buildxPluginPath(PLUGINS)).toBe('/usr/local/lib/docker/cli-plugins/docker-buildx');
  });

  test('picks buildx among other plugins', () => {
    const compose = { Name: 'compose', Path: '/usr/libexec/docker/cli-plugins/docker-compose' };
    expect(buildxPluginPath([compose, ...PLUGINS])).toBe('/usr/local/lib/docker/cli-plugins/docker-buildx');
  });

  test('a plugin the CLI rejects (Err), a relative path, no buildx or no list: none', () => {
    expect(buildxPluginPath([{ ...PLUGINS[0], Err: 'plugin candidate "buildx" did not match' }])).toBeNull();
    expect(buildxPluginPath([{ ...PLUGINS[0], Path: 'docker-buildx' }])).toBeNull();
    expect(buildxPluginPath([{ Name: 'compose', Path: '/x/docker-compose' }])).toBeNull();
    expect(buildxPluginPath(null)).toBeNull();
    expect(buildxPluginPath({ Name: 'buildx', Path: '/x' })).toBeNull();
    expect(buildxPluginPath([null, 3, 'buildx'])).toBeNull();
  });
});

describe('buildxLauncher', () => {
  const argv = ['buildx', 'build', '--progress=plain', '--target', 'buildx', '.'];

  test('with the plugin path: the plugin itself, without the leading `buildx`', () => {
    const launcher = buildxLauncher('/usr/local/lib/docker/cli-plugins/docker-buildx');
    expect(launcher.command).toBe('/usr/local/lib/docker/cli-plugins/docker-buildx');
    expect(launcher.args(argv)).toEqual(['build', '--progress=plain', '--target', 'buildx', '.']);
  });

  test('without it: `docker buildx`, argv untouched', () => {
    expect(buildxLauncher(null)).toBe(DOCKER_BUILDX);
    expect(DOCKER_BUILDX.command).toBe('docker');
    expect(DOCKER_BUILDX.args(argv)).toEqual(argv);
  });
});
