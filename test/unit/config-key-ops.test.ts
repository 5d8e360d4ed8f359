/** The settings key operations add: random length, batch limits, and the batch body they allow. */
import { expect, test } from "bun:test";
import { ConfigError, loadConfig } from "../../src/config";

test("defaults", () => {
  const config = loadConfig({});
  expect(config.maxRandomBytes).toBe(4096);
  expect(config.batch.maxItems).toBe(256);
  expect(config.batch.maxBytes).toBe(1 << 20);
  // A batch body holds its payloads in base64 and a little more per item; other bodies are unchanged.
  expect(config.batch.maxBodyBytes).toBe(Math.ceil(((1 << 20) * 4) / 3) + 64 * 1024 + 256 * 1024);
  expect(config.maxBodyBytes).toBe(Math.ceil(((1 << 20) * 4) / 3) + 64 * 1024);
});

test("set, and refused out of bounds with the setting named", () => {
  const config = loadConfig({ SIGNET_MAX_RANDOM_BYTES: "64", SIGNET_BATCH_MAX_ITEMS: "10", SIGNET_BATCH_MAX_BYTES: "2048", SIGNET_BATCH_MAX_IN_FLIGHT: "100", SIGNET_QUEUE_MAX: "500" });
  expect(config.maxRandomBytes).toBe(64);
  expect(config.batch).toEqual({ maxItems: 10, maxBytes: 2048, maxBodyBytes: Math.ceil((2048 * 4) / 3) + 64 * 1024 + 10 * 1024, maxItemsInFlight: 100, maxItemsWaiting: 500 });
  for (const [name, value] of [["SIGNET_MAX_RANDOM_BYTES", "0"], ["SIGNET_BATCH_MAX_ITEMS", "0"], ["SIGNET_BATCH_MAX_BYTES", "lots"], ["SIGNET_BATCH_MAX_IN_FLIGHT", "0"]] as const) {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  }
});
