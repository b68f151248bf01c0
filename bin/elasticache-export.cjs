#!/usr/bin/env node
// The `elasticache-export` command (package.json `bin`): loads the TypeScript CLI through tsx, as
// config/serverless-vars.cjs loads the handlers' sources, and exits with its code.
'use strict';

const { require: tsRequire } = require('tsx/cjs/api');

// The SDK warns on every run under Node 20 that later versions will need Node 22; the project supports Node 20
// (package.json engines), and the warning would sit in every command's output. Set it to `false` to see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

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
