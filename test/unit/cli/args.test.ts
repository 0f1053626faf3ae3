import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { CHECK_HELP, INIT_HELP, parseCli, USAGE } from '../../../src/cli/args.js';
import { main } from '../../../src/cli/main.js';
import { createTerminalLogger, useColor } from '../../../src/cli/terminal-logger.js';
import { UsageError } from '../../../src/cli/usage-error.js';

function collect(): PassThrough & { text: () => string } {
  const stream = new PassThrough() as PassThrough & { text: () => string };
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  stream.text = () => text;
  return stream;
}

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const stdout = collect();
  const stderr = collect();
  const code = await main(argv, { stdout, stderr, cwd: '/nonexistent', env });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

describe('help per command', () => {
  test.each([
    [['--help'], USAGE],
    [['-h'], USAGE],
    [['help'], USAGE],
    [['check', '--help'], CHECK_HELP],
    [['help', 'check'], CHECK_HELP],
    [['--help', 'check'], CHECK_HELP],
    [['init', '--help'], INIT_HELP],
    [['init', '-h'], INIT_HELP],
  ])('%j', async (argv, text) => {
    const out = await run(argv);
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(`${text}\n`);
  });

  test('the three texts differ, and each command lists only its own flags', () => {
    expect(new Set([USAGE, CHECK_HELP, INIT_HELP]).size).toBe(3);
    expect(CHECK_HELP).toContain('--json PATH|-');
    expect(CHECK_HELP).not.toContain('--headroom');
    expect(INIT_HELP).toContain('--headroom');
    expect(INIT_HELP).not.toContain('--json');
  });

  test.each([
    ['check', CHECK_HELP, ['--image REF', '--registry-token TOKEN', '--secret id=ID', '--ssh default', '--build-context NAME=']],
    ['init', INIT_HELP, ['--secret id=ID', '--ssh default', '--build-context NAME=', '--network', '--no-cache', '--provenance']],
  ])('%s --help lists its flags', (_command, text, flags) => {
    for (const flag of flags) expect(text).toContain(flag);
  });

  test('init --help lists no flag init does not take', () => {
    expect(INIT_HELP).not.toContain('--image');
    expect(INIT_HELP).not.toContain('--registry-token');
  });

  test('no command: the usage on stderr, exit 2', async () => {
    const out = await run([]);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('Usage:');
  });
});

describe('flag errors', () => {
  test.each([
    [['check', '--jsn', 'x'], 'unknown option --jsn for `image-budget check`; did you mean --json?'],
    [['check', '--verbos'], 'unknown option --verbos for `image-budget check`; did you mean --verbose?'],
    [['check', '--headroom', '5', '--update'], '--headroom is an option of `image-budget init`, not of `image-budget check`'],
    [['init', '--json', 'r.json'], '--json is an option of `image-budget check`, not of `image-budget init`'],
    [['init', '--base=main'], '--base is an option of `image-budget check`, not of `image-budget init`'],
    [['check', '--zzzzzz'], 'unknown option --zzzzzz for `image-budget check`'],
    [['check', '-x'], 'unknown option --x for `image-budget check`'],
    [['chek'], 'unknown command "chek"; did you mean `check`?'],
    [['--config', 'x.yml', 'check'], '--config goes after the command: `image-budget check --config …`'],
    [['check', 'extra'], 'unexpected argument "extra" for `image-budget check`'],
    [['init', '--image', 'localhost:5000/a:1'], '--image is an option of `image-budget check`, not of `image-budget init`'],
    [['init', '--registry-token', 't'], '--registry-token is an option of `image-budget check`, not of `image-budget init`'],
    [['init', '--secrte', 'id=a,src=f'], 'unknown option --secrte for `image-budget init`; did you mean --secret?'],
    [['check', '--build-ark', 'A=1'], 'unknown option --build-ark for `image-budget check`; did you mean --build-arg?'],
  ])('%j', (argv, message) => {
    expect(() => parseCli(argv)).toThrow(new UsageError(message));
  });

  test('exit 2 with the message and the command’s help hint', async () => {
    const out = await run(['check', '--headroom', '5']);
    expect(out.code).toBe(2);
    expect(out.stderr).toBe(
      'image-budget: --headroom is an option of `image-budget init`, not of `image-budget check`\n\nRun `image-budget check --help` for usage.\n',
    );
    expect(out.stdout).toBe('');
  });

  test('the repeatable build options of check keep every value', () => {
    const parsed = parseCli(['check', '--build-arg', 'A=1', '--build-arg', 'B=2', '--no-cache']);
    expect(parsed.kind === 'check' && [parsed.values['build-arg'], parsed.values['no-cache']]).toEqual([['A=1', 'B=2'], true]);
  });

  test('init takes the build options check takes, every value kept', () => {
    const argv = ['--build-arg', 'A=1', '--build-arg', 'B=2', '--secret', 'id=npmrc,src=.npmrc', '--ssh', 'default'];
    const more = ['--build-context', 'shared=libs', '--network', 'none', '--no-cache', '--provenance', 'false'];
    const init = parseCli(['init', ...argv, ...more]);
    const check = parseCli(['check', ...argv, ...more]);
    const pick = (parsed: typeof init) =>
      (parsed.kind === 'init' || parsed.kind === 'check') && [
        parsed.values['build-arg'],
        parsed.values.secret,
        parsed.values.ssh,
        parsed.values['build-context'],
        parsed.values.network,
        parsed.values['no-cache'],
        parsed.values.provenance,
      ];
    expect(pick(init)).toEqual([['A=1', 'B=2'], ['id=npmrc,src=.npmrc'], ['default'], ['shared=libs'], 'none', true, 'false']);
    expect(pick(check)).toEqual(pick(init));
  });

  test('check takes --image and --registry-token', () => {
    const parsed = parseCli(['check', '--image', 'localhost:5000/api@sha256:' + 'a'.repeat(64), '--registry-token=t0k']);
    expect(parsed.kind === 'check' && [parsed.values.image, parsed.values['registry-token']]).toEqual([
      `localhost:5000/api@sha256:${'a'.repeat(64)}`,
      't0k',
    ]);
  });

  test.each([
    [1, ['--image', ''], 'image-budget: --image: empty; give a registry reference, docker-daemon://NAME:TAG or oci-layout://PATH'],
    [2, ['--image', 'from-input'], 'image-budget: --image: from-input is what the budget file says; give the image it stands for'],
    [
      3,
      ['--image', 'ghcr.io/Acme/api:1'],
      'image-budget: --image: not an image reference: "ghcr.io/Acme/api:1" (bad repository name): expected a registry reference (name:tag or name@sha256:…), docker-daemon://name:tag, oci-layout://path or from-input',
    ],
    [4, ['--image', 'oci-layout://'], 'image-budget: --image: oci-layout:// needs a path to an OCI layout directory or tar'],
  ])('%i. a bad --image is a usage error (exit 2) before anything runs', async (_n, flags, message) => {
    const out = await run(['check', ...flags]);
    expect(out.code).toBe(2);
    expect(out.stderr.split('\n')[0]).toBe(message);
  });

  test('`-` is a value: stdout for --json and --markdown, not both', async () => {
    const parsed = parseCli(['check', '--json', '-', '--markdown=out.md']);
    expect(parsed.kind === 'check' && [parsed.values.json, parsed.values.markdown]).toEqual(['-', 'out.md']);
    const out = await run(['check', '--json', '-', '--markdown', '-']);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('--json - and --markdown - both want stdout');
  });
});

describe('colour', () => {
  const tty = Object.assign(new PassThrough(), { isTTY: true });
  const pipe = new PassThrough();
  test.each([
    ['a terminal', tty, {}, true],
    ['a pipe', pipe, {}, false],
    ['NO_COLOR on a terminal', tty, { NO_COLOR: '1' }, false],
    ['an empty NO_COLOR is unset', tty, { NO_COLOR: '' }, true],
    ['FORCE_COLOR on a pipe', pipe, { FORCE_COLOR: '1' }, true],
    ['FORCE_COLOR=0 on a terminal', tty, { FORCE_COLOR: '0' }, false],
    ['NO_COLOR beats FORCE_COLOR', pipe, { NO_COLOR: '1', FORCE_COLOR: '1' }, false],
  ])('%s', (_name, stream, env, expected) => {
    expect(useColor(stream, env)).toBe(expected);
  });
});

describe('terminal logger', () => {
  test('--verbose streams build lines as they come, prefixed, sanitized; the closing group does not repeat them', () => {
    const out = collect();
    const logger = createTerminalLogger({ verbose: true, stream: out });
    logger.buildLine?.('app:runtime', '#5 0.1 hello \u001b[31mred\u001b[0m');
    expect(out.text()).toBe('app:runtime │ #5 0.1 hello red\n');
    logger.group('docker buildx build app:runtime — done in 1.0s', '$ docker buildx build …\n#5 0.1 hello');
    expect(out.text()).toMatch(/── docker buildx build app:runtime — done in 1\.0s\n$/);
  });

  test('without --verbose: no build lines, no groups', () => {
    const out = collect();
    const logger = createTerminalLogger({ verbose: false, stream: out });
    expect(logger).not.toHaveProperty('buildLine');
    logger.group('title', 'body');
    expect(out.text()).toBe('');
  });

  test('colour only when asked', () => {
    const plain = collect();
    createTerminalLogger({ verbose: false, stream: plain }).warning('w');
    expect(plain.text()).not.toContain('\u001b[');
    const coloured = collect();
    createTerminalLogger({ verbose: false, stream: coloured, color: true }).warning('w');
    expect(coloured.text()).toContain('\u001b[33mwarning:\u001b[0m w');
  });
});
