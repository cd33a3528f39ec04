import { parentPort, workerData } from 'node:worker_threads';
import { analyseSnapshot, type SnapshotAnalysisInput } from './snapshot-analysis';

const input = workerData as SnapshotAnalysisInput;
parentPort?.postMessage(analyseSnapshot(input));
