// Independent JWT verification under Node.js, never under Bun and never with Signet's code:
// the `jose` library against the JWK set Signet published, and for ES256K (which jose 6 does
// not implement) Node's OpenSSL with the published JWK. Reads one JSON object on stdin:
//   {"jwks": {...}, "jobs": [{"token": "...", "algorithm": "ES256", "issuer"?: "...", "audience"?: "..."}]}
// and writes one JSON array: per job {"valid": true, "header", "claims"} or {"valid": false, "error"}.
import { createPublicKey, verify } from "node:crypto";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";

const input = JSON.parse(await new Response(process.stdin).text());
const keySet = createLocalJWKSet(input.jwks);

function es256k(token, jwks) {
  const [header64, claims64, signature64] = token.split(".");
  const header = JSON.parse(Buffer.from(header64, "base64url").toString("utf8"));
  if (header.alg !== "ES256K") throw new Error(`header alg is ${header.alg}`);
  const jwk = jwks.keys.find((key) => key.kid === header.kid);
  if (!jwk) throw new Error("no key in the JWK set with the token's kid");
  if (jwk.crv !== "secp256k1") throw new Error(`key curve is ${jwk.crv}`);
  const { kid, use, alg, ...publicJwk } = jwk;
  const key = createPublicKey({ key: publicJwk, format: "jwk" });
  const valid = verify("sha256", Buffer.from(`${header64}.${claims64}`, "ascii"), { key, dsaEncoding: "ieee-p1363" }, Buffer.from(signature64, "base64url"));
  if (!valid) throw new Error("signature verification failed");
  const claims = JSON.parse(Buffer.from(claims64, "base64url").toString("utf8"));
  if (typeof claims.exp !== "number" || claims.exp * 1000 < Date.now()) throw new Error("token expired");
  return { header, claims };
}

const results = [];
for (const job of input.jobs) {
  try {
    if (job.algorithm === "ES256K") {
      results.push({ valid: true, ...es256k(job.token, input.jwks) });
    } else {
      const options = { algorithms: [job.algorithm] };
      if (job.issuer) options.issuer = job.issuer;
      if (job.audience) options.audience = job.audience;
      const { payload, protectedHeader } = await jwtVerify(job.token, keySet, options);
      results.push({ valid: true, header: protectedHeader, claims: payload });
    }
  } catch (error) {
    let header = null;
    try {
      header = decodeProtectedHeader(job.token);
    } catch {}
    results.push({ valid: false, error: String(error?.code ?? error?.message ?? error), header });
  }
}
process.stdout.write(JSON.stringify(results));
