#!/usr/bin/env node
// Benchmark: what the base-branch build (`baseline: build`) adds to the job's wall time for the
// bundled example, with a warm BuildKit cache — the situation of every PR run after the first.
//
// "The job", as far as it runs on this machine: actions/checkout's shallow fetch of the PR's
// merge commit, then the action step exactly as the runner starts it (`node dist/index.js`,
// INPUT_* variables, a pull_request event). Timed with `baseline: none` and `baseline: build`,
// alternating, medians compared as a ratio. Not included, because they do not run here: the
// runner's job set-up, docker/setup-buildx-action and the post steps, which make a real job
// longer and the ratio smaller. The CLI's `check` vs `check --base` is printed too.
//
// `--example realistic` times instead a multi-stage service of a few hundred MB (see
// seedRealistic): `baseline: build` against `baseline: none`, every job a new push to the PR.
//
// A floor is timed in the same runs: the `baseline: none` job while bare buildx calls solve the
// base's two targets from the cache (`--output type=cacheonly`), started when the action starts
// its builds. Any implementation that really builds the base pays at least that. And an A/A
// series: the `baseline: none` job once more, whose ratio to the first is this machine's noise.
// Before every job the script waits for the machine to be quiet (see settle).
//
// Run after `npm run bundle` (the stale-dist test keeps dist/ current):
//   node scripts/bench-baseline.js [--runs N] [--example realistic]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { busyCpuSeconds, settle } from './bench-machine.js';
import { buildxPluginPath } from '../lib/docker/buildx-launcher.js';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 5;
const entry = resolve('dist/index.js');
const cli = resolve('dist/cli/index.js');
const root = mkdtempSync(join(tmpdir(), 'ib-bench-baseline-'));
const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
};

function git(cwd, ...args) {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

const now = () => process.hrtime.bigint();
const seconds = (from, to) => Number(to - from) / 1e9;

function elapsed(fn) {
  const started = now();
  fn();
  return seconds(started, now());
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const list = (values) => values.map((s) => s.toFixed(2)).join(', ');

/**
 * The example as a repository on GitHub: main (the example), a PR branch that changes the
 * runtime's script (one changed layer per target), the merge commit GitHub makes
 * (refs/pull/1/merge), all in a bare `origin`. `touch(work, n)` makes the PR's n-th push.
 * `push()` adds a new commit to the PR, as a developer pushing again does: its changed steps
 * were never built, while the base stays what the cache already holds.
 */
function makeOrigin(name, touch, seed = seedExample) {
  const work = join(root, `${name}-work`);
  mkdirSync(work);
  seed(work);
  git(work, 'init', '-q', '-b', 'main');
  git(work, 'add', '-A');
  git(work, 'commit', '-qm', 'base');
  const base = git(work, 'rev-parse', 'HEAD');
  git(work, 'checkout', '-qb', 'feature');
  const origin = join(root, `${name}.git`);
  git(root, 'init', '-q', '--bare', origin);
  git(work, 'push', '-q', origin, 'main');
  const repo = { origin, merge: '', event: null };
  let pushes = 0;
  repo.push = () => {
    pushes += 1;
    git(work, 'checkout', '-q', 'feature');
    touch(work, pushes);
    git(work, 'add', '-A');
    git(work, 'commit', '-qm', `pr, push ${pushes}`);
    const head = git(work, 'rev-parse', 'HEAD');
    git(work, 'checkout', '-q', '--detach', 'main');
    git(work, 'merge', '-q', '--no-ff', '-m', 'merge', 'feature');
    repo.merge = git(work, 'rev-parse', 'HEAD');
    git(work, 'push', '-q', '--force', origin, 'feature', 'HEAD:refs/pull/1/merge');
    repo.event = {
      action: pushes === 1 ? 'opened' : 'synchronize',
      number: 1,
      pull_request: {
        number: 1,
        head: { ref: 'feature', sha: head, repo: { full_name: 'acme/shop', fork: false } },
        base: { ref: 'main', sha: base, repo: { full_name: 'acme/shop' } },
        merge_commit_sha: repo.merge,
        labels: [],
      },
      repository: { full_name: 'acme/shop', name: 'shop', owner: { login: 'acme' } },
    };
  };
  repo.push();
  return repo;
}

/** The bundled example and its budget file, as the repository's content. */
function seedExample(work) {
  cpSync('examples/hello', join(work, 'examples/hello'), { recursive: true });
  cpSync('examples/image-budget.yml', join(work, '.github/image-budget.yml'));
}

/**
 * A realistic service (`--example realistic`): a multi-stage image on debian:bookworm-slim, a
 * builder stage of ~330 MB and a runtime stage of ~190 MB, each with several layers of tens of
 * MB (random bytes, text, a vendored tree copied from the repository), the runtime copying the
 * builder's output. No package installs: nothing can be downloaded here. A PR changes
 * `app/src/main.sh`, which the builder's last steps and the runtime's last COPY depend on.
 */
const REALISTIC_DOCKERFILE = `FROM debian:bookworm-slim AS builder
WORKDIR /build
# A toolchain: binaries (random, incompressible) and its headers and docs (text).
RUN mkdir -p /opt/toolchain/bin /opt/toolchain/share \\
 && head -c 60000000 /dev/urandom > /opt/toolchain/bin/cc \\
 && seq 1 6000000 > /opt/toolchain/share/docs.txt
RUN head -c 40000000 /dev/urandom | base64 > /opt/toolchain/share/headers.txt
# Vendored dependencies, from the repository.
COPY vendor/ /build/vendor/
COPY src/ /build/src/
# "Compile": the artifact and its assets.
RUN mkdir -p /out \\
 && cat /build/src/main.sh /build/vendor/lib-0.txt > /out/app \\
 && head -c 30000000 /dev/urandom > /out/assets.bin

FROM debian:bookworm-slim AS runtime
# Runtime libraries the service links against.
RUN mkdir -p /usr/lib/app && head -c 40000000 /dev/urandom > /usr/lib/app/libruntime.so
RUN seq 1 3000000 > /usr/lib/app/locale.txt
COPY --from=builder /out/ /app/
COPY src/main.sh /app/main.sh
USER 65534
ENTRYPOINT ["/bin/sh", "/app/main.sh"]
`;
const REALISTIC_BUDGETS = `version: 1
images:
  service:
    context: app
    targets: [builder, runtime]
    budget:
      max: 400MB
      targets:
        builder:
          max: 600MB
`;

function seedRealistic(work) {
  const app = join(work, 'app');
  mkdirSync(join(app, 'src'), { recursive: true });
  mkdirSync(join(app, 'vendor'), { recursive: true });
  mkdirSync(join(work, '.github'), { recursive: true });
  writeFileSync(join(app, 'Dockerfile'), REALISTIC_DOCKERFILE);
  writeFileSync(join(app, 'src/main.sh'), '#!/bin/sh\necho "service"\n');
  // ~24 MB of vendored text (base64 of a fixed pseudo-random stream, so every clone is alike).
  let state = 12345;
  for (let i = 0; i < 4; i += 1) {
    const bytes = Buffer.alloc(4_500_000);
    for (let j = 0; j < bytes.length; j += 4) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      bytes.writeUInt32LE(state, j);
    }
    writeFileSync(join(app, 'vendor', `lib-${i}.txt`), bytes.toString('base64'));
  }
  writeFileSync(join(work, '.github/image-budget.yml'), REALISTIC_BUDGETS);
}

/**
 * What the base comparison costs the realistic job: `baseline: build` against `baseline: none`,
 * every job a new push to the PR, interleaved (each round starts one variant later) so the
 * machine's load falls on both alike. On a shared, loaded machine the fastest run of each is
 * the steadier estimate; medians are printed too.
 */
async function compareRealistic(label, repo) {
  const dir = join(root, 'checkout');
  const job = async (baseline) => {
    repo.push();
    await settle();
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
    const started = now();
    checkout(repo, dir);
    await actionStep(repo, dir, baseline);
    return { total: seconds(started, now()), load: Number(load) };
  };
  await job('none');
  await job('build');
  const built = [];
  const none = [];
  const variants = [() => job('build').then((r) => built.push(r)), () => job('none').then((r) => none.push(r))];
  for (let i = 0; i < runs; i += 1) {
    for (let k = 0; k < variants.length; k += 1) await variants[(i + k) % variants.length]();
  }
  const [b, n] = [built, none].map((rs) => median(rs.map((r) => r.total)));
  const [fb, fn] = [built, none].map((rs) => Math.min(...rs.map((r) => r.total)));
  const loads = [...built, ...none].map((r) => r.load);
  console.log(`${label}: job = checkout + action step, ${runs} runs each, interleaved`);
  console.log(`  baseline: build   median ${b.toFixed(2)} s, fastest ${fb.toFixed(2)} s   [${list(built.map((r) => r.total))}]`);
  console.log(`  baseline: none    median ${n.toFixed(2)} s, fastest ${fn.toFixed(2)} s   [${list(none.map((r) => r.total))}]`);
  console.log(`  the base's share of the job (fastest): ${(((fb - fn) / fb) * 100).toFixed(1)}%`);
  console.log(`  1-min load average at job start: ${Math.min(...loads).toFixed(2)} – ${Math.max(...loads).toFixed(2)}`);
}

/** actions/checkout on a pull_request: a depth-1 fetch of the merge commit, checked out detached. */
function checkout(repo, dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  git(dir, 'init', '-q');
  git(dir, 'remote', 'add', 'origin', repo.origin);
  git(dir, 'fetch', '-q', '--no-tags', '--depth=1', 'origin', `+${repo.merge}:refs/remotes/pull/1/merge`);
  git(dir, 'checkout', '-q', '--force', 'refs/remotes/pull/1/merge');
}

/**
 * The action step as the runner starts it. `onBuildsStart` is called once, when the action logs
 * that its first build starts (the floor below starts its own solves at that moment).
 */
async function actionStep(repo, dir, baseline, onBuildsStart) {
  const runner = join(root, 'runner');
  rmSync(runner, { recursive: true, force: true });
  mkdirSync(runner);
  const files = { output: join(runner, 'output'), summary: join(runner, 'summary'), event: join(runner, 'event.json') };
  writeFileSync(files.output, '');
  writeFileSync(files.summary, '');
  writeFileSync(files.event, JSON.stringify(repo.event));
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...(process.env.BUILDX_BUILDER ? { BUILDX_BUILDER: process.env.BUILDX_BUILDER } : {}),
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_WORKSPACE: dir,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_SHA: repo.merge,
    RUNNER_TEMP: runner,
    // The layer cache persists like the BuildKit cache: a warm run.
    'INPUT_CACHE-DIR': join(root, 'layer-cache'),
    INPUT_BASELINE: baseline,
    INPUT_COMMENT: 'off',
  };
  const result = await new Promise((done, fail) => {
    const child = spawn(process.execPath, [entry], { cwd: dir, env });
    let stdout = '';
    let stderr = '';
    let told = false;
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (!told && onBuildsStart && /\] building /.test(stdout)) {
        told = true;
        onBuildsStart();
      }
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
  if (result.status !== 0)
    throw new Error(`the action (baseline: ${baseline}) exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  const report = JSON.parse(readFileSync(join(runner, 'image-budget', 'report.json'), 'utf8'));
  if (baseline === 'build' && report.baseline?.unavailable) throw new Error(`no baseline: ${report.baseline.note}`);
  return report;
}

/** The buildx plugin binary, started directly as the action starts it (see buildx-launcher.ts). */
function buildxPlugin() {
  const plugins = JSON.parse(execFileSync('docker', ['info', '--format', '{{json .ClientInfo.Plugins}}'], { encoding: 'utf8' }));
  const found = buildxPluginPath(plugins);
  if (!found) throw new Error('docker info lists no usable buildx plugin');
  return found;
}

/**
 * The floor: the base's targets solved from the BuildKit cache by bare buildx calls — nothing
 * exported, measured, checked out or compared — started the moment the action starts its own
 * builds. No real base build can cost less than this on this machine.
 */
function floorSolves(baseSources, targets) {
  const plugin = buildxPlugin();
  return () =>
    Promise.all(
      targets.map(
        (target) =>
          new Promise((done, fail) => {
            const child = spawn(plugin, ['build', '--quiet', '--target', target, '--output', 'type=cacheonly', baseSources], {
              env: { ...process.env, BUILDX_NO_DEFAULT_ATTESTATIONS: '1', BUILDX_GIT_INFO: 'false' },
              stdio: 'ignore',
            });
            child.on('error', fail);
            child.on('close', (status) => (status === 0 ? done() : fail(new Error(`floor solve of ${target} exited ${status}`))));
          }),
      ),
    );
}

/**
 * Times the job with each baseline. `fresh`: every job follows a new push to the PR (see
 * makeOrigin), so the head's changed steps really run, as on a PR's `synchronize`; otherwise
 * every job re-runs the same commit and both sides are wholly cached, as on a re-run or a
 * `labeled` event.
 */
async function compareJobs(label, repo, { floor, fresh = false, baseNote } = {}) {
  const dir = join(root, 'checkout');
  const job = async (baseline, alongside) => {
    if (fresh) repo.push();
    await settle();
    const cpuBefore = busyCpuSeconds();
    const started = now();
    checkout(repo, dir);
    const stepStarted = now();
    let extra = Promise.resolve();
    await actionStep(repo, dir, baseline, alongside ? () => (extra = alongside()) : undefined);
    await extra;
    const ended = now();
    const cpuAfter = busyCpuSeconds();
    const cpu = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
    return { total: seconds(started, ended), step: seconds(stepStarted, ended), cpu };
  };
  // Warm the BuildKit and layer caches for both sides, as the PR's earlier pushes would.
  await job('none');
  await job('build');
  const without = [];
  const withBase = [];
  const withFloor = [];
  // The same job again (A/A): how far apart two identical series land on this machine.
  const again = [];
  // A job runs slower after a heavier one, even on a quiet machine (the disk is still busy with
  // the last job's deleted files): each round starts one variant later, so every variant
  // follows every other equally often.
  const variants = [
    () => job('none').then((r) => without.push(r)),
    () => job('build').then((r) => withBase.push(r)),
    ...(floor ? [() => job('none', floor).then((r) => withFloor.push(r)), () => job('none').then((r) => again.push(r))] : []),
  ];
  for (let i = 0; i < runs; i += 1) {
    for (let k = 0; k < variants.length; k += 1) await variants[(i + k) % variants.length]();
  }
  const a = median(without.map((r) => r.total));
  const b = median(withBase.map((r) => r.total));
  const stepA = median(without.map((r) => r.step));
  const stepB = median(withBase.map((r) => r.step));
  console.log(`${label}: job = checkout + action step, ${runs} runs each, medians`);
  console.log(`  the base: ${baseNote ?? 'built in every job'}`);
  console.log(`  baseline: none    ${a.toFixed(2)} s   [${list(without.map((r) => r.total))}]`);
  console.log(`  baseline: build   ${b.toFixed(2)} s   [${list(withBase.map((r) => r.total))}]`);
  console.log(
    `  ratio build/none: ${(b / a).toFixed(3)}  (adds ${(((b - a) / a) * 100).toFixed(1)}% to the job's wall time here; goal ≤ 15%)`,
  );
  console.log(`  the action step alone: ${stepA.toFixed(2)} s → ${stepB.toFixed(2)} s, ratio ${(stepB / stepA).toFixed(3)}`);
  if (floor) {
    const f = median(withFloor.map((r) => r.total));
    console.log(`  floor: none + the base targets' cached solves alone  ${f.toFixed(2)} s   [${list(withFloor.map((r) => r.total))}]`);
    console.log(
      `  floor ratio: ${(f / a).toFixed(3)}  (what two cached BuildKit solves cost this job here, before any export or measuring)`,
    );
    const g = median(again.map((r) => r.total));
    console.log(`  A/A: baseline: none again  ${g.toFixed(2)} s   [${list(again.map((r) => r.total))}]`);
    console.log(`  A/A ratio: ${(g / a).toFixed(3)}  (identical jobs: the noise of this machine in this run)`);
  }
  if (without[0].cpu !== null) {
    const cpu = (runsOf) => median(runsOf.map((r) => r.cpu));
    const [cpuA, cpuB] = [cpu(without), cpu(withBase)];
    const more = (x) => `${x.toFixed(2)} (+${(x - cpuA).toFixed(2)})`;
    console.log(
      `  machine CPU per job, busy core-seconds (medians): none ${cpuA.toFixed(2)}, build ${more(cpuB)}${floor ? `, floor ${more(cpu(withFloor))}` : ''}`,
    );
  }
}

/**
 * The same comparison through the CLI, in the PR's merge checkout: `check` vs `check --base
 * HEAD^1`.
 */
async function compareCli(label, repo) {
  const dir = join(root, 'checkout');
  checkout(repo, dir);
  git(dir, 'fetch', '-q', '--depth=2', 'origin', repo.merge);
  const check = async (extra) => {
    await settle();
    return elapsed(() => {
      const result = spawnSync(process.execPath, [cli, 'check', '--cache-dir', join(root, 'layer-cache'), ...extra], {
        cwd: dir,
        encoding: 'utf8',
      });
      if (result.status !== 0) throw new Error(`check ${extra.join(' ')} exited ${result.status}:\n${result.stderr}`);
    });
  };
  await check([]);
  await check(['--base', 'HEAD^1']);
  const headOnly = [];
  const withBase = [];
  for (let i = 0; i < runs; i += 1) {
    headOnly.push(await check([]));
    withBase.push(await check(['--base', 'HEAD^1']));
  }
  const a = median(headOnly);
  const b = median(withBase);
  console.log(`${label}: CLI, ${runs} runs each, medians`);
  console.log(`  check                ${a.toFixed(2)} s   [${list(headOnly)}]`);
  console.log(`  check --base HEAD^1  ${b.toFixed(2)} s   [${list(withBase)}]`);
  console.log(`  ratio: ${(b / a).toFixed(3)}  (adds ${(((b - a) / a) * 100).toFixed(1)}%)`);
}

try {
  if (process.argv.includes('--example') && process.argv[process.argv.indexOf('--example') + 1] === 'realistic') {
    const realistic = makeOrigin(
      'realistic',
      (work, push) => writeFileSync(join(work, 'app/src/main.sh'), `#!/bin/sh\necho "service, push ${push}"\n`),
      seedRealistic,
    );
    await compareRealistic('realistic multi-stage service, each job a new push to a PR that changes it', realistic);
  } else {
    const script = readFileSync('examples/hello/main.sh', 'utf8');
    const changeScript = (work, push) =>
      writeFileSync(join(work, 'examples/hello/main.sh'), `${script}echo "a change in this PR, push ${push}"\n`);
    const changes = makeOrigin('changes', changeScript);
    // The base's sources for the floor: the example as on main.
    const baseSources = join(root, 'base-sources');
    cpSync('examples/hello', baseSources, { recursive: true });
    const floor = floorSolves(baseSources, ['builder', 'runtime']);
    // A new push to a PR that changes the image: what the job does on every `synchronize`.
    const pushes = makeOrigin('pushes', changeScript);
    const pushed = 'example, each job a new push to a PR that changes the image (builder + runtime)';
    await compareJobs(pushed, pushes, { floor, fresh: true });
    // The same commit again: a re-run, or the `labeled` event of the override label.
    const rerun = 'example, a re-run of a PR that changes the image (builder + runtime), everything cached';
    await compareJobs(rerun, changes, { floor });
    await compareCli('example, a PR that changes the image', changes);
    // A PR that does not touch the image's sources: the base build is skipped.
    const docs = makeOrigin('docs', (work) => writeFileSync(join(work, 'README.md'), 'a change outside every build context\n'));
    await compareJobs('example, a PR that does not touch the image', docs, {
      baseNote: "not built: its baseline is the head's measurement",
    });
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
