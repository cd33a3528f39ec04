export { availability, NATIVE_TRACKER_ENV, REBUILD_HINT, type PlatformFacts } from './availability';
export { addonName, formatLossRecord, formatNativeFrame, siteName, type LossRecordOptions } from './format';
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
export {
  addonSnapshot,
  isToolingAddon,
  loadedAddonPaths,
  loadedAddons,
  nativeProbe,
  PROBE_STACK_DEPTH,
  projectAddons,
  TOOLING_PACKAGES,
  watchAddonRequires,
  type AddonSnapshot,
  type NativeProbeAccess,
} from './probe';
