import * as path from 'node:path';
import type { NativeFrame, NativeSurvivorSite } from './types';

/** `lookup (corpus.node+0x6d53)`, `??? (libldap.so.2+0x1f00)` or `0x7f3a...` for code outside any object. */
export function formatNativeFrame(frame: NativeFrame): string {
  if (!frame.object) return `${frame.function ?? '???'} (0x${frame.address.toString(16)})`;
  return `${frame.function ?? '???'} (${frame.object}+0x${frame.offset.toString(16)})`;
}

export interface LossRecordOptions {
  /** Calls the survivors were left by: sizes are then shown per call. */
  calls?: number;
  /** Frames shown at most (default 6); the rest becomes `<- ...`. */
  maxFrames?: number;
}

/**
 * One survivor site in the style of a valgrind loss record:
 * `64 B/call (1000 blocks) at malloc <- lookup (corpus.node+0x6d53) <- ...`.
 */
export function formatLossRecord(site: NativeSurvivorSite, options: LossRecordOptions = {}): string {
  const maxFrames = options.maxFrames ?? 6;
  const size =
    options.calls && options.calls > 0
      ? `${round(site.bytes / options.calls)} B/call (${site.count} ${site.count === 1 ? 'block' : 'blocks'})`
      : `${site.bytes} B in ${site.count} ${site.count === 1 ? 'block' : 'blocks'}`;
  const frames = site.frames.slice(0, maxFrames).map(formatNativeFrame);
  if (site.frames.length > maxFrames) frames.push('...');
  return [`${size} at ${site.allocator}`, ...frames].join(' <- ');
}

/** The function that called the allocator, the name a site is known by: `lookup (corpus.node)`. */
export function siteName(site: NativeSurvivorSite): string {
  const first = site.frames[0];
  if (!first) return site.allocator;
  return first.object ? `${first.function ?? '???'} (${first.object})` : (first.function ?? '???');
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/**
 * An addon as a person finds it: from its package on (`sqlite3/build/Release/node_sqlite3.node`),
 * else relative to the working directory when inside it, else the whole path.
 */
export function addonName(addonPath: string): string {
  const parts = addonPath.split(/[\\/]/);
  const at = parts.lastIndexOf('node_modules');
  if (at !== -1 && at < parts.length - 1) return parts.slice(at + 1).join('/');
  const relative = path.relative(process.cwd(), addonPath);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : addonPath;
}
