// Test files that drive the tracker themselves (start, stop, their own stack depth). One tracker
// per process: the leakproof environment of an earlier file in this Jest worker may have started
// it (nativeProbe() in ../probe.ts, which keeps using it for every later file). Such a file
// stops it first and gives it back, running as before, when it is done: otherwise the later
// files' native checks would read a stopped tracker and see nothing.
import { isNativeTrackingRunning, PROBE_STACK_DEPTH, startNativeTracking, stopNativeTracking } from '../index';

/** The probe's stack depth, which the environment's and the matchers' checks expect. */
const ENVIRONMENT_STACK_DEPTH = PROBE_STACK_DEPTH;

let wasRunning = false;

/** In beforeAll: stops a tracker left running by an earlier file, remembering it. */
export function takeTracker(): void {
  wasRunning = isNativeTrackingRunning();
  if (wasRunning) stopNativeTracking();
}

/** In afterAll: stops this file's tracker and restarts the one that was running before. */
export function giveTrackerBack(): void {
  stopNativeTracking();
  if (wasRunning) startNativeTracking({ stackDepth: ENVIRONMENT_STACK_DEPTH });
  wasRunning = false;
}
