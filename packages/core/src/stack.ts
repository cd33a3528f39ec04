import * as path from 'node:path';
import type { Frame } from './types';

/** Directories whose code is leakproof's own: its frames are never a leak site. */
const ownCodeDirs = new Set<string>([path.resolve(__dirname, '..')]);
/** isUserFrame by URL: profiles repeat the same few scripts thousands of times. */
const userUrls = new Map<string, boolean>();

/** Adapters (matchers, environment) register their package directory so their frames count as ours. */
export function registerOwnCode(dir: string): void {
  ownCodeDirs.add(path.resolve(dir));
  userUrls.clear();
}

export function fileOf(frame: Frame): string {
  return fileOfUrl(frame.url);
}

/** A script URL as a path: Jest's CommonJS scripts are plain paths, ES modules file:// URLs. */
export function fileOfUrl(url: string): string {
  return url.startsWith('file://') ? decodeURIComponent(url.slice(7)) : url;
}

export function isOwnFrame(frame: Frame): boolean {
  const file = fileOf(frame);
  // leakproof's own tests live inside its package directories: they are code under test.
  if (file.includes(`${path.sep}__tests__${path.sep}`)) return false;
  for (const dir of ownCodeDirs) if (file.startsWith(dir + path.sep)) return true;
  return false;
}

export function isNodeInternal(frame: Frame): boolean {
  return frame.url === '' || frame.url.startsWith('node:') || !frame.url.includes('/');
}

/** User code: a file of the project under test, not a dependency, not Node, not leakproof. */
export function isUserFrame(frame: Frame): boolean {
  let user = userUrls.get(frame.url);
  if (user === undefined) {
    user = !isNodeInternal(frame) && !isOwnFrame(frame) && !fileOf(frame).includes(`${path.sep}node_modules${path.sep}`);
    userUrls.set(frame.url, user);
  }
  return user;
}

export function formatFrame(frame: Frame): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  return `${name} (${prettyFile(fileOf(frame))}:${frame.line}:${frame.column})`;
}

/** The parts of a site formatFrame wrote (`name (file:line:column)`), the file absolute; null for another text. */
export function parseSite(site: string): { name: string; file: string; line: number; column: number } | null {
  const m = /^(.*) \((.+):(\d+):(\d+)\)$/.exec(site);
  return m ? { name: m[1], file: path.resolve(m[2]), line: Number(m[3]), column: Number(m[4]) } : null;
}

/** Paths relative to the working directory read better in a test failure. */
export function prettyFile(file: string): string {
  if (!path.isAbsolute(file)) return file;
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') ? file : relative;
}

/** The frame a reader should look at: the innermost user frame, else the innermost frame. */
export function siteFrame(stack: Frame[]): Frame | undefined {
  return stack.find(isUserFrame) ?? stack[0];
}

export function formatStack(stack: Frame[], limit = 6): string {
  return stack.slice(0, limit).map(formatFrame).join(' <- ');
}
