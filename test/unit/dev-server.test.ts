import { devServerArgs, type DevServerOptions } from '../../runtime/dev-server';

const options: DevServerOptions = {
  cliPath: '/opt/temporal',
  host: '127.0.0.1',
  port: 7233,
  dbFile: '/tmp/mlops/dev server.sqlite',
  namespace: 'default',
};

/** The value that follows `flag` in `args`. */
function valueOf(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i === -1 ? undefined : args[i + 1];
}

describe('devServerArgs', () => {
  it('starts a dev server on the given address and database file', () => {
    const args = devServerArgs(options);
    expect(args.slice(0, 2)).toEqual(['server', 'start-dev']);
    expect(valueOf(args, '--ip')).toBe('127.0.0.1');
    expect(valueOf(args, '--port')).toBe('7233');
    expect(valueOf(args, '--db-filename')).toBe('/tmp/mlops/dev server.sqlite');
    expect(valueOf(args, '--namespace')).toBe('default');
  });

  it('runs headless when uiPort is undefined', () => {
    const args = devServerArgs(options);
    expect(args).toContain('--headless');
    expect(args).not.toContain('--ui-port');
  });

  it('passes --ui-port when uiPort is set', () => {
    const args = devServerArgs({ ...options, uiPort: 8233 });
    expect(valueOf(args, '--ui-port')).toBe('8233');
    expect(args).not.toContain('--headless');
  });

  it('registers the Mlops search attributes with their CLI types', () => {
    const args = devServerArgs(options);
    const attributes = args.filter((_, i) => args[i - 1] === '--search-attribute');
    expect(attributes).toEqual(['MlopsModelName=Keyword', 'MlopsModelVersion=Int', 'MlopsStage=Keyword']);
  });
});
