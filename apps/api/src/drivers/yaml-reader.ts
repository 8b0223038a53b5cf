/**
 * Reads what Hearth needs from YAML config files it did not write (an operator's
 * homeserver.yaml, ejabberd's dump_config): block mappings and sequences, flow collections,
 * plain and quoted scalars, comments. No anchors, aliases, tags, block scalars or
 * multi-line plain scalars: a value using them throws YamlSubsetError rather than being
 * misread. Only the top-level keys asked for are parsed, so an unrelated key can use anything.
 */

export type YamlData = string | number | boolean | null | YamlData[] | { [key: string]: YamlData };

export class YamlSubsetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'YamlSubsetError';
  }
}

interface Line {
  readonly number: number;
  readonly indent: number;
  readonly text: string;
}

/** The values of these top-level keys (undefined when the file doesn't set one). */
export function readYamlKeys(text: string, keys: readonly string[]): Record<string, YamlData | undefined> {
  const blocks = topLevelBlocks(text);
  return Object.fromEntries(
    keys.map((key) => {
      const block = blocks.get(key);
      if (!block) return [key, undefined];
      try {
        return [key, block.inline !== '' ? parseInline(block.inline) : new BlockParser(block.lines).document()];
      } catch (error) {
        if (error instanceof YamlSubsetError) throw new YamlSubsetError(`${key}: ${error.message}`);
        throw error;
      }
    }),
  );
}

function topLevelBlocks(text: string): Map<string, { inline: string; lines: Line[] }> {
  const blocks = new Map<string, { inline: string; lines: Line[] }>();
  let current: { inline: string; lines: Line[] } | undefined;
  const raw = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  raw.forEach((source, index) => {
    const number = index + 1;
    const stripped = stripComment(source).trimEnd();
    if (stripped.trim() === '') return;
    if (/^(---|\.\.\.)(\s|$)/.test(stripped)) {
      if (blocks.size > 0 || current) throw new YamlSubsetError(`line ${number}: more than one document`);
      return;
    }
    if (/^\t/.test(stripped)) throw new YamlSubsetError(`line ${number}: tabs for indentation`);
    const indent = stripped.length - stripped.trimStart().length;
    const line = { number, indent, text: stripped.trimStart() };
    if (indent > 0 || isDash(line.text)) {
      if (!current) throw new YamlSubsetError(`line ${number}: not a mapping at the top`);
      current.lines.push(line);
      return;
    }
    const entry = splitKey(line.text);
    if (!entry) throw new YamlSubsetError(`line ${number}: not a "key: value" line`);
    if (blocks.has(entry.key)) throw new YamlSubsetError(`line ${number}: ${entry.key} is set twice`);
    current = { inline: entry.rest, lines: [] };
    blocks.set(entry.key, current);
  });
  return blocks;
}

class BlockParser {
  private position = 0;

  constructor(private readonly lines: Line[]) {}

  document(): YamlData {
    if (this.lines.length === 0) return null;
    const value = this.node(this.lines[0].indent);
    const left = this.lines[this.position];
    if (left) throw new YamlSubsetError(`line ${left.number}: unexpected indentation`);
    return value;
  }

  private node(indent: number): YamlData {
    const line = this.lines[this.position];
    if (!line || line.indent !== indent) return null;
    if (isDash(line.text)) return this.sequence(indent);
    if (splitKey(line.text)) return this.mapping(indent);
    throw new YamlSubsetError(`line ${line.number}: a multi-line scalar`);
  }

  private sequence(indent: number): YamlData[] {
    const items: YamlData[] = [];
    for (let line = this.lines[this.position]; line && line.indent === indent && isDash(line.text); line = this.lines[this.position]) {
      const rest = line.text.slice(1).trimStart();
      if (rest === '') {
        this.position++;
        const child = this.lines[this.position];
        items.push(child && child.indent > indent ? this.node(child.indent) : null);
      } else if (splitKey(rest) && !/^["'[{]/.test(rest)) {
        // "- key: value": a mapping whose first entry shares the dash's line.
        const column = indent + line.text.length - rest.length;
        (this.lines as Line[])[this.position] = { number: line.number, indent: column, text: rest };
        items.push(this.mapping(column));
      } else {
        this.position++;
        items.push(parseInline(rest, line.number));
      }
    }
    return items;
  }

  private mapping(indent: number): { [key: string]: YamlData } {
    const result: { [key: string]: YamlData } = {};
    for (let line = this.lines[this.position]; line && line.indent === indent && !isDash(line.text); line = this.lines[this.position]) {
      const entry = splitKey(line.text);
      if (!entry) throw new YamlSubsetError(`line ${line.number}: not a "key: value" line`);
      if (Object.hasOwn(result, entry.key)) throw new YamlSubsetError(`line ${line.number}: ${entry.key} is set twice`);
      this.position++;
      if (entry.rest !== '') {
        result[entry.key] = parseInline(entry.rest, line.number);
        continue;
      }
      const child = this.lines[this.position];
      // A sequence may sit at its key's own indentation.
      const nested = child && (child.indent > indent || (child.indent === indent && isDash(child.text)));
      result[entry.key] = nested ? this.node(child.indent) : null;
    }
    return result;
  }
}

function isDash(text: string): boolean {
  return text === '-' || text.startsWith('- ');
}

/** "key: rest" with a plain or quoted key; undefined when the text is no mapping entry. */
function splitKey(text: string): { key: string; rest: string } | undefined {
  let key: string;
  let after: number;
  if (text.startsWith('"') || text.startsWith("'")) {
    const end = quotedEnd(text, 0);
    if (end < 0) return undefined;
    key = String(parseQuoted(text.slice(0, end + 1)));
    after = end + 1;
    while (text[after] === ' ') after++;
    if (text[after] !== ':' || !(after + 1 === text.length || text[after + 1] === ' ')) return undefined;
  } else {
    const colon = /:(?: |$)/.exec(text);
    if (!colon || /^[[{&*!|>?]/.test(text)) return undefined;
    key = text.slice(0, colon.index).trim();
    if (key === '') return undefined;
    after = colon.index;
  }
  return { key, rest: text.slice(after + 1).trim() };
}

function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quote) {
      if (quote === '"' && char === '\\') i++;
      else if (char === quote) {
        if (quote === "'" && line[i + 1] === "'") i++;
        else quote = undefined;
      }
    } else if ((char === '"' || char === "'") && (i === 0 || /[\s:,[{-]/.test(line[i - 1]))) {
      quote = char;
    } else if (char === '#' && (i === 0 || /\s/.test(line[i - 1]))) {
      return line.slice(0, i);
    }
  }
  return line;
}

/** The index of the quote that closes the one at `start`, or -1. */
function quotedEnd(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') i++;
    else if (text[i] === quote) {
      if (quote === "'" && text[i + 1] === "'") i++;
      else return i;
    }
  }
  return -1;
}

function parseQuoted(token: string): string {
  if (token.startsWith("'")) return token.slice(1, -1).replace(/''/g, "'");
  try {
    // YAML's double-quoted escapes are JSON's plus a few (\x, \e, \0...) that config files don't use.
    return JSON.parse(token) as string;
  } catch {
    throw new YamlSubsetError(`an escape in ${token.slice(0, 40)} that is not JSON's`);
  }
}

function parseInline(text: string, lineNumber?: number): YamlData {
  const where = lineNumber ? `line ${lineNumber}: ` : '';
  if (/^[|>]/.test(text)) throw new YamlSubsetError(`${where}block scalars are not supported`);
  if (/^[&*!]/.test(text)) throw new YamlSubsetError(`${where}anchors, aliases and tags are not supported`);
  const flow = new FlowParser(text, where);
  const value = flow.value(false);
  flow.end();
  return value;
}

class FlowParser {
  private position = 0;

  constructor(
    private readonly text: string,
    private readonly where: string,
  ) {}

  end(): void {
    this.skipSpace();
    if (this.position < this.text.length) throw this.error('unexpected text after the value');
  }

  value(inFlow: boolean): YamlData {
    this.skipSpace();
    const char = this.text[this.position];
    if (char === '[') return this.sequence();
    if (char === '{') return this.mapping();
    if (char === '"' || char === "'") {
      const end = quotedEnd(this.text, this.position);
      if (end < 0) throw this.error('an unterminated quoted string');
      const token = this.text.slice(this.position, end + 1);
      this.position = end + 1;
      return parseQuoted(token);
    }
    if (char && /[&*!|>]/.test(char)) throw this.error('anchors, aliases, tags and block scalars are not supported');
    const stop = inFlow ? /[,\]}]|:(?=[\s,\]}]|$)/ : /$^/;
    const rest = this.text.slice(this.position);
    const match = stop.exec(rest);
    const plain = (match ? rest.slice(0, match.index) : rest).trim();
    this.position += match ? match.index : rest.length;
    return resolvePlain(plain);
  }

  private sequence(): YamlData[] {
    this.position++;
    const items: YamlData[] = [];
    for (;;) {
      this.skipSpace();
      if (this.text[this.position] === ']') {
        this.position++;
        return items;
      }
      items.push(this.value(true));
      this.skipSpace();
      const next = this.text[this.position++];
      if (next === ']') return items;
      if (next !== ',') throw this.error('a flow sequence without , or ]');
    }
  }

  private mapping(): { [key: string]: YamlData } {
    this.position++;
    const result: { [key: string]: YamlData } = {};
    for (;;) {
      this.skipSpace();
      if (this.text[this.position] === '}') {
        this.position++;
        return result;
      }
      const key = this.value(true);
      this.skipSpace();
      if (this.text[this.position] !== ':') throw this.error('a flow mapping entry without :');
      this.position++;
      result[String(key)] = this.value(true);
      this.skipSpace();
      const next = this.text[this.position++];
      if (next === '}') return result;
      if (next !== ',') throw this.error('a flow mapping without , or }');
    }
  }

  private skipSpace(): void {
    while (this.text[this.position] === ' ') this.position++;
  }

  private error(message: string): YamlSubsetError {
    return new YamlSubsetError(`${this.where}${message}`);
  }
}

/** YAML 1.1/1.2 core schema resolution of a plain scalar, as PyYAML and ejabberd read it. */
function resolvePlain(text: string): YamlData {
  if (text === '' || text === '~' || /^(null|Null|NULL)$/.test(text)) return null;
  if (/^(true|True|TRUE)$/.test(text)) return true;
  if (/^(false|False|FALSE)$/.test(text)) return false;
  if (/^[-+]?(0|[1-9][0-9_]*)$/.test(text)) return Number(text.replace(/_/g, ''));
  if (/^[-+]?(\d[\d_]*)?\.\d+([eE][-+]?\d+)?$/.test(text)) return Number(text.replace(/_/g, ''));
  return text;
}
