/**
 * Worker thread that generates the embedded sample (electron/services/sample.ts). Generation is CPU-bound
 * JavaScript for ~10 s on first use; measured on the main thread it stalls the event loop for up to ~200 ms at a
 * time, which would freeze Electron's main process (menus, IPC answers). In a worker it costs the UI nothing.
 * Messages to the parent: {type:'progress', progress} … then {type:'done', dir} or {type:'error', message}.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ensureSample } from '../services/sample.js';

const { userDataDir } = workerData as { userDataDir: string };
try {
  const r = await ensureSample(userDataDir, {
    onProgress: (progress) => parentPort?.postMessage({ type: 'progress', progress }),
  });
  parentPort?.postMessage({ type: 'done', dir: r.dir });
} catch (err) {
  parentPort?.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
}
