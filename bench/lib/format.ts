/** How the report's tables write numbers (counts with thousands separators, ratios as whole percent) and the tables themselves. */
export const n = (value: number) => value.toLocaleString("en-US");
export const pct = (value: number) => `${Math.round(value * 100)}%`;

/** A Markdown table: the header row, its rule, and a row for each list of cells. */
export function markdownTable(head: string[], rows: string[][]): string {
  return [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((cells) => `| ${cells.join(" | ")} |`)].join("\n");
}
