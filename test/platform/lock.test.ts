import { spawn } from 'child_process';
import { withLock } from '../../lib/platform/lock';
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
    `the lock "${key}" was held by another process for 50 ms`,
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
  await expect(withLock(key, () => 'busy', { timeoutMs: 100 })).rejects.toThrow('was held by another process');
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  await expect(withLock(key, () => 'free', { timeoutMs: 2000 })).resolves.toBe('free');
});
