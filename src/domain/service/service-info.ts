/**
 * Service information for the service role: the key store statistics TSB clients use as their
 * connection check (GET /v1/keystore/statistics), with what the token can do, and the licence
 * flags (GET /v1/licenseInfo).
 *
 * The statistics count only the keys the caller may use (its key allow-list), so they disclose
 * nothing about the others; the token's capabilities are the same for every caller.
 */
import { capabilities, type Capabilities } from "../../signer/capabilities";
import type { Signer } from "../../signer/signer";
import type { OperationContext } from "../context";
import type { KeyService } from "../keys/key-service";

export interface KeyStoreStatistics {
  /** One line, as the TSB's keyStoreStatistics is a string. */
  keyStoreStatistics: string;
  token: { label: string; manufacturer: string; model: string; serialNumber: string };
  keys: { total: number; byAlgorithm: Record<string, number> };
  capabilities: Capabilities;
}

/**
 * Signet's answer to the TSB's licence flags: the REST API is all there is (no SKA approvals,
 * no asynchronous requests), and nothing is licensed.
 */
export const CLIENT_FLAGS = ["REST_API"] as const;

export class ServiceInfo {
  private cached: Capabilities | null = null;

  constructor(
    private readonly keys: KeyService,
    private readonly signer: Signer,
  ) {}

  capabilities(): Capabilities {
    this.cached ??= capabilities(this.signer.token.mechanisms, this.signer.traits);
    return this.cached;
  }

  async statistics(context: OperationContext): Promise<KeyStoreStatistics> {
    const labels = await this.keys.list(context);
    const byAlgorithm = this.keys.algorithmCounts(labels);
    const { label, manufacturer, model, serialNumber } = this.signer.token;
    const parts = Object.entries(byAlgorithm).sort(([a], [b]) => a.localeCompare(b)).map(([algorithm, count]) => `${algorithm} ${count}`);
    const line = `${labels.length} keys${parts.length ? ` (${parts.join(", ")})` : ""} on token "${label}" (${manufacturer} ${model}, serial ${serialNumber})`;
    return {
      keyStoreStatistics: line,
      token: { label, manufacturer, model, serialNumber },
      keys: { total: labels.length, byAlgorithm },
      capabilities: this.capabilities(),
    };
  }

  license(): { clientFlags: string[] } {
    return { clientFlags: [...CLIENT_FLAGS] };
  }
}
