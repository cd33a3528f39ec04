import * as path from 'node:path';
import { originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';
import type { InspectorClient } from './inspector-client';
import { fileOfUrl } from './stack';
import type { JsSite, LeakFinding } from './types';

/**
 * Source positions of code Jest transformed (ts-jest, babel-jest). V8's profiles give line and
 * column in the code that ran; the transformers inline a source map in it, which the inspector's
 * Debugger domain reports per script (`scriptParsed.sourceMapURL`). Enabling the Debugger costs
 * ~0.1-0.2 s in a Jest worker (an event per loaded script), so this runs only for findings that
 * are about to be reported, never on a clean verdict. Display only: decisions keep the raw sites.
 */
export class SourcePositions {
  private constructor(
    private readonly maps: Map<string, TraceMap>,
    /** Every script file loaded when the maps were read, with a map or not. */
    private readonly seen: Set<string>,
  ) {}

  /**
   * The maps as read for this inspector session (one per Jest test file), read again only when
   * one of `files` was loaded since: a file's scripts do not change within a test file.
   */
  static for(client: InspectorClient, files: Iterable<string>): SourcePositions {
    const known = cache.get(client);
    if (known && [...files].every((f) => known.seen.has(f))) return known;
    const fresh = SourcePositions.read(client);
    cache.set(client, fresh);
    return fresh;
  }

  /** Reads the inline source maps of every loaded script (one Debugger enable/disable). */
  static read(client: InspectorClient): SourcePositions {
    const maps = new Map<string, TraceMap>();
    const seen = new Set<string>();
    const stop = client.on('Debugger.scriptParsed', ({ params }) => {
      seen.add(fileOfUrl(params.url));
      const map = inlineMap(params.sourceMapURL);
      if (!map) return;
      try {
        maps.set(fileOfUrl(params.url), new TraceMap(map));
      } catch {
        // A malformed map: positions in that file stay as V8 gives them.
      }
    });
    try {
      // Events arrive synchronously, one per script already loaded.
      client.post('Debugger.enable');
      client.post('Debugger.disable');
    } catch {
      // Positions are for display: without the maps they stay as V8 gives them; the finding stands.
      maps.clear();
    } finally {
      stop();
    }
    return new SourcePositions(maps, seen);
  }

  get size(): number {
    return this.maps.size;
  }

  /** The site at its original position, or the site itself when its file has no map. */
  site(site: JsSite): JsSite {
    const original = this.original(site.file, site.line, site.column);
    return original ? { ...site, file: original.file, line: original.line, column: original.column } : site;
  }

  private original(file: string, line: number, column: number): { file: string; line: number; column: number } | null {
    const map = this.maps.get(file);
    if (!map) return null;
    // trace-mapping: 1-based lines, 0-based columns; frames: both 1-based.
    const p = originalPositionFor(map, { line, column: column - 1 });
    if (p.line === null || p.column === null) return null;
    const source =
      p.source === null ? file : p.source.startsWith('file://') ? fileOfUrl(p.source) : path.resolve(path.dirname(file), p.source);
    return { file: source, line: p.line, column: p.column + 1 };
  }
}

const cache = new WeakMap<InspectorClient, SourcePositions>();

/** JS findings with their sites and stacks at original positions (handles and JS objects alike). */
export function atSourcePositions(findings: LeakFinding[], client: InspectorClient): LeakFinding[] {
  const files = new Set<string>();
  for (const f of findings) {
    if (f.site?.lang === 'js' && f.site.file) files.add(f.site.file);
    for (const frame of f.stack ?? []) if (frame.file) files.add(frame.file);
  }
  if (files.size === 0) return findings;
  const positions = SourcePositions.for(client, files);
  if (positions.size === 0) return findings;
  return findings.map((f) => ({
    ...f,
    site: f.site?.lang === 'js' ? positions.site(f.site) : f.site,
    ...(f.stack ? { stack: f.stack.map((frame) => positions.site(frame)) } : {}),
  }));
}

function inlineMap(url: string | undefined): string | null {
  if (!url?.startsWith('data:')) return null;
  const comma = url.indexOf(',');
  if (comma < 0) return null;
  const header = url.slice(5, comma);
  const body = url.slice(comma + 1);
  try {
    return header.endsWith(';base64') ? Buffer.from(body, 'base64').toString('utf8') : decodeURIComponent(body);
  } catch {
    return null;
  }
}
