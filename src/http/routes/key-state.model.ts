/** Request schemas of the routes that change a key's state: block, unblock, modify, rotate, minimum version. */
import { t } from "elysia";
import { KeyPassword } from "./signing.model";

const keyName = (description: string) => t.String({ minLength: 1, maxLength: 255, description, examples: ["payments-ec"] });

export const BlockBody = t.Object({
  blockRequest: t.Object({ blockKeyName: keyName("Label of the key to block."), keyPassword: KeyPassword }),
});

/** The TSB Go client sends unblockRequest {unblockKeyName}; the block body's shape is taken too. */
export const UnblockOrBlockBody = t.Object(
  {
    unblockRequest: t.Optional(t.Object({ unblockKeyName: keyName("Label of the key to unblock."), keyPassword: KeyPassword })),
    blockRequest: t.Optional(t.Object({ blockKeyName: keyName("Label of the key to unblock."), keyPassword: KeyPassword })),
  },
  { description: "unblockRequest {unblockKeyName} (as the TSB Go client sends it), or blockRequest {blockKeyName}." },
);

export const ModifyBody = t.Object({
  modifyRequest: t.Object({
    modifyKeyName: keyName("Label of the key; it must be modifiable."),
    keyPassword: KeyPassword,
    policy: t.Optional(t.Unknown({ description: "The new TSB key policy; replaces the stored one." })),
    attributes: t.Optional(
      t.Union(
        [
          t.Record(t.String(), t.Union([t.Boolean(), t.Null()]), {
            description:
              "Attributes to tighten (Signet extension), on every version: sign, decrypt, unwrap, derive, extractable may become false; " +
              "sensitive may become true. Never the reverse; modifiable, copyable and destroyable are fixed when the key is made.",
          }),
          t.Null(),
        ],
      ),
    ),
  }),
});

export const MinimumVersionBody = t.Object({
  minimumVersion: t.String({ maxLength: 16, description: "Versions below this one are refused for every operation; at most the current version.", examples: ["v2"] }),
  password: KeyPassword,
});

/** Optional body of the rotation route: the key's password, when it has one. */
export const RotateBody = t.Object({ password: KeyPassword });
