/** Images in the docker image store, read out with `docker save` (an OCI layout tar since Docker 25). */
import { runCommand, tailLines } from './exec.js';

/**
 * Writes `ref` from the image store to `tarFile`. `platform`: the one platform to save, for a
 * multi-platform image of which the store holds only some platforms' content.
 */
export async function saveImage(ref: string, tarFile: string, platform?: string): Promise<void> {
  const args = ['save', '--output', tarFile, ...(platform ? ['--platform', platform] : []), ref];
  const result = await runCommand('docker', args);
  if (result.exitCode !== 0) {
    const why = tailLines(result.stderr || result.stdout, 5).trim();
    throw new Error(
      `docker save ${ref} failed${/no such image|does not exist|not found/i.test(why) ? ' (no such image in the docker image store)' : ''}: ${why}`,
    );
  }
}
