import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '@leakproof/record';
import { htmlReport } from './html-report';
import type { LeakReport } from './report-types';

/** Writes the JSON and HTML reports; returns the paths written (for the summary). */
export function writeReports(report: LeakReport, files: { json: string | false; html: string | false }): string[] {
  const written: string[] = [];
  if (files.json) {
    mkdirSync(path.dirname(files.json), { recursive: true });
    writeFileAtomic(files.json, `${JSON.stringify(report, null, 2)}\n`);
    written.push(files.json);
  }
  if (files.html) {
    mkdirSync(path.dirname(files.html), { recursive: true });
    writeFileAtomic(files.html, htmlReport(report));
    written.push(files.html);
  }
  return written;
}

/** `leakproof-report.json` -> `leakproof-report.shard-2-of-3.json`: shards on one machine do not overwrite each other. */
export function shardFileName(file: string, shard: LeakReport['shard']): string {
  if (!shard) return file;
  const ext = path.extname(file);
  return `${file.slice(0, file.length - ext.length)}.shard-${shard.shardIndex}-of-${shard.shardCount}${ext}`;
}
