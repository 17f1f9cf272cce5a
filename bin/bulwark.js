#!/usr/bin/env node
// The `bulwark` CLI. Written in TypeScript (cli/), run through tsx so no build step is needed.
import { register } from "tsx/esm/api";
register();
await import("../cli/main.ts");
