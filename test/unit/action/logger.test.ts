import { afterEach, describe, expect, test, vi } from 'vitest';
import { annotationPath } from '../../../src/action/annotation-path.js';
import { createActionLogger } from '../../../src/action/logger.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('annotation paths are relative to the repository root (GITHUB_WORKSPACE)', () => {
  test.each([
    [1, 'working-directory is the workspace', 'app/Dockerfile', '/ws', '/ws', 'app/Dockerfile'],
    [2, 'working-directory in a subfolder', 'app/Dockerfile', '/ws/services', '/ws', 'services/app/Dockerfile'],
    [3, 'a Dockerfile above working-directory', '../shared/Dockerfile', '/ws/services/api', '/ws', 'services/shared/Dockerfile'],
    [4, 'already absolute', '/ws/x/Dockerfile', '/ws/services', '/ws', 'x/Dockerfile'],
  ])('%i. %s', (_n, _name, file, workdir, workspace, expected) => {
    expect(annotationPath(file, { workdir, workspace })).toBe(expected);
  });

  test('the action logger writes the workspace-relative path into the workflow command', () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const logger = createActionLogger({ workdir: '/ws/services', workspace: '/ws' });
    logger.warning('api grew here', { file: 'api/Dockerfile', startLine: 9, title: 'image-budget: largest growth' });
    logger.error('build failed', { file: 'api/Dockerfile' });
    expect(written.join('')).toContain('::warning title=image-budget%3A largest growth,file=services/api/Dockerfile,line=9::api grew here');
    expect(written.join('')).toContain('::error file=services/api/Dockerfile::build failed');
  });
});
