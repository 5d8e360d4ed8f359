/** How the report's tables write numbers: counts with thousands separators, ratios as whole percent. */
export const n = (value: number) => value.toLocaleString("en-US");
export const pct = (value: number) => `${Math.round(value * 100)}%`;
