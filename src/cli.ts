#!/usr/bin/env node
/** Composition root of the CLI. */
import { main } from './cli/main.js';

void main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env }).then((code) => {
  process.exitCode = code;
});
