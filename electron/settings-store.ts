/**
 * Settings and recent folders (with their column mappings), stored as one JSON file in the user data directory.
 * Plain Node (no `electron` import) so it is unit-tested and usable by the web host / CLI.
 *
 * - Writes are atomic (write `settings.json.tmp`, fsync, rename) so a crash never leaves a half-written file.
 * - A missing file gives defaults; an unreadable or invalid file is moved aside to `settings.json.corrupt-<ts>`
 *   and defaults are used (the app must start whatever is on disk); `warning` says what happened.
 * - Every field is validated with zod on load, so a hand-edited file cannot inject wrong types.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { LiveSettings, RecentFolder } from '../core/contract.js';

export const MAX_RECENT_FOLDERS = 10;

const boundsSchema = z.object({
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  width: z.number().int().min(400).max(20000),
  height: z.number().int().min(300).max(20000),
  maximized: z.boolean().default(false),
});
export type WindowState = z.infer<typeof boundsSchema>;

const recentSchema = z.object({
  folder: z.string().min(1),
  mapping: z.record(z.string(), z.unknown()).optional(),
  openedAt: z.string(),
});

const settingsSchema = z.object({
  version: z.literal(1).default(1),
  window: boundsSchema.optional(),
  recentFolders: z.array(recentSchema).default([]),
  /** free-form UI preferences (theme override, detector settings…) owned by the renderer */
  preferences: z.record(z.string(), z.unknown()).default({}),
  /** the last Live ▸ Connect… settings (prefill of the form) */
  live: z
    .object({
      brokers: z.string().min(1).max(2000),
      topic: z.string().min(1).max(249),
      group: z.string().min(1).max(249).optional(),
      folder: z.string().min(1).max(4096).optional(),
    })
    .optional(),
});
export type Settings = z.infer<typeof settingsSchema>;

export const DEFAULT_WINDOW: WindowState = { width: 1280, height: 800, maximized: false };

export class SettingsStore {
  readonly file: string;
  /** set when the file on disk could not be used and was moved aside */
  warning: string | null = null;
  private data: Settings;
  private listeners = new Set<(settings: Settings) => void>();

  constructor(userDataDir: string, fileName = 'settings.json') {
    this.file = path.join(userDataDir, fileName);
    this.data = this.load();
  }

  private load(): Settings {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return settingsSchema.parse({});
      this.warning = `Could not read ${this.file}: ${(err as Error).message}; using defaults`;
      return settingsSchema.parse({});
    }
    let reason: string;
    try {
      const parsed = settingsSchema.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data;
      reason = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    } catch (err) {
      reason = `not valid JSON (${(err as Error).message})`;
    }
    const aside = `${this.file}.corrupt-${Date.now()}`;
    try {
      renameSync(this.file, aside);
      this.warning = `Settings file ${this.file} was invalid (${reason}); moved to ${aside} and started with defaults`;
    } catch {
      this.warning = `Settings file ${this.file} was invalid (${reason}); using defaults`;
    }
    return settingsSchema.parse({});
  }

  private save(): void {
    mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify(this.data, null, 2) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
    for (const l of this.listeners) l(this.get());
  }

  /** Called after every save (e.g. to rebuild the Open Recent menu). Returns an unsubscribe function. */
  onChange(listener: (settings: Settings) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(): Settings {
    return structuredClone(this.data);
  }

  windowState(): WindowState {
    return { ...DEFAULT_WINDOW, ...(this.data.window ?? {}) };
  }

  setWindowState(state: WindowState): void {
    const parsed = boundsSchema.safeParse(state);
    if (!parsed.success) return; // ignore absurd sizes (e.g. a minimised window reporting 0x0)
    this.data.window = parsed.data;
    this.save();
  }

  recentFolders(): RecentFolder[] {
    return structuredClone(this.data.recentFolders);
  }

  /** Put `folder` first (deduplicated), remembering its mapping; keeps at most MAX_RECENT_FOLDERS. */
  addRecentFolder(folder: string, mapping?: Record<string, unknown>, now = new Date()): RecentFolder[] {
    const previous = this.data.recentFolders.find((r) => r.folder === folder);
    const entry: RecentFolder = { folder, openedAt: now.toISOString() };
    const kept = mapping ?? previous?.mapping;
    if (kept) entry.mapping = kept;
    this.data.recentFolders = [entry, ...this.data.recentFolders.filter((r) => r.folder !== folder)].slice(
      0,
      MAX_RECENT_FOLDERS,
    );
    this.save();
    return this.recentFolders();
  }

  /** Remember a mapping for a folder without changing the order. */
  setMapping(folder: string, mapping: Record<string, unknown> | undefined): void {
    const entry = this.data.recentFolders.find((r) => r.folder === folder);
    if (!entry) {
      this.addRecentFolder(folder, mapping);
      return;
    }
    if (mapping) entry.mapping = mapping;
    else delete entry.mapping;
    this.save();
  }

  mappingFor(folder: string): Record<string, unknown> | undefined {
    const m = this.data.recentFolders.find((r) => r.folder === folder)?.mapping;
    return m ? structuredClone(m) : undefined;
  }

  removeRecentFolder(folder: string): RecentFolder[] {
    this.data.recentFolders = this.data.recentFolders.filter((r) => r.folder !== folder);
    this.save();
    return this.recentFolders();
  }

  preferences(): Record<string, unknown> {
    return structuredClone(this.data.preferences);
  }

  setPreferences(prefs: Record<string, unknown>): void {
    this.data.preferences = structuredClone(prefs);
    this.save();
  }

  /** The remembered Live ▸ Connect… settings, or null. */
  liveSettings(): LiveSettings | null {
    return this.data.live ? structuredClone(this.data.live) : null;
  }

  setLiveSettings(live: LiveSettings): void {
    const entry: LiveSettings = { brokers: live.brokers, topic: live.topic };
    if (live.group) entry.group = live.group;
    if (live.folder) entry.folder = live.folder;
    this.data.live = entry;
    this.save();
  }
}
