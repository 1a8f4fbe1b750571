import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { answer, main, recording, typecheck } from '../../scripts/typecheck';
import { sameSizeEdit } from '../helpers';

// A small project of its own (with the few global types tsc needs instead of a lib), checked with
// the code named 'code' unless a test says otherwise.
let project: string;
let cache: string;
beforeEach(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-typecheck-'));
  cache = path.join(project, 'cache');
  write(
    'tsconfig.json',
    JSON.stringify({
      compilerOptions: {
        noLib: true,
        types: [],
        strict: false,
        noEmit: true,
        incremental: true,
        tsBuildInfoFile: 'build/tsbuildinfo',
      },
      include: ['src/**/*.ts'],
    }),
  );
  write('src/a.ts', "import { value } from '../dep';\nexport const n: number = value;\n");
  write('dep/index.ts', 'export const value = 1;\n');
  const globals = ['Array<T>', 'Boolean', 'CallableFunction', 'Function', 'IArguments', 'NewableFunction', 'Number'];
  write('src/globals.d.ts', [...globals, 'Object', 'RegExp', 'String'].map((g) => `interface ${g} {}\n`).join(''));
});
afterEach(() => fs.rmSync(project, { recursive: true, force: true }));

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(project, file)), { recursive: true });
  fs.writeFileSync(path.join(project, file), text);
}

/** Whether the pass was reused, and each error's message. */
function check(code = 'code'): { reused: boolean; errors: string[] } {
  const { reused, diagnostics } = typecheck(project, cache, code);
  return { reused, errors: diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')) };
}

const PASSED = { reused: false, errors: [] };
const REUSED = { reused: true, errors: [] };

test("a pass is kept and reused while tsc would be given the same answers; tsc's build info is not one of them", () => {
  expect(check()).toEqual(PASSED);
  const buildInfo = fs.readFileSync(path.join(project, 'build', 'tsbuildinfo'));
  expect(check()).toEqual(REUSED);
  // The build info changes with each check; a reuse does not depend on it.
  fs.appendFileSync(path.join(project, 'build', 'tsbuildinfo'), ' ');
  expect(check()).toEqual(REUSED);
  expect(buildInfo.length).toBeGreaterThan(0);
});

test('a source file edited at the same size is checked again', () => {
  expect(check()).toEqual(PASSED);
  sameSizeEdit(path.join(project, 'src', 'a.ts'), 'n: number', 'n: string');
  expect(check()).toEqual({ reused: false, errors: ["Type 'number' is not assignable to type 'string'."] });
});

test('tsconfig.json edited at the same size is checked again', () => {
  write('src/b.ts', 'export function f(x) {\n  return x;\n}\n');
  expect(check()).toEqual(PASSED);
  sameSizeEdit(path.join(project, 'tsconfig.json'), '"strict":false', '"strict":true ');
  expect(check()).toEqual({ reused: false, errors: ["Parameter 'x' implicitly has an 'any' type."] });
});

test("a new file the project's globs take in is checked", () => {
  expect(check()).toEqual(PASSED);
  write('src/c.ts', 'export const s: string = 1;\n');
  expect(check()).toEqual({ reused: false, errors: ["Type 'number' is not assignable to type 'string'."] });
});

test('a file created where tsc looked for one and found none is checked: an import now resolves to it', () => {
  expect(check()).toEqual(PASSED);
  // dep.ts comes before dep/index.ts when '../dep' is resolved, and it is outside the globs.
  write('dep.ts', "export const value = 'one';\n");
  expect(check()).toEqual({ reused: false, errors: ["Type 'string' is not assignable to type 'number'."] });
});

test('other checking code is a new key', () => {
  expect(check('one')).toEqual(PASSED);
  expect(check('two')).toEqual(PASSED);
  expect(check('one')).toEqual(REUSED);
});

test('without a code key nothing is kept', () => {
  expect(typecheck(project, cache, undefined).reused).toBe(false);
  expect(typecheck(project, cache, undefined).reused).toBe(false);
  expect(fs.existsSync(cache)).toBe(false);
});

test('a failed check is never kept, and a damaged entry is checked again', () => {
  write('src/c.ts', 'export const s: string = 1;\n');
  expect(check().errors).toHaveLength(1);
  expect(fs.existsSync(cache)).toBe(false);
  fs.rmSync(path.join(project, 'src', 'c.ts'));
  expect(check()).toEqual(PASSED);
  const [entry] = fs.readdirSync(cache);
  fs.appendFileSync(path.join(cache, entry!), ' ');
  expect(check()).toEqual(PASSED);
});

test('a question answered differently when asked again (an edit while tsc reads) marks the run unstable', () => {
  let calls = 0;
  const changing: ts.System = { ...ts.sys, fileExists: () => ++calls === 1 };
  const asked = new Map();
  const unstable = { set: false };
  const system = recording(changing, asked, '', unstable);
  system.fileExists('/x');
  expect(unstable.set).toBe(false);
  system.fileExists('/x');
  expect(unstable.set).toBe(true);
  expect([...asked.values()]).toEqual([['fileExists', ['/x'], 'true']]);
});

test('a question that throws when asked again is no answer a recording holds: the check runs again', () => {
  const failing: ts.System = {
    ...ts.sys,
    fileExists: () => {
      throw new Error('EIO');
    },
  };
  // A recorded fileExists answer is true or false (JSON).
  expect(['true', 'false']).not.toContain(answer(failing, 'fileExists', ['/x']));
  expect(answer(ts.sys, 'fileExists', [path.join(project, 'src', 'a.ts')])).toBe('true');
});

test('nothing but the build info is written, whatever tsconfig.json says (tsc --noEmit)', () => {
  const config = path.join(project, 'tsconfig.json');
  fs.writeFileSync(config, fs.readFileSync(config, 'utf8').replace('"noEmit":true', '"noEmit":false'));
  expect(check()).toEqual(PASSED);
  expect(fs.readdirSync(path.join(project, 'src')).sort()).toEqual(['a.ts', 'globals.d.ts']);
  expect(fs.existsSync(path.join(project, 'build', 'tsbuildinfo'))).toBe(true);
});

test('the command takes no arguments: tsc flags are refused, not dropped', () => {
  const exitCode = process.exitCode;
  const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    main(['--pretty', 'false']);
    expect(process.exitCode).toBe(2);
    expect(errors).toHaveBeenCalledWith(expect.stringContaining('typecheck: takes no arguments'));
  } finally {
    process.exitCode = exitCode;
    errors.mockRestore();
  }
});
