import lockfile from 'proper-lockfile';

/**
 * Takes the inter-process lock `<file>.lock` (a directory created atomically; a holder that died leaves a stale lock
 * that is taken over after 10 s), retrying while another process holds it. Resolves to its release.
 * `onCompromised` replaces the library's default, which throws from a timer and would crash the process.
 */
export function lockFile(file: string, onCompromised: (err: Error) => void): Promise<() => Promise<void>> {
  return lockfile.lock(file, {
    realpath: false,
    stale: 10_000,
    retries: { retries: 200, minTimeout: 5, maxTimeout: 100, randomize: true },
    lockfilePath: `${file}.lock`,
    onCompromised,
  });
}
