export { InspectorClient } from './inspector-client';
export { forceGc, settle, eventLoopTurn, lastFullGcDuration } from './gc';
export { AllocationSampler, type SampleClassifier, type WindowedSurvivors } from './allocation-sampler';
export { measureLeaks, classifyCallAllocation, CallFailedError, MeasurementTimeoutError, type CallUnderTest } from './measure';
export {
  resolveLeakOptions,
  LeakOptionsError,
  matchesAny,
  DEFAULT_TIMEOUT_MS,
  NATIVE_MODES,
  type LeakOptions,
  type ResolvedLeakOptions,
  type NativeMode,
} from './options';
export {
  OptionsError,
  optionsError,
  describeValue,
  checkAt,
  objectAt,
  knownKeys,
  intAt,
  numberAt,
  positiveAt,
  boolAt,
  oneOf,
  stringsAt,
  patternsAt,
  isPattern,
  isRegExp,
  isPlainObject,
  type Range,
} from './validate';
export { siteStatus, decideSites, type SiteStatus } from './decide';
export { checkpoint, type Checkpoint, type SurvivorGroup } from './checkpoint';
export { activeResourceCounts } from './handles';
export { formatVerdict, formatFinding, formatBytes, formatCount, formatMeasurement, formatNativeStack } from './format';
export { SourcePositions, atSourcePositions, fileOfSite } from './source-positions';
export { registerOwnCode, isUserFrame, isOwnFrame, isNodeInternal, formatFrame, formatStack, fileOf, prettyFile } from './stack';
export type * from './types';
export { RECORD_DIR_ENV, RECORD_VERSION, type FileLeakRecord, type TestLeakRecord, type LeakCheckRecord } from './report-record';
export {
  nativeSurvivorsByWindow,
  nativeSiteName,
  nativeSiteKey,
  nativeOwnerFrame,
  frameText,
  shortFunctionName,
  isSuppressed,
  type NativeProbe,
  type NativeSite,
  type NativeSiteSurvivors,
} from './native-census';
