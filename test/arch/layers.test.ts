/**
 * Imports point one way: http → domain → (signer, store) → errors. The signer knows nothing
 * of HTTP or the database; the store knows nothing of the signer or HTTP; the domain never
 * imports Elysia; and Bun-only APIs stay behind src/platform/.
 */
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { ROOT } from "../support/server";

const SRC = join(ROOT, "src");

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [],
  );
}

function importsOf(file: string): string[] {
  const source = readFileSync(file, "utf8");
  return [...source.matchAll(/^\s*(?:import|export)[^"']*?from\s+["']([^"']+)["']/gm)].map((m) => m[1]!);
}

function layerOf(file: string): string {
  const path = relative(SRC, file);
  return path.includes("/") ? path.split("/")[0]! : path.replace(/\.ts$/, "");
}

const ALLOWED: Record<string, string[]> = {
  errors: [],
  config: [],
  logger: [],
  histogram: [],
  platform: [],
  signer: ["errors", "platform"],
  store: ["platform"],
  audit: ["errors", "store", "signer", "platform", "histogram"],
  domain: ["errors", "signer", "store", "audit", "histogram"],
  http: ["errors", "domain", "signer", "logger"],
  main: ["*"],
  cli: ["config", "domain", "errors", "store", "audit"],
};

test("each layer imports only the layers below it", () => {
  const violations: string[] = [];
  for (const file of files(SRC)) {
    const layer = layerOf(file);
    for (const spec of importsOf(file)) {
      if (!spec.startsWith(".")) continue;
      const target = layerOf(join(file, "..", spec));
      if (target === layer || ALLOWED[layer]?.includes("*") || ALLOWED[layer]?.includes(target)) continue;
      violations.push(`${relative(ROOT, file)} imports ${spec} (${layer} → ${target})`);
    }
  }
  expect(violations).toEqual([]);
});

test("the signer and the store know nothing of HTTP; the domain never imports Elysia", () => {
  const violations = files(SRC)
    .filter((file) => ["signer", "store", "domain", "audit"].includes(layerOf(file)))
    .filter((file) => importsOf(file).some((spec) => spec === "elysia" || spec.startsWith("@elysiajs/")))
    .map((file) => relative(ROOT, file));
  expect(violations).toEqual([]);
});

test("Bun-only APIs are used only under src/platform/", () => {
  const violations = files(SRC)
    .filter((file) => layerOf(file) !== "platform")
    .filter((file) => {
      const source = readFileSync(file, "utf8");
      return importsOf(file).some((spec) => spec.startsWith("bun:")) || /\bBun\.[A-Za-z]/.test(source);
    })
    .map((file) => relative(ROOT, file));
  expect(violations).toEqual([]);
});
