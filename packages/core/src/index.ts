export { InspectorClient } from './inspector-client';
export { forceGc, settle, eventLoopTurn, lastFullGcDuration } from './gc';
export { AllocationSampler, type SampleClassifier, type WindowedSurvivors } from './allocation-sampler';
export { EXPLAINED_LATER_NOTE, measureLeaks, type LaterExplanation, type MeasureContext } from './measure';
export { CallFailedError, MeasurementTimeoutError, type CallUnderTest } from './caller';
export { classifyCallAllocation, NODE_KNOWN_SURVIVORS, type KnownSurvivors } from './classify';
export {
  resolveLeakOptions,
  LeakOptionsError,
  DEFAULT_TIMEOUT_MS,
  NATIVE_MODES,
  type LeakOptions,
  type ResolvedLeakOptions,
  type NativeMode,
} from './options';
export { matchesAny, siteMatches, siteFields, findingIgnored, type Pattern } from './patterns';
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
export { activeResourceCounts, handleTypeName, namesHandleType, TRACKED_ASYNC_HOOK_TYPES } from './handles';
export {
  formatVerdict,
  formatFinding,
  formatBytes,
  formatCount,
  formatMeasurement,
  formatRuledOut,
  siteText,
  stackText,
  whatText,
  nativeFrameText,
  nativeStackText,
  shortFunctionName,
  hopText,
  retainerPathText,
  shortRetainerText,
  heldByGlobalHandle,
  NO_JS_FRAME_TEXT,
} from './format';
export { SourcePositions, atSourcePositions } from './source-positions';
export { registerOwnCode, isUserSite, isOwnSite, isNodeInternal, jsSite, jsSiteKey, fileOfUrl, siteFrame, prettyFile } from './stack';
export type * from './types';
export {
  nativeSurvivorsByWindow,
  nativeStackKey,
  nativeOwnerFrame,
  nativeOwnerKey,
  isSuppressed,
  type NativeProbe,
  type NativeLiveSite,
  type NativeSiteSurvivors,
} from './native-census';
