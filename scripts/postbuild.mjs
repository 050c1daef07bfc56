// Makes the built CLI executable so `npx funnelscope` works.
import { chmodSync, existsSync } from 'node:fs';
const cli = new URL('../dist/cli/index.js', import.meta.url);
if (existsSync(cli)) chmodSync(cli, 0o755);
