import { pathToFileURL } from 'node:url';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ArtifactCorruptedError, ArtifactNotFoundError, FileArtifactStore, sha256 } from '../../stores/artifact-store';

let root: string;
let store: FileArtifactStore;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'artifact-store-'));
  store = new FileArtifactStore(root);
});

afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

/** Every file under `dir`, relative to it. */
function allFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => fs.statSync(path.join(dir, f)).isFile());
}

describe('sha256', () => {
  it('hashes strings and bytes identically to node:crypto', () => {
    expect(sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256(new Uint8Array([1, 2, 3]))).toBe(
      createHash('sha256')
        .update(Buffer.from([1, 2, 3]))
        .digest('hex'),
    );
  });
});

describe('FileArtifactStore', () => {
  it('stores content at <root>/sha256/<hash> and returns its hash, size and uri', async () => {
    const content = 'héllo, artifacts';
    const ref = await store.put(content);
    const file = path.join(root, 'sha256', sha256(content));
    expect(ref).toEqual({ hash: sha256(content), size: Buffer.byteLength(content), uri: pathToFileURL(file).href });
    expect(ref.size).toBe(17); // bytes, not characters
    expect(fs.readFileSync(file, 'utf8')).toBe(content);
    expect((await store.get(ref.hash)).toString('utf8')).toBe(content);
  });

  it('stores binary content byte for byte', async () => {
    const bytes = new Uint8Array([0, 255, 10, 13, 128]);
    const ref = await store.put(bytes);
    expect(ref.size).toBe(5);
    expect([...(await store.get(ref.hash))]).toEqual([...bytes]);
  });

  it('is idempotent: a second put returns the same ref and leaves one file', async () => {
    const first = await store.put('same bytes');
    const second = await store.put('same bytes');
    expect(second).toEqual(first);
    expect(allFiles(root)).toEqual([path.join('sha256', first.hash)]);
  });

  it('throws ArtifactNotFoundError for a hash that was never stored', async () => {
    await expect(store.get(sha256('never stored'))).rejects.toBeInstanceOf(ArtifactNotFoundError);
  });

  it('throws ArtifactCorruptedError when the bytes on disk no longer match the hash', async () => {
    const ref = await store.put('original content');
    fs.writeFileSync(store.pathOf(ref.hash), 'tampered content');
    await expect(store.get(ref.hash)).rejects.toBeInstanceOf(ArtifactCorruptedError);
  });

  it.each(['../x', '../../etc/passwd', 'ABC', '', 'a'.repeat(63), 'A'.repeat(64), `${'a'.repeat(64)}/..`])(
    'pathOf rejects %j',
    (bad) => {
      expect(() => store.pathOf(bad)).toThrow(RangeError);
    },
  );

  it('get rejects a non-hash before touching the file system', async () => {
    fs.writeFileSync(path.join(root, 'x'), 'outside the store');
    await expect(store.get('../x')).rejects.toThrow(RangeError);
  });

  it('round-trips JSON through putJson/getJson', async () => {
    const value = { name: 'model', weights: [1.5, -2], nested: { ok: true, none: null } };
    const ref = await store.putJson(value);
    expect(ref.hash).toBe(sha256(JSON.stringify(value)));
    expect(await store.getJson(ref.hash)).toEqual(value);
  });

  it('leaves no .tmp- files behind, even after concurrent puts of the same content', async () => {
    await Promise.all([store.put('a'), store.put('b'), store.put('a'), store.putJson({ a: 1 }), store.put('a')]);
    const files = allFiles(root);
    expect(files.filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(files.sort()).toEqual(
      [sha256('a'), sha256('b'), sha256('{"a":1}')].map((h) => path.join('sha256', h)).sort(),
    );
  });
});
