/**
 * The Kubernetes 1.27 API as cdk8s-plus-27's L1 classes (`k8s.KubeDeployment`, ...): the only part
 * of cdk8s-plus-27 this project uses (see "Design notes" in the README). It is taken from its own
 * module: the package's index also loads every L2 construct, about 16 ms of each process that
 * renders and of each test file that builds a chart.
 */
export * as k8s from 'cdk8s-plus-27/lib/imports/k8s';
