import {
  formatBytes,
  formatCount,
  heldByGlobalHandle,
  nativeFrameText,
  NO_JS_FRAME_TEXT,
  retainerPathText,
  siteText,
  type LeakFinding,
  type NativeSite,
} from '@leakproof/core';
import { identityText } from './identity';
import { findingsOf } from './report-builder';
import { failsRun, KIND_LABEL, siteLabel, sizeText, stateText, whatGrewText } from './finding-text';
import type { LeakReport, ReportCheck, ReportFinding, ReportTest } from './report-types';

/** Colour of a leak's line in the chart (the browser test looks for its pixels). */
export const LEAK_LINE_COLOUR = '#d62728';

/**
 * One self-contained HTML file: inline CSS and SVG, no script, no network. Per finding, the
 * count alive after each round, cumulated: a leak is a straight rising line, a cache would stay
 * flat at its first-round level (drawn dashed for comparison).
 */
export function htmlReport(report: LeakReport): string {
  const sections: string[] = [];
  let index = 0;
  for (const { test, check, finding } of findingsOf(report)) sections.push(findingSection(test, check, finding, index++));
  // Red when the run fails because of a leak: the baseline's verdict, or a check that failed its test.
  const failing = !report.verdict.ok || [...findingsOf(report)].some(({ test, check, finding }) => failsRun(check, finding, test));
  const b = report.baseline;
  const obsolete = b?.obsolete.length
    ? `<section class="obsolete"><h2>Obsolete baseline entries</h2><p>Fixed, or the test is gone. Accept with <code>jest -u</code> or <code>LEAKPROOF_UPDATE_BASELINE=1</code>.</p><ul>${b.obsolete.map((e) => `<li>${esc(identityText(e))}</li>`).join('')}</ul></section>`
    : '';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>leakproof report</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fff}
h1{font-size:20px}h2{font-size:16px;margin:0 0 6px}
.verdict{padding:8px 12px;border-radius:4px;background:#e8f5e9}.verdict.fail{background:#fdecea}
table{border-collapse:collapse}td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
.finding{border:1px solid #ccc;border-radius:4px;padding:12px;margin:16px 0}
.state{font-weight:600}.state.fail{color:${LEAK_LINE_COLOUR}}
ol.path{font-family:ui-monospace,monospace;font-size:12px;margin:4px 0}
svg text{font:11px system-ui,sans-serif;fill:#555}
</style></head><body>
<h1>leakproof report</h1>
<p class="verdict${failing ? ' fail' : ''}">${esc(report.verdict.summary)}</p>
<p>${report.files.length} test file${report.files.length === 1 ? '' : 's'}, ${report.tests.filter((t) => t.fullName).length} tests, created ${esc(report.createdAt)}${report.shard ? `, shard ${report.shard.shardIndex}/${report.shard.shardCount}` : ''}.</p>
${sections.length ? summaryTable(report) : '<p class="clean">No findings.</p>'}
${sections.join('\n')}
${obsolete}
</body></html>
`;
}

function summaryTable(report: LeakReport): string {
  const rows = [...findingsOf(report)].map(
    ({ test, check, finding }, i) =>
      `<tr><td><a href="#f${i}">${esc(testTitle(test))}</a></td><td>${KIND_LABEL[finding.kind]}</td><td>${esc(whatGrewText(finding))}</td><td>${esc(sizeText(finding))}</td><td>${esc(stateText(check, finding, test))}</td></tr>`,
  );
  return `<table class="summary"><thead><tr><th>test</th><th>kind</th><th>what grew</th><th>size</th><th>state</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function findingSection(test: ReportTest, check: ReportCheck, finding: ReportFinding, index: number): string {
  const failing = failsRun(check, finding, test);
  const parts = [
    `<section class="finding" id="f${index}" data-id="${esc(finding.id)}">`,
    `<h2>${esc(testTitle(test))}</h2>`,
    `<p>${KIND_LABEL[finding.kind]} <b>${esc(whatGrewText(finding))}</b>: ${esc(sizeText(finding))} <span class="state${failing ? ' fail' : ''}">${esc(stateText(check, finding, test))}</span> (${esc(check.source)})</p>`,
    roundsChart(finding),
  ];
  if (finding.retainers?.length) {
    const global = heldByGlobalHandle(finding.retainers)
      ? '<p class="global-handle">Held from a global handle: a napi_ref / Napi::Reference (or v8::Persistent) that is never deleted.</p>'
      : '';
    parts.push(
      `<h3>Retainer path (GC root first)</h3>${global}<ol class="path retainer">${retainerPathText(finding.retainers, finding.name)
        .map((step) => `<li>${esc(step)}</li>`)
        .join('')}</ol>`,
    );
  }
  for (const a of finding.allocations ?? []) {
    const size = `${formatBytes(a.bytes)} in ${formatCount(a.count)} block${a.count === 1 ? '' : 's'} ${finding.per === 'test' ? 'in the test' : 'per call'}`;
    parts.push(
      `<h3>Native allocation stack (${esc(a.allocator)}, ${esc(size)})</h3><ol class="path native">${a.stack
        .map((f) => `<li>${esc(nativeFrameText(f))}${offsetText(f)}</li>`)
        .join('')}</ol>`,
    );
  }
  const created = finding.kind === 'handles';
  if (finding.stack?.length) {
    parts.push(
      `<h3>${created ? 'Creation' : 'Allocation'} stack</h3><ol class="path alloc">${finding.stack.map((f) => `<li>${esc(siteText(f))}</li>`).join('')}</ol>`,
    );
  } else if (finding.name !== null) {
    // Without a name, what grew (above) is said by its site already.
    const where = finding.noJsFrame ? NO_JS_FRAME_TEXT : finding.site?.lang === 'js' ? siteLabel(finding.site) : null;
    if (where) parts.push(`<p>${created ? 'created' : 'allocated'} at <code>${esc(where)}</code></p>`);
  }
  const m = check.measurement;
  if (m) {
    const runs = m.runs.map((r) => `${r.rounds} rounds x ${r.callsPerRound} calls`).join(', then ');
    parts.push(
      `<p class="measurement">measured: ${m.runs[0]?.warmupCalls ?? 0} warm-up calls, ${esc(runs)}; ${m.totalCalls} calls in ${Math.round(m.durationMs)} ms</p>`,
    );
    if (m.notes.length) parts.push(`<ul class="notes">${m.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`);
  }
  parts.push('</section>');
  return parts.join('\n');
}

/** Cumulative count after each round, with the flat line a cache would draw. */
export function roundsChart(finding: LeakFinding): string {
  const values = finding.perRound;
  if (values.length === 0) return '<p class="no-rounds">no per-round counts (a per-test check)</p>';
  const cumulative: number[] = [];
  values.reduce((sum, v, i) => (cumulative[i] = sum + v), 0);
  const width = 360;
  const height = 150;
  const pad = { left: 44, right: 12, top: 12, bottom: 28 };
  const max = Math.max(...cumulative, 1);
  const x = (i: number) => pad.left + (values.length === 1 ? 0 : (i * (width - pad.left - pad.right)) / (values.length - 1));
  const y = (v: number) => height - pad.bottom - (v / max) * (height - pad.top - pad.bottom);
  const points = cumulative.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const flat = y(cumulative[0]).toFixed(1);
  return `<svg class="rounds" role="img" aria-label="${esc(`${whatGrewText(finding)}: alive after each round ${cumulative.map((v) => formatCount(v)).join(', ')}`)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg">
<line x1="${pad.left}" y1="${height - pad.bottom}" x2="${width - pad.right}" y2="${height - pad.bottom}" stroke="#999"/>
<line x1="${pad.left}" y1="${pad.top}" x2="${pad.left}" y2="${height - pad.bottom}" stroke="#999"/>
<text x="${pad.left - 4}" y="${pad.top + 8}" text-anchor="end">${formatCount(max)}</text>
<text x="${pad.left - 4}" y="${height - pad.bottom}" text-anchor="end">0</text>
<text x="${(width + pad.left) / 2}" y="${height - 8}" text-anchor="middle">round 1 to ${values.length}: alive after each round (cumulative)</text>
<line class="cache" x1="${x(0)}" y1="${flat}" x2="${width - pad.right}" y2="${flat}" stroke="#888" stroke-dasharray="4 4"/>
<polyline class="leak" points="${points}" fill="none" stroke="${LEAK_LINE_COLOUR}" stroke-width="3"/>
${cumulative.map((v, i) => `<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3.5" fill="${LEAK_LINE_COLOUR}"><title>round ${i + 1}: +${formatCount(values[i])}, ${formatCount(v)} alive</title></circle>`).join('')}
</svg>`;
}

/** The offset `addr2line -e object` takes, when the frame text does not show it already. */
function offsetText(frame: NativeSite): string {
  return frame.function !== null && frame.object !== null ? ` <span class="offset">+0x${frame.offset.toString(16)}</span>` : '';
}

function testTitle(test: ReportTest): string {
  return `${test.testPath} › ${test.fullName || '(whole file)'}`;
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
