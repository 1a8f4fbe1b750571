/**
 * Kubernetes quantities (`500m`, `1`, `512Mi`, `20Gi`): syntax check and comparison.
 *
 * Only the forms a person writes in config are accepted: a decimal number with an optional
 * binary (Ki..Ei) or decimal (m, k, M..E) suffix. Exponent forms (`1e3`) are rejected on purpose.
 */

const QUANTITY = /^(\d+(?:\.\d+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;

const FACTOR: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** True when `value` is a quantity this project accepts. */
export function isQuantity(value: string): boolean {
  return QUANTITY.test(value);
}

/** The quantity as a plain number (cores for CPU, bytes for memory). Throws on bad syntax. */
export function parseQuantity(value: string): number {
  const match = QUANTITY.exec(value);
  if (!match) {
    throw new Error(`"${value}" is not a Kubernetes quantity`);
  }
  return Number(match[1]) * FACTOR[match[2] ?? '']!;
}
