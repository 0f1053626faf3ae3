// Flat config: typescript-eslint's strict type-checked rules over the TypeScript of src/ and test/
// (recommended, without type information, for the rest), and the import direction of src/: each
// stage imports only the stages below it, and no module imports itself back through others.
import js from '@eslint/js';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/**
 * The stages of src/, lowest first. A module may import its own stage and those below; an
 * import of a stage above is an error. Within a stage, import-x/no-cycle keeps modules acyclic.
 */
export const STAGES = [
  // What every stage shares: the report's types, the JSON schema of reports, logging, and the
  // one place processes are started.
  ['src/types.ts', 'src/report-schema.ts', 'src/version.ts', 'src/logger.ts', 'src/docker/exec.ts'],
  // The budget file, build options and the secret values they name.
  ['src/config', 'src/secrets'],
  // Planning a build and running buildx.
  ['src/docker', 'src/plan'],
  // Sizes from layouts and layer blobs, and the decoders they stream through.
  ['src/compression', 'src/measure'],
  ['src/analysis'],
  ['src/compare'],
  // The base branch: its commit, worktree, budgets, saved reports and registry images.
  ['src/baseline'],
  // Image sources: what measures each side (builds, saved reports, registries).
  ['src/sources'],
  ['src/report'],
  ['src/run.ts', 'src/publish'],
  ['src/action', 'src/cli', 'src/index.ts', 'src/cli.ts'],
];

// Hint ids are the vocabulary of the budget file's `forbid` and `ignore-hints`.
const ALLOWED_UPWARD = { 'src/config': { 'src/analysis': ['./hint-ids.ts'] } };

/** Modules a stage lists that sit inside a folder of a higher stage (docker/exec.ts): not part of it. */
function lowerModulesIn(folder, level) {
  return STAGES.slice(0, level + 1)
    .flat()
    .filter((entry) => entry.startsWith(`${folder}/`))
    .map((entry) => `./${entry.slice(folder.length + 1)}`);
}

const zones = STAGES.flatMap((stage, level) =>
  stage.flatMap((target) =>
    STAGES.slice(level + 1)
      .flat()
      .map((from) => {
        const except = [...(ALLOWED_UPWARD[target]?.[from] ?? []), ...lowerModulesIn(from, level)];
        return {
          target: `./${target}`,
          from: `./${from}`,
          ...(except.length > 0 ? { except } : {}),
          message: `${target} is below ${from}: stages import downward only (see STAGES in eslint.config.js).`,
        };
      }),
  ),
);

/** The TypeScript linted with type information and typescript-eslint's strictTypeChecked rules. */
export const TYPE_CHECKED = [
  'src/compression/**/*.ts',
  'src/measure/**/*.ts',
  'src/analysis/**/*.ts',
  'src/config/**/*.ts',
  'src/secrets/**/*.ts',
  'src/docker/**/*.ts',
  'src/plan/**/*.ts',
  'src/compare/**/*.ts',
  'src/baseline/**/*.ts',
  'src/sources/**/*.ts',
  'src/report/**/*.ts',
  'src/publish/**/*.ts',
  'src/action/**/*.ts',
  'src/cli/**/*.ts',
  'src/*.ts',
  'test/**/*.ts',
  // test/unit/lint/strict-rules.test.ts lints these fixtures to show the strict rules are on.
  'test/fixtures/lint/**/*.ts',
];

export default tseslint.config(
  // test/fixtures/lint/ breaks the rules on purpose: the tests in test/unit/lint/ lint it.
  { ignores: ['dist/', 'lib/', 'node_modules/', '.image-budget/', 'coverage/', 'test/fixtures/lint/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        fetch: 'readonly',
        Headers: 'readonly',
        AbortController: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        performance: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: TYPE_CHECKED,
    extends: [tseslint.configs.strictTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Sizes and counts are numbers, and messages print them.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['test/**/*.ts'],
    // The lint fixtures break the strict rules on purpose, so they keep all of them.
    ignores: ['test/fixtures/lint/**'],
    rules: {
      // A wrong `!` in a test throws there and fails the test: narrowing it would be churn.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Fakes and stubs implement async interfaces; `async` is the plain way to write one that has nothing to wait for.
      '@typescript-eslint/require-await': 'off',
      // Fixtures are `let x: T` set in beforeAll; when that fails they are unset, so afterAll's `x?.close()` is needed.
      '@typescript-eslint/no-unnecessary-condition': 'off',
    },
  },
  // Scripts and config files are plain JavaScript, outside the TypeScript project.
  { files: ['**/*.js', '*.ts'], extends: [tseslint.configs.disableTypeChecked] },
  {
    files: ['src/**/*.ts', 'test/fixtures/lint/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // The modules imported are read (for no-cycle) with typescript-eslint's parser.
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      // `./x.js` in a TypeScript source names `./x.ts`.
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'], extensionAlias: { '.js': ['.ts', '.js'] } })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { zones }],
    },
  },
);
