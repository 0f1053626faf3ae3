/**
 * The lint rules that keep src/ layered (eslint.config.js): a stage that imports a stage above
 * it, and an import cycle, are errors. Linted through ESLint's Node API with the project's
 * own config, as `npx eslint .` runs it (without type information).
 */
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, test } from 'vitest';

// The modules linted here are not on disk, so the TypeScript project has no types for them: the
// import rules need none (strict-rules.test.ts lints with types).
const eslint = new ESLint({ cwd: process.cwd(), ignore: false, overrideConfig: tseslint.configs.disableTypeChecked });

async function ruleIds(code: string, filePath: string): Promise<(string | null)[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result?.messages.map((m) => m.ruleId) ?? [];
}

describe('import direction', () => {
  test.each([
    [1, 'src/compare/back-import.ts', "import { loadReport } from '../report/parse-report.js';"],
    [2, 'src/baseline/back-import.ts', "import { buildAndMeasure } from '../sources/build-and-measure.js';"],
    [3, 'src/report/back-import.ts', "import { runCheck } from '../run.js';"],
    [4, 'src/types.ts', "import { runAction } from './action/run-action.js';"],
    [5, 'src/measure/back-import.ts', "import { analyzeLayout } from '../analysis/analyze-layout.js';"],
  ])(
    '%i: %s importing a stage above it is an error',
    async (_n, filePath, line) => {
      expect(await ruleIds(`${line}\nexport const used = [${line.match(/\{ (\w+) \}/)![1]}];\n`, filePath)).toContain(
        'import-x/no-restricted-paths',
      );
    },
    60_000,
  );

  test.each([
    [1, 'src/report/down-import.ts', "import { decideOutcome } from '../compare/verdict.js';"],
    [2, 'src/sources/down-import.ts', "import { loadReportBaseline } from '../baseline/report-baseline.js';"],
    [3, 'src/compare/down-import.ts', "import type { SizedEntry } from '../types.js';"],
  ])(
    '%i: %s importing downward is allowed',
    async (_n, filePath, line) => {
      const name = line.match(/\{ (\w+) \}/)![1];
      const use = line.startsWith('import type') ? `export type Used = ${name};` : `export const used = [${name}];`;
      expect(await ruleIds(`${line}\n${use}\n`, filePath)).toEqual([]);
    },
    60_000,
  );
});

describe('no import cycles', () => {
  test('two modules importing each other are both errors', async () => {
    const results = await eslint.lintFiles(['test/fixtures/lint/cycle/first.ts', 'test/fixtures/lint/cycle/second.ts']);
    expect(results.map((r) => r.messages.map((m) => m.ruleId))).toEqual([['import-x/no-cycle'], ['import-x/no-cycle']]);
  }, 60_000);
});
