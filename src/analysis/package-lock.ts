/**
 * npm's hidden lockfile (`node_modules/.package-lock.json`, npm ≥ 7) lists what is installed in
 * that node_modules, each package with `"dev": true` when only development needs it. When the
 * image has one, it says which packages are dev dependencies better than any list of names.
 * Pure: the layer reader hands over the file's text.
 */

/** Larger hidden lockfiles are not read (a big monorepo's is a few MB). */
export const MAX_LOCKFILE_BYTES = 16 * 1024 * 1024;

const HIDDEN_LOCKFILE = /^(?:(.*)\/)?node_modules\/\.package-lock\.json$/;

/** The project directory of a hidden lockfile path (`app/node_modules/.package-lock.json` → `app`), or null. */
export function hiddenLockfileProject(path: string): string | null {
  const m = HIDDEN_LOCKFILE.exec(path);
  if (!m) return null;
  const project = m[1] ?? '';
  // Only the project's own node_modules: not one nested in a package.
  return project.split('/').includes('node_modules') ? null : project;
}

/**
 * The `packages` keys marked `"dev": true` (`node_modules/jest`, `node_modules/a/node_modules/b`),
 * sorted; null when the text is not a lockfile we understand.
 */
export function devPackagesOf(text: string): string[] | null {
  let lock: unknown;
  try {
    lock = JSON.parse(text);
  } catch {
    return null;
  }
  const packages = (lock as { packages?: unknown } | null)?.packages;
  if (typeof packages !== 'object' || packages === null || Array.isArray(packages)) return null;
  const dev: string[] = [];
  for (const [key, value] of Object.entries(packages as Record<string, unknown>)) {
    if (key.startsWith('node_modules/') && (value as { dev?: unknown } | null)?.dev === true) dev.push(key);
  }
  return dev.sort();
}

/**
 * The package a path inside `<project>/node_modules` belongs to, as lockfile keys from the
 * outermost package to the innermost (`a/node_modules/b/x.js` → `node_modules/a`,
 * `node_modules/a/node_modules/b`). Empty for `.bin`, `.cache` and other dot entries.
 */
export function packageKeysOf(pathInProject: string): string[] {
  const parts = pathInProject.split('/');
  const keys: string[] = [];
  let key = '';
  let i = 0;
  while (i < parts.length && parts[i] === 'node_modules') {
    const name = parts[i + 1];
    if (name === undefined || name.startsWith('.')) break;
    const scoped = name.startsWith('@');
    if (scoped && parts[i + 2] === undefined) break;
    const pkg = scoped ? `${name}/${parts[i + 2]}` : name;
    // A file right under node_modules/<pkg> (no deeper parts) still belongs to <pkg>.
    key = `${key === '' ? '' : `${key}/`}node_modules/${pkg}`;
    keys.push(key);
    i += scoped ? 3 : 2;
  }
  return keys;
}
