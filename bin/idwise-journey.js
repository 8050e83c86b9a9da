#!/usr/bin/env node
// The published CLI runs the TypeScript sources through tsx (a runtime dependency), so there is no build step.
import { register } from 'tsx/esm/api';

register();
await import('../client/main.ts');
