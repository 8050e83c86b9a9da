// JSON.parse's messages quote the text around the error (a manifest that is really /etc/passwd would put
// "root:x:0:0" into workflow history). These helpers report only where: line and column.

/** Offset of the first syntax error in `text` (text.length for a truncated document); -1 if it is valid. */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const expect = (c: string) => (text[i] === c ? i++ : fail());
  const string = () => {
    expect('"');
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail();
      }
      i++;
    }
    expect('"');
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) return void i++;
      for (;;) {
        if (close === '}') {
          ws();
          string();
          ws();
          expect(':');
        }
        value();
        ws();
        if (text[i] === ',') i++;
        else return void expect(close);
      }
    }
    if (c === '"') return string();
    const literal = /^(true|false|null|-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    if (!literal) fail();
    i += literal![0].length;
  };
  try {
    value();
    ws();
    return i < text.length ? i : -1;
  } catch (at) {
    return Math.min(at as number, text.length);
  }
}

/** 1-based line and column of an offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** Parses JSON (a UTF-8 BOM allowed); on failure, says where, in words safe to log: `line 3, column 7`. */
export function parseJsonOrWhere(text: string): { ok: true; value: unknown } | { ok: false; where: string } {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') return { ok: false, where: 'is empty' };
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
  } catch {
    const offset = jsonErrorOffset(body);
    const { line, column } = lineAndColumn(body, offset < 0 ? body.length : offset);
    return { ok: false, where: `is not valid JSON (line ${line}, column ${column})` };
  }
}
