/**
 * Key passwords as TSB clients send them: an array of one-character strings (Java's char[],
 * which the Go client builds one byte at a time), a plain string, or null. Translated here to
 * one string; "" and null mean no password. The characters are joined as they come, without
 * reinterpretation, so that whatever a client sent when it set a password matches what it
 * sends later.
 */
import { SignetError } from "../errors";

export type PasswordField = string[] | string | null | undefined;

export function passwordOf(value: PasswordField, field: string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  for (const character of value) {
    // One character each, as the TSB's schema (pattern ^.{1}$) has it: one code point.
    if (character.length === 0 || character.length > 2 || [...character].length !== 1) {
      throw new SignetError("inputValidation", `${field} is an array of one-character strings`);
    }
  }
  return value.join("");
}
