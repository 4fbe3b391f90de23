#!/usr/bin/env node
// The nnc command, bundled into dist/cli/ by scripts/build.mjs (`npm run build`, which `npm install` runs).
import "../dist/cli/main.js";
