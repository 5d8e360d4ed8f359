/**
 * IP addresses and CIDR ranges, IPv4 and IPv6, as 16-byte values.
 *
 * IPv4 is held as the IPv4-mapped IPv6 address (::ffff:a.b.c.d), so that a client reaching a
 * dual-stack listener as ::ffff:10.1.2.3 matches the range 10.0.0.0/8, and an IPv4 prefix
 * /n becomes /(96+n). Parsing is strict: no zone ids, no leading zeros in IPv4 parts (which
 * some parsers read as octal), no more than one "::".
 */
export type Address = Uint8Array; // 16 bytes

const MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

function parseIpv4Bytes(text: string): number[] | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const bytes: number[] = [];
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const value = Number(part);
    if (value > 255) return null;
    bytes.push(value);
  }
  return bytes;
}

function parseIpv6Bytes(text: string): number[] | null {
  if (text.length > 45 || !/^[0-9a-fA-F:.]+$/.test(text)) return null;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (half: string): number[] | null => {
    if (half === "") return [];
    const out: number[] = [];
    const pieces = half.split(":");
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      if (i === pieces.length - 1 && piece.includes(".")) {
        const v4 = parseIpv4Bytes(piece);
        if (!v4) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(piece)) return null;
        out.push(parseInt(piece, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return all.flatMap((group) => [group >> 8, group & 0xff]);
}

/** Parses an IPv4 or IPv6 address (IPv6 optionally in brackets); null when it is not one. */
export function parseAddress(text: string): Address | null {
  const bare = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const v4 = parseIpv4Bytes(bare);
  if (v4) return Uint8Array.from([...MAPPED_PREFIX, ...v4]);
  const v6 = parseIpv6Bytes(bare);
  return v6 ? Uint8Array.from(v6) : null;
}

export interface Cidr {
  /** The range as written, normalised (e.g. "10.0.0.0/8", "2001:db8::/32"). */
  text: string;
  network: Address;
  /** Prefix length over the 16-byte form. */
  bits: number;
}

function masked(address: Address, bits: number): Address {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    out[i] = address[i]! & ((0xff << (8 - keep)) & 0xff);
  }
  return out;
}

/** Parses "a.b.c.d/n", "x:y::/n", or a bare address (a range of one). Throws on anything else. */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf("/");
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const address = parseAddress(addressText);
  const isV4 = parseIpv4Bytes(addressText) !== null;
  const maxBits = isV4 ? 32 : 128;
  const prefixText = slash < 0 ? String(maxBits) : text.slice(slash + 1);
  if (!address || !/^(0|[1-9][0-9]{0,2})$/.test(prefixText) || Number(prefixText) > maxBits) {
    throw new RangeError(`"${text}" is not an IPv4 or IPv6 CIDR range such as 10.0.0.0/8 or 2001:db8::/32`);
  }
  const prefix = Number(prefixText);
  const bits = isV4 ? 96 + prefix : prefix;
  const network = masked(address, bits);
  if (!network.every((byte, i) => byte === address[i])) {
    throw new RangeError(`"${text}" has host bits set; the range starts at ${formatAddress(network)}/${prefix}`);
  }
  return { text: `${formatAddress(network)}/${prefix}`, network, bits };
}

export function formatAddress(address: Address): string {
  if (MAPPED_PREFIX.every((byte, i) => address[i] === byte)) return [...address.subarray(12)].join(".");
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((address[i]! << 8) | address[i + 1]!);
  // Compress the longest run of two or more zero groups (RFC 5952).
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

export function cidrContains(cidr: Cidr, address: Address): boolean {
  const whole = cidr.bits >> 3;
  for (let i = 0; i < whole; i++) if (cidr.network[i] !== address[i]) return false;
  const rest = cidr.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (address[whole]! & mask) === cidr.network[whole];
}

/** A client's allowed ranges. An address that cannot be parsed is never inside. */
export class CidrList {
  readonly ranges: readonly Cidr[];

  constructor(ranges: readonly string[]) {
    this.ranges = ranges.map(parseCidr);
  }

  contains(addressText: string | null): boolean {
    if (!addressText) return false;
    const address = parseAddress(addressText);
    return address !== null && this.ranges.some((range) => cidrContains(range, address));
  }
}
