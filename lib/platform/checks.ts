/**
 * The checks constructs run on their props, in one place: each returns why a value is wrong (or
 * undefined), and `throwProblems` reports all of a construct's problems at once, each prefixed with
 * the construct path.
 */
import { SocketAddress } from 'net';
import { IConstruct } from 'constructs';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const SQL_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** A DNS label: lower-case letters, digits and "-", at most 63 characters. */
export function isDnsLabel(value: string): boolean {
  return DNS_LABEL.test(value);
}

/** A fully qualified DNS name (at least two labels, the last not all digits), such as api.easyflow.dev. */
export function isHostname(value: string): boolean {
  const labels = value.split('.');
  return value.length <= 253 && labels.length > 1 && labels.every(isDnsLabel) && !/^\d+$/.test(labels.at(-1)!);
}

/**
 * 4 or 6 when `value` is an IPv4 or IPv6 address, else 0: net.isIP's answer, from the address
 * parser of libuv instead of net.isIP's IPv6 pattern, which costs about a millisecond a call.
 */
export function ipFamily(value: string): 0 | 4 | 6 {
  const family = value.includes(':') ? 6 : 4;
  try {
    new SocketAddress({ address: value, family: family === 6 ? 'ipv6' : 'ipv4' });
    return family;
  } catch {
    return 0;
  }
}

/** Why `value` is not an IPv4 or IPv6 CIDR (address, "/", prefix length), or undefined. */
export function cidrProblem(value: string): string | undefined {
  const [address = '', bits = '', ...rest] = value.split('/');
  const family = address.includes('%') ? 0 : ipFamily(address);
  const max = family === 6 ? 128 : 32;
  const ok =
    rest.length === 0 && family !== 0 && /^\d{1,3}$/.test(bits) && String(Number(bits)) === bits && Number(bits) <= max;
  return ok
    ? undefined
    : 'must be a CIDR such as 10.0.0.0/16 or fd00:10::/64 (an IPv4 address then / and 0-32, or an IPv6 address then / and 0-128)';
}

/** Why `value` is not a whole number from `min` (to `max`), or undefined. */
export function wholeNumberProblem(field: string, value: number, min: number, max?: number): string | undefined {
  const ok = Number.isInteger(value) && value >= min && (max === undefined || value <= max);
  if (ok) return undefined;
  return max === undefined
    ? `${field} must be a whole number >= ${min}, got ${value}`
    : `${field} must be a whole number from ${min} to ${max}, got ${value}`;
}

/** Why `value` is not a lower-case SQL identifier, or undefined. */
export function sqlIdentifierProblem(field: string, value: string): string | undefined {
  return SQL_IDENTIFIER.test(value) ? undefined : `${field} "${value}" must be a lower-case SQL identifier`;
}

/** Props a construct refuses; `problems` lists each as `<construct path>: <problem>`. */
export class PropsError extends Error {
  constructor(public readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'PropsError';
  }
}

/** Throws one PropsError listing every problem, each as `<construct path>: <problem>`; nothing when none. */
export function throwProblems(scope: IConstruct, problems: ReadonlyArray<string | undefined>): void {
  const found = problems.filter((p): p is string => p !== undefined);
  if (found.length > 0) {
    throw new PropsError(found.map((p) => `${scope.node.path}: ${p}`));
  }
}
