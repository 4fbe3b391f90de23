#!/usr/bin/env node
// The nnc command, bundled into dist/cli/ by scripts/build.mjs (`npm run build`, which `npm install` runs).
try {
  await import("../dist/cli/main.js");
} catch (error) {
  // An internal error (a user's mistake is a diagnostic): its stack trace, pointing into src/.
  const { sourceMappedStack } = await import("./source-mapped-stack.js");
  process.stderr.write(`${sourceMappedStack(error)}\n`);
  process.exitCode = 1;
}
