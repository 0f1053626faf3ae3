/**
 * typescript-eslint's strict type-checked rules are on (eslint.config.js): a fixture with a
 * non-null assertion and a member access on `any` is reported, linted with type information
 * through ESLint's Node API and the project's own config, as `npx eslint .` runs it.
 */
import { ESLint } from 'eslint';
import { expect, test } from 'vitest';

test('a non-null assertion and an unsafe member access are errors', async () => {
  const eslint = new ESLint({ cwd: process.cwd(), ignore: false });
  const [result] = await eslint.lintFiles(['test/fixtures/lint/strict/unsafe.ts']);
  expect(result?.messages.map((m) => [m.line, m.ruleId, m.severity])).toEqual([
    [4, '@typescript-eslint/no-non-null-assertion', 2],
    [8, '@typescript-eslint/no-unsafe-assignment', 2],
    [9, '@typescript-eslint/no-unsafe-member-access', 2],
  ]);
}, 120_000);
