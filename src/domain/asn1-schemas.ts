/**
 * @peculiar's ASN.1 schemas, loaded on first use: they take 50-80 ms to load on the main
 * thread, and start-up needs none of them. Client certificates (mutual TLS, certificate
 * credentials) and the JWKs of arbitrary token keys do. With mutual TLS on, AccessService loads
 * them at start, so no request waits for them.
 */
import type * as AsnRsa from "@peculiar/asn1-rsa";
import type * as AsnSchema from "@peculiar/asn1-schema";
import type * as AsnX509 from "@peculiar/asn1-x509";

export interface Asn1Schemas {
  schema: typeof AsnSchema;
  rsa: typeof AsnRsa;
  x509: typeof AsnX509;
}

let loaded: Asn1Schemas | undefined;

export function asn1Schemas(): Asn1Schemas {
  return (loaded ??= { schema: require("@peculiar/asn1-schema"), rsa: require("@peculiar/asn1-rsa"), x509: require("@peculiar/asn1-x509") });
}
