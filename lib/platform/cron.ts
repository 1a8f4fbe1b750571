/**
 * Validation of the five-field cron expressions Kubernetes CronJobs accept
 * (minute hour day-of-month month day-of-week, plus the @hourly/@daily/... macros).
 */

interface Field {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const FIELDS: readonly Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  },
  { name: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

const MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

function parseValue(text: string, field: Field): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= field.min && n <= field.max ? n : undefined;
  }
  const index = field.names?.indexOf(text.toLowerCase()) ?? -1;
  return index >= 0 ? index + field.min : undefined;
}

function checkPart(part: string, field: Field): string | undefined {
  const [range, step, ...rest] = part.split('/');
  if (rest.length > 0 || range === undefined || range === '') {
    return `"${part}" in the ${field.name} field is malformed`;
  }
  if (step !== undefined && !/^[1-9]\d*$/.test(step)) {
    return `step "${step}" in the ${field.name} field must be a positive whole number`;
  }
  if (range === '*' || range === '?') {
    return undefined;
  }
  const bounds = range.split('-');
  if (bounds.length > 2) {
    return `"${range}" in the ${field.name} field is malformed`;
  }
  const values = bounds.map((b) => parseValue(b, field));
  if (values.some((v) => v === undefined)) {
    return `"${range}" in the ${field.name} field is outside ${field.min}-${field.max}`;
  }
  if (values.length === 2 && values[0]! > values[1]!) {
    return `range "${range}" in the ${field.name} field runs backwards`;
  }
  return undefined;
}

/** Why `expression` is not a valid Kubernetes cron schedule, or undefined when it is. */
export function cronProblem(expression: string): string | undefined {
  const trimmed = expression.trim();
  if (MACROS.has(trimmed)) {
    return undefined;
  }
  if (/^(CRON_)?TZ=/.test(trimmed)) {
    return 'a time zone inside the schedule is not allowed; use backup.timeZone';
  }
  const parts = trimmed.split(/\s+/);
  if (parts.length !== FIELDS.length) {
    return `expected 5 fields (minute hour day-of-month month day-of-week), found ${parts.length}`;
  }
  for (const [i, field] of FIELDS.entries()) {
    for (const item of parts[i]!.split(',')) {
      const problem = checkPart(item, field);
      if (problem) {
        return problem;
      }
    }
  }
  return undefined;
}
