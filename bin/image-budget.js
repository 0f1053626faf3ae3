#!/usr/bin/env node
// The committed bundle, so `npx image-budget` works from a checkout without a build step.
import '../dist/cli/index.js';
