import { spawn } from 'child_process';
import { LockHolder, describeHolder, withLock } from '../../lib/platform/lock';
import { ROOT } from '../helpers';

const key = `lock-test-${process.pid}-${Date.now()}`;

test('holders of one key run one at a time; the second waits and is told so', async () => {
  const events: string[] = [];
  let waited = 0;
  const hold = (name: string) =>
    withLock(
      key,
      async () => {
        events.push(`${name} in`);
        await new Promise((r) => setTimeout(r, 100));
        events.push(`${name} out`);
      },
      { onWait: () => waited++ },
    );
  await Promise.all([hold('a'), hold('b')]);
  expect(events).toEqual(['a in', 'a out', 'b in', 'b out']);
  expect(waited).toBe(1);
});

test('a holder that throws releases the lock', async () => {
  await expect(withLock(key, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  await expect(withLock(key, () => 7)).resolves.toBe(7);
});

test('waiting gives up after the timeout with a message naming the lock', async () => {
  // Held until the waiter has given up, however slowly this machine runs the two.
  let release = (): void => undefined;
  const held = withLock(key, () => new Promise<void>((r) => (release = r)));
  await expect(withLock(key, () => 1, { timeoutMs: 50 })).rejects.toThrow(
    new RegExp(
      `^the lock "${key}" was held by pid ${process.pid} \\(.+\\) since \\d\\d:\\d\\d:\\d\\d UTC for 50 ms, longer than this process waits; if that process hangs, stop it \\(kill ${process.pid}\\) and run this again$`,
    ),
  );
  release();
  await held;
});

test('a holder killed with SIGKILL releases the lock', async () => {
  const holder = `require('./scripts/ts-run').load('lib/platform/lock.ts').withLock(${JSON.stringify(key)}, () => {
    console.log('held');
    return new Promise(() => setInterval(() => undefined, 1000));
  })`;
  const child = spawn(process.execPath, ['-e', holder], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((r) => child.stdout.once('data', r));
  await expect(withLock(key, () => 'busy', { timeoutMs: 100 })).rejects.toThrow(`was held by pid ${child.pid} (`);
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  await expect(withLock(key, () => 'free', { timeoutMs: 2000 })).resolves.toBe('free');
});

test('while waiting, the waiter hears again and again who holds the lock and for how long it has waited', async () => {
  let release = (): void => undefined;
  const held = withLock(key, () => new Promise<void>((r) => (release = r)));
  const reports: Array<[number, LockHolder | undefined]> = [];
  const waiting = withLock(key, () => 'mine', {
    reportEveryMs: 1,
    onWait: (ms, holder) => {
      reports.push([ms, holder]);
      if (reports.length === 3) release();
    },
  });
  await expect(waiting).resolves.toBe('mine');
  await held;
  expect(reports).toHaveLength(3);
  expect(reports[2]![0]).toBeGreaterThan(reports[0]![0]);
  expect(reports[0]![1]).toEqual({ pid: process.pid, command: expect.any(String), since: expect.any(Number) });
  expect(describeHolder(reports[0]![1])).toMatch(
    new RegExp(`^pid ${process.pid} \\(.+\\) since \\d\\d:\\d\\d:\\d\\d UTC$`),
  );
  expect(describeHolder(undefined)).toBe('another process');
});
