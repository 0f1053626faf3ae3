/**
 * The repository as a user meets it: this repository's workflows, its action.yml and every YAML
 * example in README.md and docs/ parse and validate as GitHub reads them (action-validator, the
 * schemas SchemaStore publishes), and name the actions by their current majors and this action
 * one way only.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { validateAction, validateWorkflow, type ValidationState } from '@action-validator/core';
import { describe, expect, it } from 'vitest';
import { parseDocument, stringify } from 'yaml';

const WORKFLOWS = '.github/workflows';
const DOCS = ['README.md', ...readdirSync('docs').map((f) => path.join('docs', f))].filter((f) => f.endsWith('.md'));

/** The current major of every action the docs and workflows use; Dependabot keeps the workflows there. */
const CURRENT_MAJORS: Record<string, string> = {
  'actions/checkout': 'v7',
  'actions/setup-node': 'v6',
  'actions/cache': 'v5',
  'actions/cache/restore': 'v5',
  'actions/cache/save': 'v5',
  'actions/upload-artifact': 'v7',
  'actions/download-artifact': 'v8',
  'docker/setup-buildx-action': 'v4',
  'docker/build-push-action': 'v7',
  'docker/setup-qemu-action': 'v3',
};
/**
 * How users reference this action: one owner/name and the moving tag of the package's major (a
 * pinned release where a doc is about pinning), the major the schema URL on unpkg uses too.
 */
const MAJOR = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version.split('.')[0]!;
const THIS_ACTION = new RegExp(`^image-budget/image-budget@v${MAJOR}(\\.\\d+\\.\\d+)?$`);

interface YamlBlock {
  file: string;
  line: number;
  text: string;
}

/** The ```yaml blocks of a Markdown file, with the line each starts on. */
function yamlBlocks(file: string): YamlBlock[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const blocks: YamlBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*```ya?ml\s*$/.test(lines[i]!)) continue;
    const indent = /^\s*/.exec(lines[i]!)![0].length;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^\s*```\s*$/.test(lines[end]!)) end++;
    blocks.push({
      file,
      line: start + 1,
      text: lines
        .slice(start, end)
        .map((l) => l.slice(indent))
        .join('\n'),
    });
    i = end;
  }
  return blocks;
}

function errorsOf(state: ValidationState): string[] {
  return state.errors.map((e) => `${e.code}: ${e.title}${'path' in e ? ` at ${e.path}` : ''}${e.detail ? ` (${e.detail})` : ''}`);
}

/**
 * A doc example as the workflow it belongs in: a whole workflow as it is; a job's `steps:` or a
 * bare list of steps inside a minimal workflow; anything else (a budget file) is not a workflow.
 */
function asWorkflow(value: unknown): string | null {
  const isStep = (s: unknown) => typeof s === 'object' && s !== null && ('uses' in s || 'run' in s);
  if (typeof value === 'object' && value !== null && 'jobs' in value) return stringify(value);
  const steps = Array.isArray(value) ? value : typeof value === 'object' && value !== null && 'steps' in value ? value.steps : null;
  if (!Array.isArray(steps) || !steps.every(isStep)) return null;
  const env = typeof value === 'object' && value !== null && 'env' in value ? { env: value.env } : {};
  return stringify({ on: 'pull_request', jobs: { example: { 'runs-on': 'ubuntu-latest', ...env, steps } } });
}

const workflowFiles = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
const docBlocks = DOCS.flatMap(yamlBlocks);

describe("this repository's workflows", () => {
  it('there are workflows, and a Dependabot config that keeps their actions current', () => {
    expect(workflowFiles.length).toBeGreaterThan(0);
    const dependabot = parseDocument(readFileSync('.github/dependabot.yml', 'utf8'));
    expect(dependabot.errors).toEqual([]);
    const ecosystems = (dependabot.toJS() as { updates: { 'package-ecosystem': string }[] }).updates.map((u) => u['package-ecosystem']);
    expect(ecosystems).toEqual(expect.arrayContaining(['github-actions', 'npm']));
  });

  it.each(workflowFiles)('%s parses and validates as a workflow', (file) => {
    const text = readFileSync(path.join(WORKFLOWS, file), 'utf8');
    const doc = parseDocument(text);
    expect(doc.errors.map((e) => e.message)).toEqual([]);
    expect(errorsOf(validateWorkflow(text))).toEqual([]);
  });

  it('action.yml validates as an action on the node24 runtime', () => {
    const text = readFileSync('action.yml', 'utf8');
    expect(parseDocument(text).toJS()).toMatchObject({
      author: expect.any(String) as unknown,
      runs: { using: 'node24', main: 'dist/index.js' },
    });
    // action-validator 0.6's schema predates node24 (it lists node12, node16, node20): the rest
    // of the file is checked with the runtime it knows.
    const known = text.replace(/^(\s+using:\s*)node24\s*$/m, '$1node20');
    expect(known).not.toBe(text);
    expect(errorsOf(validateAction(known))).toEqual([]);
  });
});

describe('the YAML examples in README.md and docs/', () => {
  it('there are examples, workflows among them', () => {
    expect(docBlocks.length).toBeGreaterThan(5);
    expect(docBlocks.filter((b) => asWorkflow(parseDocument(b.text).toJS()) !== null).length).toBeGreaterThan(3);
  });

  it.each(docBlocks.map((b) => [`${b.file}:${b.line}`, b] as const))('%s parses (and validates, if a workflow)', (_where, block) => {
    const doc = parseDocument(block.text);
    expect(doc.errors.map((e) => e.message)).toEqual([]);
    const workflow = asWorkflow(doc.toJS());
    if (workflow !== null) expect(errorsOf(validateWorkflow(workflow))).toEqual([]);
  });
});

describe('action references', () => {
  const sources = [...workflowFiles.map((f) => path.join(WORKFLOWS, f)), ...DOCS];
  const uses = sources.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, i) => {
        const ref = /^\s*(?:-\s+)?uses:\s*["']?([^\s"'#]+)/.exec(line)?.[1];
        return ref ? [{ where: `${file}:${i + 1}`, ref }] : [];
      }),
  );

  it('are found', () => {
    expect(uses.length).toBeGreaterThan(10);
  });

  it.each(uses.map((u) => [u.where, u.ref] as const))('%s: %s is a current major, or this action as users reference it', (_where, ref) => {
    if (ref === './') return;
    if (ref.startsWith('image-budget/')) {
      expect(ref).toMatch(THIS_ACTION);
      return;
    }
    const [name, version] = ref.split('@');
    expect(Object.keys(CURRENT_MAJORS), `an action no test knows the current major of: ${name}`).toContain(name);
    expect(version).toBe(CURRENT_MAJORS[name!]);
  });
});
