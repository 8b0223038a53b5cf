// Field names that can carry a secret anywhere in Hearth's inputs. Matching by name keeps
// secrets out of audit details and job records even for fields added later.
const SECRET_FIELD = /pass(word|phrase)?|secret|token|key|totp|code|identity|credential|authorization|cookie/i;

export const REDACTED = '[redacted]';

/** A copy of `value` with every secret-named field replaced; depth-limited for safety. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  // Deeper than anything Hearth sends: drop it rather than keep a secret nobody looked at.
  if (depth > 6) return REDACTED;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [field, v] of Object.entries(value)) {
    out[field] = SECRET_FIELD.test(field) ? REDACTED : redactSecrets(v, depth + 1);
  }
  return out;
}
