import { parseDeploySettings } from '../../config/deploy';
import { ConfigError, parseLifecycleConfig } from '../../config/project';
import { parseRow } from '../../cli/commands/deploy';
import { parseBackends } from '../../serving/router';

describe('deploy settings', () => {
  it('default every field', () => {
    expect(parseDeploySettings(undefined)).toMatchObject({ enabled: true, target: 'local', rollout: [10, 50, 100] });
    expect(parseLifecycleConfig({ deploy: { enabled: true, stepSeconds: 5 } }).deploy).toMatchObject({
      enabled: true,
      stepSeconds: 5,
      canary: { maxErrorRate: 0.01 },
    });
  });

  it('name the bad field and the fix', () => {
    expect(() => parseDeploySettings({ rollout: [50, 10, 100] })).toThrow(
      'deploy.rollout: steps must increase, e.g. [10, 50, 100]',
    );
    expect(() => parseDeploySettings({ rollout: [10, 50] })).toThrow('deploy.rollout: the last step must be 100');
    expect(() => parseDeploySettings({ target: 'mainframe' })).toThrow('deploy.target');
    expect(() => parseDeploySettings({ canary: { maxErrorRate: 2 } })).toThrow('deploy.canary.maxErrorRate');
    expect(() => parseLifecycleConfig({ deploy: { smoke: { tolerence: 1 } } })).toThrow(ConfigError);
    expect(() => parseLifecycleConfig({ deploy: { smoke: { tolerence: 1 } } })).toThrow('deploy.smoke');
    expect(() => parseDeploySettings({ resources: { requestsPerSecond: -1 } })).toThrow(
      'deploy.resources.requestsPerSecond',
    );
    expect(() => parseDeploySettings({ resources: { cpuBudget: 1, minCpu: 2 } })).toThrow(
      'deploy.resources.minCpu: minCpu is above cpuBudget; lower minCpu or raise cpuBudget',
    );
  });
});

describe('router admin input and CLI rows', () => {
  it('reject bad backends naming the field', () => {
    expect(parseBackends({ backends: [{ id: 'a', url: 'http://127.0.0.1:1', weight: 10 }] })).toHaveLength(1);
    expect(() => parseBackends({ backends: [{ id: 'a', url: 'ftp://x', weight: 10 }] })).toThrow('backends[0].url');
    expect(() => parseBackends({ backends: [{ id: 'a', url: 'http://x:1', weight: 101 }] })).toThrow(
      'backends[0].weight must be a number within 0..100',
    );
    expect(() => parseBackends({})).toThrow('send {"backends"');
  });

  it('parse --row name=value pairs', () => {
    expect(parseRow('wind=3.5,weather=sun,precipitation=')).toEqual({ wind: 3.5, weather: 'sun', precipitation: null });
    expect(() => parseRow('wind')).toThrow('"wind" is not name=value');
  });
});
