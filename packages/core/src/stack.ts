import * as path from 'node:path';
import type { JsSite } from './types';

/** Directories whose code is leakproof's own: its frames are never a leak site. */
const ownCodeDirs = new Set<string>([path.resolve(__dirname, '..')]);
/** isUserSite by file: profiles repeat the same few scripts thousands of times. */
const userFiles = new Map<string, boolean>();

/** Adapters (matchers, environment) register their package directory so their frames count as ours. */
export function registerOwnCode(dir: string): void {
  ownCodeDirs.add(path.resolve(dir));
  userFiles.clear();
}

/** A script URL as a path: Jest's CommonJS scripts are plain paths, ES modules file:// URLs. */
export function fileOfUrl(url: string): string {
  return url.startsWith('file://') ? decodeURIComponent(url.slice(7)) : url;
}

/** A frame as V8's profiles and stack traces give it (0- or 1-based positions, said by the caller). */
export function jsSite(functionName: string, url: string, line: number, column: number): JsSite {
  return { lang: 'js', function: functionName, file: fileOfUrl(url), line, column };
}

export function isOwnSite(site: JsSite): boolean {
  const file = site.file;
  // leakproof's own tests live inside its package directories: they are code under test.
  if (file.includes(`${path.sep}__tests__${path.sep}`)) return false;
  for (const dir of ownCodeDirs) if (file.startsWith(dir + path.sep)) return true;
  return false;
}

export function isNodeInternal(site: JsSite): boolean {
  return site.file === '' || site.file.startsWith('node:') || !site.file.includes('/');
}

/** User code: a file of the project under test, not a dependency, not Node, not leakproof. */
export function isUserSite(site: JsSite): boolean {
  let user = userFiles.get(site.file);
  if (user === undefined) {
    user = !isNodeInternal(site) && !isOwnSite(site) && !site.file.includes(`${path.sep}node_modules${path.sep}`);
    userFiles.set(site.file, user);
  }
  return user;
}

/** The frame a reader should look at: the innermost user frame, else the innermost frame. */
export function siteFrame(stack: JsSite[]): JsSite | undefined {
  return stack.find(isUserSite) ?? stack[0];
}

/** The frames of the code under test: up to leakproof's own frames (its call loop, its hooks). */
export function beforeOwnFrames(stack: JsSite[]): JsSite[] {
  const ownAt = stack.findIndex(isOwnSite);
  return ownAt === -1 ? stack : stack.slice(0, ownAt);
}

/** Grouping key of a JS site: two frames are the same site when all four fields are. */
export function jsSiteKey(site: JsSite): string {
  return `${site.function}\u0000${site.file}\u0000${site.line}\u0000${site.column}`;
}

/** Paths relative to the working directory read better in a test failure. */
export function prettyFile(file: string): string {
  if (!path.isAbsolute(file)) return file;
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') ? file : relative;
}
