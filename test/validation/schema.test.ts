/**
 * The compiled validators are reused by content: each input of the cache key, edited at the same
 * size with its modification time put back, changes the verdict of a validator whose cache is warm.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CRD_DIR, K8S_SCHEMA_DIR, Manifest, SchemaValidator } from '../../lib/validation/schema';
import { sameSizeEdit } from '../helpers';

let tmp: string;
let cache: string;
let k8s: string;
let crds: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'easyflow-schema-'));
  cache = path.join(tmp, 'cache');
  k8s = path.join(tmp, 'k8s');
  crds = path.join(tmp, 'crds');
  fs.mkdirSync(k8s);
  fs.mkdirSync(crds);
  fs.copyFileSync(path.join(K8S_SCHEMA_DIR, 'v1.27.0.json'), path.join(k8s, 'v1.27.0.json'));
  const crd = 'monitoring.coreos.com_servicemonitors.yaml';
  fs.copyFileSync(path.join(CRD_DIR, crd), path.join(crds, crd));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const validator = () => new SchemaValidator(['v1.27.0'], crds, cache, k8s);

// A kind with a small schema: compiling a Deployment's (the whole pod spec) would be most of this file's time.
const configMap = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'web' },
  immutable: true,
  data: { key: 'value' },
} as Manifest;

const serviceMonitor = {
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'ServiceMonitor',
  metadata: { name: 'web' },
  spec: { selector: {}, endpoints: [{ port: 'metrics' }] },
} as Manifest;

test('valid objects pass, and the compiled validators land in the cache folder', () => {
  expect(validator().validate([configMap, serviceMonitor])).toEqual([]);
  const [key] = fs.readdirSync(cache);
  // The index plus the one Kubernetes kind and the one CRD kind validated, nothing else.
  expect(fs.readdirSync(path.join(cache, key!)).sort()).toHaveLength(3);
  expect(validator().validate([configMap, serviceMonitor])).toEqual([]);
  expect(fs.readdirSync(cache)).toEqual([key]);
});

test('a Kubernetes schema file edited at the same size is a new key and a new verdict', () => {
  expect(validator().validate([configMap])).toEqual([]);
  // The first "immutable" property of the file is ConfigMap's.
  sameSizeEdit(path.join(k8s, 'v1.27.0.json'), '"immutable": {', '"immutablf": {');
  expect(validator().validate([configMap])).toEqual([
    expect.objectContaining({ field: 'immutable', message: 'unknown field' }),
  ]);
  expect(fs.readdirSync(cache)).toHaveLength(2);
});

test('a CRD file edited at the same size is a new key and a new verdict', () => {
  expect(validator().validate([serviceMonitor])).toEqual([]);
  sameSizeEdit(path.join(crds, 'monitoring.coreos.com_servicemonitors.yaml'), 'endpoints:', 'endpointz:');
  expect(validator().validate([serviceMonitor])).toEqual([
    expect.objectContaining({ field: 'spec.endpoints', message: 'unknown field' }),
  ]);
});

test('a CRD file added is a new key: its kind is known at once', () => {
  const gateway = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'g' } } as Manifest;
  expect(validator().validate([gateway])).toEqual([
    expect.objectContaining({ message: 'no schema for gateway.networking.k8s.io/v1/Gateway: add its CRD to crds/' }),
  ]);
  const crd = 'gateway.networking.k8s.io_gateways.yaml';
  fs.copyFileSync(path.join(CRD_DIR, crd), path.join(crds, crd));
  expect(validator().validate([gateway])).toEqual([
    expect.objectContaining({ field: '', message: "must have required property 'spec'" }),
  ]);
});
