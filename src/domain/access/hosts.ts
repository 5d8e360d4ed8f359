/**
 * Allowed hosts: the names a request's Host header may carry (vSEC:CMS "Allowed hosts",
 * ASP.NET host filtering). Guards against DNS rebinding and against the service answering
 * under names it was not deployed for. Entries are exact names, "*.example.com" (any
 * subdomain, not example.com itself), or either with ":port" to pin the port too; IPv6
 * literals are written in brackets.
 */
interface HostPattern {
  /** The exact name, or for "*.example.com" the suffix ".example.com". */
  name: string;
  wildcard: boolean;
  port: string | null;
}

function split(host: string): { name: string; port: string | null } {
  const lower = host.toLowerCase();
  const colon = lower.startsWith("[") ? lower.indexOf("]:") + 1 : lower.lastIndexOf(":");
  return colon > 0 ? { name: lower.slice(0, colon), port: lower.slice(colon + 1) } : { name: lower, port: null };
}

export class HostPolicy {
  private readonly patterns: HostPattern[];

  constructor(patterns: readonly string[]) {
    this.patterns = patterns.map((pattern) => {
      const { name, port } = split(pattern);
      return name.startsWith("*.") ? { name: name.slice(1), wildcard: true, port } : { name, wildcard: false, port };
    });
  }

  /** Whether a Host header value (name, or name:port) is allowed. */
  allows(hostHeader: string | null): boolean {
    if (!hostHeader) return false;
    const { name, port } = split(hostHeader);
    return this.patterns.some(
      (pattern) =>
        (pattern.port === null || pattern.port === port) &&
        (pattern.wildcard ? name.endsWith(pattern.name) && name.length > pattern.name.length : name === pattern.name),
    );
  }
}
