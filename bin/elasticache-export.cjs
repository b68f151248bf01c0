#!/usr/bin/env node
// The `elasticache-export` command (package.json `bin`): loads the TypeScript CLI through tsx, as
// config/serverless-vars.cjs loads the handlers' sources, and exits with its code.
'use strict';

const { require: tsRequire } = require('tsx/cjs/api');

const { run, processIo } = tsRequire('../cli/main.ts', __filename);

run(process.argv.slice(2), processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
