export { availability, type PlatformFacts } from './availability';
export { formatLossRecord, formatNativeFrame, siteName, type LossRecordOptions } from './format';
export {
  DEFAULT_SKIP_OBJECTS,
  hookedSlotsOf,
  isNativeTrackingRunning,
  markNative,
  nativeCounters,
  nativeObjects,
  nativeSurvivorsSince,
  nativeTrackingStatus,
  NativeTrackingUnavailableError,
  startNativeTracking,
  stopNativeTracking,
  type StartReport,
} from './tracker';
export type { NativeCounters, NativeFrame, NativeObject, NativeSurvivorSite, NativeTrackerOptions, NativeTrackingStatus } from './types';
export { nativeProbe, loadedAddons, PROBE_STACK_DEPTH, type NativeProbeAccess } from './probe';
