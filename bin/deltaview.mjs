#!/usr/bin/env node
// The `deltaview` command (src/cli/main.ts): the sources are TypeScript, run through tsx as `npm start` does.
import { register } from 'tsx/esm/api';

register();
const { cliMain } = await import('../src/cli/main.ts');
await cliMain(process.argv.slice(2));
