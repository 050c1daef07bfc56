/**
 * Where Funnelscope keeps its per-user data (settings, recent folders, the generated sample) when it runs
 * outside Electron. Mirrors Electron's `app.getPath('userData')` for an app named "Funnelscope", so the CLI,
 * the web host and the desktop app share one sample and one settings file.
 * FUNNELSCOPE_HOME overrides it (tests, portable installs).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export const APP_NAME = 'Funnelscope';

export function userDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.FUNNELSCOPE_HOME) return env.FUNNELSCOPE_HOME;
  const home = homedir();
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', APP_NAME);
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), APP_NAME);
  return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), APP_NAME);
}
