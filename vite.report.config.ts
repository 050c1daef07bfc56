import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

// The incident report page (renderer-report/): a small static bundle printed to PDF by Chromium
// (CLI, via playwright-core) and by Electron's printToPDF. Relative base so it loads from any folder.
export default defineConfig({
  root: fileURLToPath(new URL('./renderer-report', import.meta.url)),
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist/report', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    fs: { allow: [fileURLToPath(new URL('.', import.meta.url))] },
  },
});
