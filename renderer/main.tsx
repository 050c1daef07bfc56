/** Entry: the analysis worker, the host client (Electron bridge or local web host), the store, the React tree. */
import { createRoot } from 'react-dom/client';
import './styles.css';
import { App } from './App.js';
import { AppContext } from './app/context.js';
import { createHostClient, type HostClient } from './host/client.js';
import { VIEWS, createAppStore } from './state/store.js';
import { installLiveSync } from './views/LiveView.js';
import { WorkerClient, type WorkerPort } from './worker/client.js';
import type { FromWorker } from './worker/protocol.js';
import { chartRegistry } from './components/Chart.js';

const worker = new Worker(new URL('./worker/analysis.worker.ts', import.meta.url), {
  type: 'module',
  name: 'funnelscope-analysis',
});
const port: WorkerPort = {
  post: (m, transfer) => worker.postMessage(m, transfer ?? []),
  listen: (handler) => {
    worker.onmessage = (ev: MessageEvent<FromWorker>) => handler(ev.data);
    worker.onerror = (ev) =>
      handler({
        kind: 'error',
        id: 0,
        message: `The analysis worker crashed: ${ev.message || 'unknown error'}`,
      });
  },
  terminate: () => worker.terminate(),
};
const workerClient = new WorkerClient(port);

let host: HostClient | null = null;
let hostError: string | null = null;
try {
  host = createHostClient();
} catch (e) {
  hostError = (e as Error).message;
}

const store = createAppStore({ host, worker: workerClient });
if (hostError) store.setState((s) => ({ dataset: { ...s.dataset, status: 'error', error: hostError } }));

// what the host wants opened first (a folder given on the command line, or the sample), and shell commands
if (host) {
  // live batches reach the other views even before the Live view is visited (e.g. after a page reload)
  installLiveSync(host, store, workerClient);
  void store.getState().refreshRecent();
  host
    .invoke('hostInfo', {})
    .then((info) => {
      if (info.initial.kind === 'folder') void store.getState().openFolder(info.initial.folder);
      else if (info.initial.kind === 'sample' && new URLSearchParams(location.search).get('open') !== 'none')
        void store.getState().openSample();
    })
    .catch((e: unknown) =>
      store.setState((s) => ({ dataset: { ...s.dataset, status: 'error', error: (e as Error).message } })),
    );
  host.onCommand((c) => {
    const st = store.getState();
    if (c.command === 'openFolder') void st.openFolder(c.folder);
    else if (c.command === 'openSample') void st.openSample();
    else if (c.command === 'exportReport') void st.exportReport();
    else if (c.command === 'showView' && VIEWS.some((v) => v.id === c.view)) st.setView(c.view as never);
  });
}

// handles for the end-to-end tests and the bench (read-only use; no secrets live here)
(globalThis as Record<string, unknown>).__funnelscope = {
  store,
  worker: workerClient,
  charts: chartRegistry,
};

createRoot(document.getElementById('root')!).render(
  <AppContext.Provider value={{ store, worker: workerClient, host }}>
    <App />
  </AppContext.Provider>,
);
