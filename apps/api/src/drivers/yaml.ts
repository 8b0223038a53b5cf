export type YamlValue = string | number | boolean | readonly YamlValue[] | { readonly [key: string]: YamlValue };

/**
 * Block-style YAML for configuration files people read. Every string is double-quoted with
 * JSON escapes, which YAML reads the same way, so no value can change the structure.
 */
export function toYaml(value: YamlValue, header?: string): string {
  const comment = header ? header.split('\n').map((line) => `# ${line}`.trimEnd()) : [];
  return [...comment, ...render(value, 0)].join('\n') + '\n';
}

function render(value: YamlValue, indent: number): string[] {
  const pad = ' '.repeat(indent);
  const inline = inlineForm(value);
  if (inline !== undefined) return [pad + inline];
  if (Array.isArray(value)) {
    const lines: string[] = [];
    for (const item of value as readonly YamlValue[]) {
      const sub = render(item, indent + 2);
      sub[0] = `${pad}- ${sub[0].slice(indent + 2)}`;
      lines.push(...sub);
    }
    return lines;
  }
  const lines: string[] = [];
  for (const [key, child] of Object.entries(value as { readonly [key: string]: YamlValue })) {
    const childInline = inlineForm(child);
    if (childInline !== undefined) lines.push(`${pad}${yamlKey(key)}: ${childInline}`);
    else lines.push(`${pad}${yamlKey(key)}:`, ...render(child, indent + 2));
  }
  return lines;
}

/** Scalars, empty collections and lists of scalars fit on one line. */
function inlineForm(value: YamlValue): string | undefined {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError('YAML numbers must be finite');
    return String(value);
  }
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    const items = value as readonly YamlValue[];
    if (items.every((item) => typeof item !== 'object')) return `[${items.map((item) => inlineForm(item)).join(', ')}]`;
    return undefined;
  }
  return Object.keys(value).length === 0 ? '{}' : undefined;
}

function yamlKey(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? key : JSON.stringify(key);
}
