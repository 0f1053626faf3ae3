#!/usr/bin/env node
/** Composition root of the CLI. */
import { main } from './cli/main.js';

// An error thrown outside main's promise (a stream or child process event): a message, never a stack.
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (error: unknown) => {
    process.stderr.write(`image-budget: ${error instanceof Error ? error.message || error.name : String(error)}\n`);
    process.exit(1);
  });
}

void main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env }).then((code) => {
  process.exitCode = code;
});
