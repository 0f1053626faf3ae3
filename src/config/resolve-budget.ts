/** The budget that applies to one build of an image: image, then target, then platform. */
import { mergeBudgets } from './merge-budget.js';
import type { Budget, ImageConfig } from './types.js';

export function resolveBudget(image: ImageConfig, target: string | undefined, platform: string): Budget {
  const targetBudget = target === undefined ? undefined : image.targetBudgets[target];
  return mergeBudgets(image.budget, targetBudget, image.platformBudgets[platform]);
}
