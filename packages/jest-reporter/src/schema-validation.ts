import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';

const SCHEMA_DIR = path.resolve(__dirname, '..', 'schema');
const validators = new Map<string, ValidateFunction>();

/**
 * Validates a parsed report or baseline against the shipped JSON Schema; returns readable
 * problems ('' when valid). Ajv is loaded on first use: a run with no baseline and no merge
 * never pays for it.
 */
export function schemaProblems(kind: 'report' | 'baseline', value: unknown): string[] {
  let validate = validators.get(kind);
  if (!validate) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Ajv = require('ajv').default as typeof import('ajv').default;
    const ajv = new Ajv({ allErrors: true, strict: true });
    validate = ajv.compile(JSON.parse(readFileSync(path.join(SCHEMA_DIR, `${kind}.schema.json`), 'utf8')) as object);
    validators.set(kind, validate);
  }
  if (validate(value)) return [];
  const problems = (validate.errors ?? []).slice(0, 8).map(formatError);
  // Ajv keeps the last errors on the cached function: drop them (they hold the value's parts).
  validate.errors = null;
  return problems;
}

function formatError(error: ErrorObject): string {
  const where = error.instancePath || '(top level)';
  const extra =
    error.keyword === 'additionalProperties'
      ? ` (${JSON.stringify(error.params.additionalProperty)})`
      : error.keyword === 'enum'
        ? ` (one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')})`
        : '';
  return `${where} ${error.message}${extra}`;
}
