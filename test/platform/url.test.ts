/** The one URL grammar: hosts, ports, schemes, and no credentials anywhere. */
import { CREDENTIALS_PROBLEM, credentialsIn, isHost, maskCredentials, urlProblem } from '../../lib/platform/url';

describe('urlProblem', () => {
  test.each<[string, string | undefined]>([
    ['https://github.com/easyflow/easyflow-deploy.git', undefined],
    ['https://kubernetes.default.svc', undefined],
    ['https://minio:9000', undefined],
    ['https://10.0.0.1:6443', undefined],
    ['https://[fd00::1]:6443/', undefined],
    ['ssh://git@git.example.com/platform/deploy.git', undefined],
    ['git@github.com:easyflow/deploy.git', undefined],
    ['https://x-access-token:TOKEN@github.com/easyflow/deploy.git', CREDENTIALS_PROBLEM],
    ['https://TOKEN@github.com/easyflow/deploy.git', CREDENTIALS_PROBLEM],
    ['https://:pw@github.com/x', CREDENTIALS_PROBLEM],
    ['https://@github.com/x', CREDENTIALS_PROBLEM],
    ['ssh://git:pw@git.example.com/deploy.git', CREDENTIALS_PROBLEM],
    ['git:pw@github.com:easyflow/deploy.git', CREDENTIALS_PROBLEM],
    ['http://github.com/x', 'must be an https:// or an ssh:// or a user@host:path URL'],
    ['github.com/x', 'must be an https:// or an ssh:// or a user@host:path URL'],
    ['https://github_com/x', 'has "github_com", which is not a host name'],
    ['https://999/x', 'has "999", which is not a host name'],
    ['https://1.2.3/x', 'has "1.2.3", which is not a host name'],
    ['https://-github.com/x', 'has "-github.com", which is not a host name'],
    ['https:///x', 'has "", which is not a host name'],
    ['git@github..com:x', 'has "github..com", which is not a host name'],
    ['https://github.com:99999/x', 'has port "99999"; a port is a number from 1 to 65535'],
    ['https://github.com:0/x', 'has port "0"; a port is a number from 1 to 65535'],
  ])('%s', (url, problem) => {
    expect(urlProblem(url, ['https', 'ssh'], true)).toBe(problem);
  });

  test('only the schemes given', () => {
    expect(urlProblem('ssh://git@example.com/x', ['https'])).toBe('must be an https:// URL');
    expect(urlProblem('git@example.com:x', ['https'])).toBe('must be an https:// URL');
  });

  test('isHost', () => {
    expect(['a', 'api.easyflow.dev', '127.0.0.1', '[::1]'].every(isHost)).toBe(true);
    expect(['', 'a_b', '256.1.1.1', 'a.-b', `${'a'.repeat(64)}.dev`].some(isHost)).toBe(false);
  });
});

describe('credentialsIn', () => {
  test.each<[string, string[]]>([
    ['https://u:p@h/x and redis://tok@h:6379', ['https://u:p@', 'redis://tok@']],
    ['ssh://git@github.com/x', []],
    ['ssh://git:pw@github.com/x', ['ssh://git:pw@']],
    ['postgresql+asyncpg://easyflow:$(DATABASE_PASSWORD)@postgres-rw:5432/easyflow', []],
    ['redis://:$(REDIS_PASSWORD)@redis:6379/0', []],
    ['redis://:$(REDIS_PASSWORD)x@redis:6379/0', ['redis://:$(REDIS_PASSWORD)x@']],
    ['https://example.com/a@b', []],
    ['mail me at ops@example.com', []],
  ])('%s', (text, found) => {
    expect(credentialsIn(text)).toEqual(found);
  });

  test('maskCredentials', () => {
    expect(maskCredentials('"https://x-access-token:TOKEN@github.com/x"')).toBe('"https://***@github.com/x"');
  });

  test('a scheme longer than any real one still counts, by its end', () => {
    const scheme = `a${'b'.repeat(99)}`;
    expect(credentialsIn(`${scheme}://u:p@h`)).toEqual([`${scheme.slice(-63)}://u:p@`]);
    expect(maskCredentials(`${scheme}://u:p@h`)).toBe(`${scheme}://***@h`);
  });

  test('a megabyte of letters is scanned once, not once per letter (it used to take hours)', () => {
    const text = `${'x'.repeat(1 << 20)} https://u:p@h`;
    expect(credentialsIn(text)).toEqual(['https://u:p@']);
    expect(maskCredentials(text).endsWith('https://***@h')).toBe(true);
  });
});
