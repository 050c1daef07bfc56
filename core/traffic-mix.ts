/**
 * The traffic mix of the embedded sample: shares of device, os given device and browser given os (no impossible
 * pairs such as Safari on Android). Pure data, shared by the sample generator (electron/services/sample.ts) and
 * the synthetic cube of bench/scan.ts.
 */

/** value → share pairs (shares sum to 1) */
export type Cond = ReadonlyArray<readonly [string, number]>;
export const DEVICE: Cond = [
  ['desktop', 0.44],
  ['mobile', 0.48],
  ['tablet', 0.08],
];
export const OS_GIVEN_DEVICE: Record<string, Cond> = {
  desktop: [
    ['windows', 0.72],
    ['macos', 0.22],
    ['linux', 0.06],
  ],
  mobile: [
    ['ios', 0.52],
    ['android', 0.48],
  ],
  tablet: [
    ['ios', 0.62],
    ['android', 0.38],
  ],
};
export const BROWSER_GIVEN_OS: Record<string, Cond> = {
  windows: [
    ['chrome', 0.66],
    ['edge', 0.2],
    ['firefox', 0.14],
  ],
  macos: [
    ['safari', 0.5],
    ['chrome', 0.42],
    ['firefox', 0.08],
  ],
  linux: [
    ['chrome', 0.75],
    ['firefox', 0.25],
  ],
  ios: [
    ['safari', 0.86],
    ['chrome', 0.14],
  ],
  android: [
    ['chrome', 0.72],
    ['samsung', 0.22],
    ['firefox', 0.06],
  ],
};
