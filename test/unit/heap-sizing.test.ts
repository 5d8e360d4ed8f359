/** The JavaScriptCore RAM size that `npm run serve` and the bench give the server. */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { DEFAULT_JSC_RAM_BYTES, JSC_RAM_SIZE_VARIABLE, jscRamBytes } from "../../src/platform/heap-sizing";

test("npm run serve sets the variable to the default unless it is already set", () => {
  const scripts = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).scripts;
  expect(scripts.serve).toBe(`${JSC_RAM_SIZE_VARIABLE}=\${${JSC_RAM_SIZE_VARIABLE}:-${DEFAULT_JSC_RAM_BYTES}} bun src/main.ts`);
});

test("the server reads what it was given; anything but a positive integer means the machine's RAM", () => {
  expect(jscRamBytes({ [JSC_RAM_SIZE_VARIABLE]: "536870912" })).toBe(536_870_912);
  for (const value of [undefined, "", "0", "-1", "512M", "1.5"]) expect(jscRamBytes({ [JSC_RAM_SIZE_VARIABLE]: value })).toBeNull();
});

test("the README documents it in the settings table", () => {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  expect(readme).toContain(`| \`${JSC_RAM_SIZE_VARIABLE}\` | \`${DEFAULT_JSC_RAM_BYTES}\``);
});
