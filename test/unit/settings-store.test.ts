import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_WINDOW, MAX_RECENT_FOLDERS, SettingsStore } from '../../electron/settings-store.js';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'fs-settings-'));

describe('SettingsStore', () => {
  it('starts with defaults when there is no file, and creates it on the first change', () => {
    const dir = path.join(tmp(), 'nested', 'userData');
    const s = new SettingsStore(dir);
    expect(s.windowState()).toEqual(DEFAULT_WINDOW);
    expect(s.recentFolders()).toEqual([]);
    expect(s.warning).toBeNull();
    expect(existsSync(s.file)).toBe(false);
    s.addRecentFolder('/data/a');
    expect(existsSync(s.file)).toBe(true);
    expect(readdirSync(dir)).toEqual(['settings.json']); // no .tmp left behind
  });

  it('keeps recent folders most-recent-first, deduplicated, capped, with their mappings, across restarts', () => {
    const dir = tmp();
    const s = new SettingsStore(dir);
    s.addRecentFolder('/data/a', { layout: 'cosmetics' }, new Date('2026-01-01T00:00:00Z'));
    s.addRecentFolder('/data/b', undefined, new Date('2026-01-02T00:00:00Z'));
    s.addRecentFolder('/data/a', undefined, new Date('2026-01-03T00:00:00Z')); // re-open keeps the mapping
    expect(s.recentFolders()).toEqual([
      { folder: '/data/a', mapping: { layout: 'cosmetics' }, openedAt: '2026-01-03T00:00:00.000Z' },
      { folder: '/data/b', openedAt: '2026-01-02T00:00:00.000Z' },
    ]);
    for (let i = 0; i < 15; i++) s.addRecentFolder(`/data/f${i}`);
    const reloaded = new SettingsStore(dir);
    expect(reloaded.recentFolders()).toHaveLength(MAX_RECENT_FOLDERS);
    expect(reloaded.recentFolders()[0]!.folder).toBe('/data/f14');
    expect(reloaded.mappingFor('/data/a')).toBeUndefined(); // pushed out by the cap
    reloaded.setMapping('/data/f14', { price: null });
    expect(new SettingsStore(dir).mappingFor('/data/f14')).toEqual({ price: null });
    reloaded.setMapping('/data/f14', undefined);
    expect(new SettingsStore(dir).mappingFor('/data/f14')).toBeUndefined();
    expect(reloaded.removeRecentFolder('/data/f14').map((r) => r.folder)).not.toContain('/data/f14');
  });

  it('remembers the window state and ignores absurd sizes', () => {
    const dir = tmp();
    const s = new SettingsStore(dir);
    s.setWindowState({ x: 100, y: 50, width: 1400, height: 900, maximized: true });
    s.setWindowState({ x: 0, y: 0, width: 0, height: 0, maximized: false }); // minimised window reporting 0x0
    expect(new SettingsStore(dir).windowState()).toEqual({
      x: 100,
      y: 50,
      width: 1400,
      height: 900,
      maximized: true,
    });
  });

  it('moves a corrupt file aside, says so, and starts with defaults', () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'settings.json'), '{"recentFolders": [ {"folder": 12');
    const s = new SettingsStore(dir);
    expect(s.recentFolders()).toEqual([]);
    expect(s.warning).toMatch(/was invalid \(not valid JSON/);
    expect(readdirSync(dir).some((f) => f.startsWith('settings.json.corrupt-'))).toBe(true);
    s.addRecentFolder('/data/ok');
    expect(JSON.parse(readFileSync(s.file, 'utf8')).recentFolders[0].folder).toBe('/data/ok');
  });

  it('rejects well-formed JSON with wrong types instead of trusting it', () => {
    const dir = tmp();
    writeFileSync(
      path.join(dir, 'settings.json'),
      JSON.stringify({ version: 1, recentFolders: [{ folder: 42, openedAt: 'x' }] }),
    );
    const s = new SettingsStore(dir);
    expect(s.warning).toContain('recentFolders.0.folder');
    expect(s.recentFolders()).toEqual([]);
  });

  it('notifies listeners after each save and returns copies, not its state', () => {
    const s = new SettingsStore(tmp());
    const seen: number[] = [];
    const off = s.onChange((settings) => seen.push(settings.recentFolders.length));
    s.addRecentFolder('/a');
    s.addRecentFolder('/b');
    off();
    s.addRecentFolder('/c');
    expect(seen).toEqual([1, 2]);
    const copy = s.recentFolders();
    copy[0]!.folder = '/mutated';
    expect(s.recentFolders()[0]!.folder).toBe('/c');
  });
});
