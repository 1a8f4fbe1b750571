import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadAll } from 'js-yaml';
import { readEntry, writeEntry } from '../../lib/platform/cache';
import type { Manifest, Violation } from '../../lib/validation/schema';
import {
  CRD_DIR,
  KUBERNETES_VERSIONS,
  ObjectValidator,
  parseMemo,
  readSchemaFiles,
  verdictMemo,
} from '../../lib/validation/verdict-memo';
import { writeInto } from '../../lib/platform/tree';
import { sameSizeEdit } from '../helpers';

let tmp: string;
let k8s: string;
let crds: string;
let cache: string;
const files = new Map([
  ['prod/a.yaml', 'kind: A\n'],
  ['prod/kustomization.yaml', 'resources: [a.yaml]\n'],
]);
const counts: Array<[string, number]> = [['prod', 1]];

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-verdicts-'));
  k8s = path.join(tmp, 'k8s');
  crds = path.join(tmp, 'crds');
  cache = path.join(tmp, 'cache');
  writeInto(
    tmp,
    new Map([
      ['k8s/v1.json', '{"definitions":{"a":1}}'],
      ['crds/b.yaml', 'kind: CustomResourceDefinition\nname: b\n'],
      ['crds/a.yaml', 'kind: CustomResourceDefinition\nname: a\n'],
    ]),
  );
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const schemas = () => readSchemaFiles(['v1'], k8s, crds);
const memo = (code = 'code', judged = files) => verdictMemo(code, schemas(), judged, cache);

test('the schema files are read once, Kubernetes versions as asked and every CRD by name', () => {
  const read = schemas();
  expect(read.kubernetes.map(([v, b]) => [v, b.toString()])).toEqual([['v1', '{"definitions":{"a":1}}']]);
  expect(read.crds.map(([f]) => f)).toEqual(['a.yaml', 'b.yaml']);
  const committed = readSchemaFiles();
  expect(committed.kubernetes.map(([v]) => v)).toEqual(KUBERNETES_VERSIONS);
  expect(committed.crds.map(([f]) => f)).toEqual(
    fs
      .readdirSync(CRD_DIR)
      .filter((f) => f.endsWith('.yaml'))
      .sort(),
  );
});

test('a pass is kept and found again for the same code, schemas and files', () => {
  expect(memo().passed).toBeUndefined();
  memo().pass(counts);
  expect(memo().passed).toEqual(counts);
});

test.each([
  ['a Kubernetes schema', () => sameSizeEdit(path.join(k8s, 'v1.json'), '"a":1', '"a":2')],
  ['a CRD', () => sameSizeEdit(path.join(crds, 'b.yaml'), 'name: b', 'name: c')],
  ['a CRD added', () => fs.writeFileSync(path.join(crds, 'c.yaml'), 'kind: CustomResourceDefinition\n')],
])('%s edited (same size, same time stamp) is a new key', (_what, edit) => {
  memo().pass(counts);
  edit();
  expect(memo().passed).toBeUndefined();
});

test('a file judged, edited at the same size, or one more file, is a new key', () => {
  memo().pass(counts);
  expect(memo('code', new Map([...files, ['prod/a.yaml', 'kind: B\n']])).passed).toBeUndefined();
  expect(memo('code', new Map([...files, ['prod/b.yaml', 'kind: B\n']])).passed).toBeUndefined();
  expect(memo('code', new Map([['prod/a.yaml', 'kind: A\n']])).passed).toBeUndefined();
});

test('other code is a new key', () => {
  memo('code').pass(counts);
  expect(memo('Code').passed).toBeUndefined();
});

test('a cache folder that cannot be read or written is no verdict, never an error', () => {
  fs.mkdirSync(cache);
  fs.writeFileSync(path.join(cache, 'passes'), 'a file where a folder should be');
  fs.writeFileSync(path.join(cache, 'objects'), 'a file where a folder should be');
  const m = memo();
  expect(m.passed).toBeUndefined();
  expect(() => m.pass(counts)).not.toThrow();
  expect(() => m.keepObjects()).not.toThrow();
});

test('an unreadable entry is no verdict: the files are judged again', () => {
  memo().pass(counts);
  const [entry] = fs.readdirSync(path.join(cache, 'passes'));
  for (const text of ['{"not": "counts"}', '[["prod", "1"]]', '[["prod"', '']) {
    fs.writeFileSync(path.join(cache, 'passes', entry!), text);
    expect(memo().passed).toBeUndefined();
  }
});

describe("each object's schema verdict", () => {
  const object = (name: string, image = 'x:1'): Manifest => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    image,
  });
  /** A validator that counts what it checks and finds `latest` images wrong. */
  function counting(): ObjectValidator & { checked: string[] } {
    const checked: string[] = [];
    return {
      checked,
      validate: (manifests) =>
        manifests.flatMap((m): Violation[] => {
          checked.push(m.metadata.name);
          return m.image === 'x:latest'
            ? [{ object: `Pod/${m.metadata.name}`, field: 'image', rule: 'schema', message: 'no latest' }]
            : [];
        }),
    };
  }
  const judge = (manifests: Manifest[], code = 'code') => {
    const inner = counting();
    const memo = verdictMemo(code, schemas(), files, cache);
    const violations = memo.objects(inner).validate(manifests);
    memo.keepObjects();
    return { checked: inner.checked, violations };
  };

  test('is kept: the same object is not checked again, violations included, and an edited one is', () => {
    const first = judge([object('a'), object('b', 'x:latest')]);
    expect(first.checked).toEqual(['a', 'b']);
    const again = judge([object('a'), object('b', 'x:latest'), object('c')]);
    expect(again.checked).toEqual(['c']);
    expect(again.violations).toEqual(first.violations);
    expect(again.violations).toHaveLength(1);
    expect(judge([object('a', 'x:2'), object('b', 'x:latest')]).checked).toEqual(['a']);
  });

  test('objects JSON would write alike (NaN and null) are judged apart', () => {
    judge([{ ...object('a'), image: null } as unknown as Manifest]);
    expect(judge([{ ...object('a'), image: NaN } as unknown as Manifest]).checked).toEqual(['a']);
  });

  test("a folder's policy verdict is kept: an unchanged folder is not judged again, an edited one is", () => {
    const judgeFolder = (manifests: Manifest[]) => {
      const judged: string[] = [];
      const memo = verdictMemo('code', schemas(), files, cache);
      const violations = memo.policy((ms) => {
        judged.push(ms.map((m) => m.metadata.name).join(','));
        return ms.length > 1 ? [{ object: 'Pod/b', field: '', rule: 'policy: two', message: 'two' }] : [];
      })(manifests);
      memo.keepObjects();
      return { judged, violations };
    };
    const first = judgeFolder([object('a'), object('b')]);
    expect(first.judged).toEqual(['a,b']);
    expect(judgeFolder([object('a'), object('b')])).toEqual({ judged: [], violations: first.violations });
    expect(judgeFolder([object('a'), object('b', 'x:2')]).judged).toEqual(['a,b']);
    expect(judgeFolder([object('a')]).judged).toEqual(['a']);
  });

  test('stands for its code and schema files only', () => {
    judge([object('a')]);
    expect(judge([object('a')], 'Code').checked).toEqual(['a']);
    sameSizeEdit(path.join(crds, 'b.yaml'), 'name: b', 'name: c');
    expect(judge([object('a')]).checked).toEqual(['a']);
  });

  test('an unreadable table is no verdict: every object is checked', () => {
    judge([object('a')]);
    const [table] = fs.readdirSync(path.join(cache, 'objects'));
    for (const text of ['{"k": [{"object": 1}]}', '[]', '{', '{"k": "v"}']) {
      fs.writeFileSync(path.join(cache, 'objects', table!), text);
      expect(judge([object('a')]).checked).toEqual(['a']);
      fs.rmSync(path.join(cache, 'objects'), { recursive: true });
      judge([object('a')]);
    }
  });
});

describe("each file's documents", () => {
  const parse = (text: string): unknown[] => {
    const memo = parseMemo(cache);
    const docs = memo.parse(text);
    memo.keep();
    return docs;
  };
  const table = (): Record<string, string> => {
    const [name] = fs.readdirSync(cache);
    return JSON.parse(readEntry(cache, name!)!) as Record<string, string>;
  };

  test('are what js-yaml reads, kept or not, and kept by the bytes of the file', () => {
    const text = 'kind: A\nspec: {replicas: 2}\n---\nkind: B\n';
    expect(parse(text)).toEqual(loadAll(text));
    expect(parse(text)).toEqual(loadAll(text));
    expect(Object.keys(table())).toHaveLength(1);
    const [key] = Object.keys(table());
    writeEntry(cache, fs.readdirSync(cache)[0]!, JSON.stringify({ [key!]: '[{"kind":"forged"}]' }));
    expect(parse(text)).toEqual([{ kind: 'forged' }]);
    const edited = text.replace('replicas: 2', 'replicas: 3');
    expect(parse(edited)).toEqual(loadAll(edited));
  });

  test('documents JSON would not give back exactly (NaN, infinities) are never kept', () => {
    for (const text of ['n: .nan\n', 'i: -.inf\n']) {
      expect(parse(text)).toEqual(loadAll(text));
      expect(Object.keys(table())).toHaveLength(0);
    }
  });

  test('an unreadable table or entry is parsed anew', () => {
    const text = 'kind: A\n';
    parse(text);
    const file = path.join(cache, fs.readdirSync(cache)[0]!);
    for (const broken of ['{', '[]', JSON.stringify({ [Object.keys(table())[0]!]: '{' })]) {
      writeEntry(cache, path.basename(file), broken);
      expect(parseMemo(cache).parse(text)).toEqual(loadAll(text));
    }
  });
});
