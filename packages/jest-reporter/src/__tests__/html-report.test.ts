import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { htmlReport, LEAK_LINE_COLOUR } from '../html-report';
import { assembleReport, buildFileReport } from '../report-builder';
import { verdictLine } from '../text-summary';
import { check, fileRecord, finding, jestResult, jsSite, nativeSite, testRecord } from './records';

const CHROMIUM = '/usr/bin/chromium';
let dir: string;
beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'leakproof-html-test-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One JS leak with a retainer path (a straight rising line) and its stack, and one native leak with its allocation stacks. */
function report() {
  const testPath = '/repo/src/client.test.js';
  const record = fileRecord(testPath, [
    testRecord(
      ['search', 'leaks <rows>'],
      [
        check({
          source: 'toNotLeak',
          outcome: 'failed',
          findings: [finding({ stack: [jsSite('/repo/src/client.js'), jsSite('/repo/src/api.js', 'handle', 40, 3)] })],
          measurement: {
            leaked: true,
            runs: [
              {
                warmupCalls: 16,
                callsPerRound: 16,
                rounds: 5,
                growing: [{ kind: 'js-objects', site: jsSite('/repo/src/client.js') }],
                sporadic: [],
              },
            ],
            totalCalls: 96,
            durationMs: 812,
            notes: ['escalated once'],
          },
        }),
      ],
    ),
    testRecord(
      ['native', 'search'],
      [
        check({
          source: 'toLeak',
          outcome: 'passed',
          findings: [
            finding({
              kind: 'native',
              name: null,
              count: 2,
              bytes: 80,
              retainers: undefined,
              site: nativeSite('search', 'ldap.node', 0x1234),
              perRound: [16, 16, 17, 16, 16],
              allocations: [
                {
                  allocator: 'malloc',
                  stack: [nativeSite('ber_alloc_t', 'liblber.so.2', 0x4a10), nativeSite('search', 'ldap.node', 0x1234)],
                  count: 1,
                  bytes: 48,
                },
                {
                  allocator: 'strdup',
                  stack: [nativeSite(null, 'liblber.so.2', 0x51c0), nativeSite('search', 'ldap.node', 0x1250)],
                  count: 1,
                  bytes: 32,
                },
              ],
            }),
          ],
        }),
      ],
    ),
  ]);
  const files = [
    buildFileReport(
      '/repo',
      jestResult(testPath, [
        [['search', 'leaks <rows>'], 'failed'],
        [['native', 'search'], 'passed'],
      ]),
      record,
    ),
  ];
  const r = assembleReport({ rootDir: '/repo', files, shard: null, toolVersion: '0.1.0', now: new Date('2026-01-01T00:00:00Z') });
  r.verdict = verdictLine(r);
  return r;
}

function chromium(args: string[]): string {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: run scripts/install-system-deps.sh (Debian package chromium)`);
  const run = spawnSync(
    CHROMIUM,
    ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--user-data-dir=${path.join(dir, 'profile')}`, ...args],
    {
      encoding: 'utf8',
      timeout: 45_000,
      env: { ...process.env, HOME: dir },
    },
  );
  if (run.status !== 0) throw new Error(`chromium failed (${run.status ?? run.signal}): ${run.stderr}`);
  return run.stdout;
}

test('the page is self-contained: no script, nothing fetched, text escaped', () => {
  const html = htmlReport(report());
  expect(html).not.toMatch(/<script|<link|src=|href="(?!#)|url\(/);
  expect(html).toContain('leaks &lt;rows&gt;');
  expect(html).not.toContain('leaks <rows>');
});

test('in headless Chromium: the DOM has a chart per finding, the retainer path and the native stack', () => {
  const file = path.join(dir, 'dom.html');
  writeFileSync(file, htmlReport(report()));
  const dom = chromium(['--dump-dom', `file://${file}`]);
  const sections = dom.match(/<section class="finding"[\s\S]*?<\/section>/g)!;
  expect(sections).toHaveLength(2);
  const [js, native] = sections;
  expect(js).toContain('<h2>src/client.test.js › search leaks &lt;rows&gt;</h2>');
  expect(js.match(/<polyline class="leak" points="([^"]+)"/)![1].split(' ')).toHaveLength(5);
  expect([...js.matchAll(/<ol class="path retainer">([\s\S]*?)<\/ol>/g)][0][1].match(/<li>/g)).toHaveLength(4);
  expect(js).toContain('failed its test');
  expect(js).toContain('measured: 16 warm-up calls, 5 rounds x 16 calls; 96 calls in 812 ms');
  expect(js).toContain('<ol class="path alloc"><li>search (/repo/src/client.js:13:17)</li><li>handle (/repo/src/api.js:40:3)</li></ol>');
  expect(native).toContain('<b>native memory allocated in search (ldap.node)</b>');
  // Every allocation stack, each with its allocator, each frame with its offset for addr2line.
  const stacks = [...native.matchAll(/<h3>Native allocation stack \(([^)]*)\)<\/h3><ol class="path native">([\s\S]*?)<\/ol>/g)];
  expect(stacks.map((m) => m[1])).toEqual(['malloc, 48 B in 1 block per call', 'strdup, 32 B in 1 block per call']);
  expect(stacks[0][2]).toBe(
    '<li>ber_alloc_t (liblber.so.2) <span class="offset">+0x4a10</span></li><li>search (ldap.node) <span class="offset">+0x1234</span></li>',
  );
  expect(stacks[1][2]).toBe('<li>??? (liblber.so.2+0x51c0)</li><li>search (ldap.node) <span class="offset">+0x1250</span></li>');
  expect(native).toContain('pinned by toLeak');
  expect(dom).toMatch(/<table class="summary">[\s\S]*<a href="#f0">/);
});

test('in headless Chromium: the screenshot shows the leak as a rising line', () => {
  const file = path.join(dir, 'shot.html');
  const png = path.join(dir, 'shot.png');
  writeFileSync(file, htmlReport(report()));
  chromium([`--screenshot=${png}`, '--window-size=900,1600', `file://${file}`]);
  const image = PNG.sync.read(readFileSync(png));
  expect([image.width, image.height]).toEqual([900, 1600]);
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(LEAK_LINE_COLOUR.slice(i, i + 2), 16));
  // Pixels of the leak line's colour (antialiasing tolerated), as flat x/y lists.
  const xsAll: number[] = [];
  const ysAll: number[] = [];
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const i = (y * image.width + x) * 4;
      if (Math.abs(image.data[i] - r) < 30 && Math.abs(image.data[i + 1] - g) < 30 && Math.abs(image.data[i + 2] - b) < 30) {
        xsAll.push(x);
        ysAll.push(y);
      }
    }
  }
  expect(xsAll.length).toBeGreaterThan(300);
  // The first chart: red pixels within 200 px below the first one (the second chart is further down).
  const top = ysAll[0];
  const inChart = xsAll.map((_, i) => i).filter((i) => ysAll[i] < top + 200);
  const xs = inChart.map((i) => xsAll[i]);
  const [left, right] = [Math.min(...xs), Math.max(...xs)];
  expect(right - left).toBeGreaterThan(250); // spans the chart's width
  const meanY = (indexes: number[]) => indexes.reduce((sum, i) => sum + ysAll[i], 0) / indexes.length;
  const leftEnd = inChart.filter((i) => xsAll[i] < left + 30);
  const rightEnd = inChart.filter((i) => xsAll[i] > right - 30);
  // Rising: the right end is drawn much higher (smaller y) than the left end.
  expect(meanY(leftEnd) - meanY(rightEnd)).toBeGreaterThan(60);
}, 60_000);
