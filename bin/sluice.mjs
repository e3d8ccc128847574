#!/usr/bin/env node
// Launcher for the `sluice` command: runs the TypeScript CLI through tsx, so no build step is needed.
import { register } from 'tsx/esm/api';

register();
await import('./sluice.ts');
