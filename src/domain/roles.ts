/** Roles a client can hold. The first three are the Securosys TSB's API key groups. */
export const ROLES = ["keyManagement", "keyOperation", "service", "approver", "auditor", "admin"] as const;

export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
