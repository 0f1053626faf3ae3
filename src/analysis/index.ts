/** Layer analysis: the API the pipeline calls. */
export { analyzeImage, DEFAULT_TOP, type AnalyzeImageInput } from './analyze-image.js';
export { HINT_IDS, isHintId, type HintId } from './hint-ids.js';
export { findHints, DEFAULT_MIN_WASTE_BYTES, type HintInput, type HintLayer } from './hints.js';
export { openLayerCache, DEFAULT_LAYER_CACHE_DIR, type LayerCache } from './layer-cache.js';
export { readDockerfile, type DockerfileInfo } from './dockerfile-info.js';
export { scanLayer, readLayer } from './read-layer.js';
export { mergeLayers } from './file-tree.js';
export { computeDiveFigures } from './dive-efficiency.js';
export { stageReport, type StageInput, type StageReport, type StageRow } from './stage-report.js';
export type * from './types.js';
export { toReportAnalysis, REPORT_MAX_HINTS, REPORT_TOP_FILES, type ReportAnalysisOptions } from './report-analysis.js';
export { analyzeLayout, countingCache, hasDockerignore, type AnalyzeLayoutInput, type PlatformAnalysis } from './analyze-layout.js';
