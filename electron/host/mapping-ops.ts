/**
 * Host operations of the mapping editor, composed into the host by createHost (operations.ts):
 * `sourceColumns` lists a folder's source columns from the Parquet footers (electron/services/dataset.ts
 * sourceColumns) and `sourceValues` the most frequent values of one column (sourceValues). Both work on any
 * folder the user chose, whatever its layout — the Data view offers them when opening failed because no known
 * layout matched. The folder passes the host's own checks (checkFolder: allowed, exists, no symlink escape).
 */
import type { HostExtension, HostInternals } from './operations.js';

export function mappingExtension(host: HostInternals): HostExtension<'sourceColumns' | 'sourceValues'> {
  // loaded on first use, like the dataset service of defaultServices (native DuckDB)
  const service = () => import('../services/dataset.js');
  return {
    impl: {
      async sourceColumns(req) {
        const folder = await host.checkFolder(req.folder);
        return (await service()).sourceColumns(folder);
      },
      async sourceValues(req) {
        const folder = await host.checkFolder(req.folder);
        return (await service()).sourceValues(folder, req.column, { limit: req.limit });
      },
    },
    unavailable: () => [],
  };
}
