/** Everything `image-budget init` needs from config: discovery, stages, rendering, updating. */
export { findDockerfiles } from './find-dockerfiles.js';
export { listStages, type Stage } from './list-stages.js';
export { renderBudgetFile, type MeasuredImage, type MeasuredSize } from './render-budget-file.js';
export { updateBudgets } from './update-budgets.js';
