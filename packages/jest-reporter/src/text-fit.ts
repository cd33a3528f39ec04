/**
 * Text that fits a terminal line: shortened at word boundaries, or wrapped. Widths are counted in
 * characters (UTF-16 code units): the summary's text is ASCII plus `›`, one column each.
 */

/** The summary's width when the stream is not a terminal, or says nothing about its width. */
export const DEFAULT_WIDTH = 120;

/** The width of the terminal `stream` writes to, or DEFAULT_WIDTH when it is not one (a pipe, a file, CI logs). */
export function terminalWidth(stream: { isTTY?: boolean; columns?: number }): number {
  return stream.isTTY && typeof stream.columns === 'number' && stream.columns > 0 ? stream.columns : DEFAULT_WIDTH;
}

const MORE = '...';

/**
 * At most `max` characters, keeping the start (a test's title: its first words say which test):
 * cut at the last word boundary that leaves room for `...`. A first word longer than that is cut
 * inside: there is no boundary to cut at.
 */
export function keepStart(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= MORE.length) return text.slice(0, max);
  const room = max - MORE.length;
  const space = text.lastIndexOf(' ', room);
  const head = space > 0 ? text.slice(0, space) : text.slice(0, room);
  // Not `title ›...`: the cut is after a whole word, not after a separator.
  return `${head.replace(/[\s›,;:]+$/, '')}${MORE}`;
}

/**
 * At most `max` characters, keeping the end (a site or retainer path: its position and its last
 * holder say the most): cut at the first word boundary that leaves room for `...`.
 */
export function keepEnd(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= MORE.length) return text.slice(text.length - max);
  const room = max - MORE.length;
  const from = text.length - room;
  const space = text.indexOf(' ', from);
  const tail = space >= 0 && space < text.length - 1 ? text.slice(space) : ` ${text.slice(from + 1)}`;
  return `${MORE}${tail}`;
}

/**
 * Words wrapped to lines of at most `width`: the first keeps the text's own leading spaces,
 * continuation lines are indented by `indent` spaces. A word longer than a line (a path) stays
 * whole on a line of its own: cut, it would not be usable.
 */
export function wrap(text: string, width: number, indent = 2): string[] {
  const lead = /^ */.exec(text)![0];
  const lines: string[] = [];
  let line = lead;
  for (const word of text.slice(lead.length).split(' ')) {
    const start = lines.length === 0 ? lead : ' '.repeat(indent);
    if (line === start) line += word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = `${' '.repeat(indent)}${word}`;
    }
  }
  lines.push(line);
  return lines;
}

/**
 * A sentence of `; `-separated parts (the verdict) on lines of at most `width`, broken between
 * parts first so that each part can be read (and searched for) on one line; a part longer than a
 * line is wrapped at its words.
 */
export function wrapParts(text: string, width: number, indent: number): string[] {
  const lines: string[] = [];
  let line = '';
  const parts = text.split('; ');
  parts.forEach((part, i) => {
    const piece = i < parts.length - 1 ? `${part};` : part;
    if (line !== '' && line.length + 1 + piece.length <= width) {
      line += ` ${piece}`;
      return;
    }
    // A part that needs more than a line anyway goes on from where the line is.
    const own = piece.length > width - indent;
    if (line !== '' && !own) {
      lines.push(line);
      line = ' '.repeat(indent);
    }
    const wrapped = wrap(line === '' || line.trim() === '' ? `${line}${piece}` : `${line} ${piece}`, width, indent);
    lines.push(...wrapped.slice(0, -1));
    line = wrapped[wrapped.length - 1];
  });
  lines.push(line);
  return lines;
}
