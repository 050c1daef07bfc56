import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

// The renderer is a plain static bundle: it is served by Electron's app:// protocol and by the local web host
// (electron/host/web.ts). Relative base so both work; DuckDB-WASM's .wasm and worker files are emitted as
// local assets through `?url` imports in renderer/worker/duckdb.ts — nothing is ever fetched from a CDN.
export default defineConfig({
  root: fileURLToPath(new URL('./renderer', import.meta.url)),
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // the DuckDB-WASM modules are large by nature; they are assets, not code we can split further
    chunkSizeWarningLimit: 2500,
    assetsInlineLimit: 0,
  },
  worker: {
    format: 'es',
  },
  server: {
    fs: { allow: [fileURLToPath(new URL('.', import.meta.url))] },
  },
});
