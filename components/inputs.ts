/**
 * Helpers for args that mix plain values and `pulumi.Input`s: is a value known now (so a bad one
 * can fail the constructor at once), and running the same check later, inside `apply`, when it is
 * not (so `pulumi preview` fails as soon as the value is known).
 */
import * as pulumi from '@pulumi/pulumi';

/** True when `value` holds an Output or a Promise anywhere inside (plain objects and arrays are walked). */
export function hasUnresolved(value: unknown): boolean {
  if (pulumi.Output.isInstance(value)) return true;
  if (isThenable(value)) return true;
  if (Array.isArray(value)) return value.some(hasUnresolved);
  if (isPlainObject(value)) return Object.values(value).some(hasUnresolved);
  return false;
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}

/** An object literal (or null-prototype object): what args and specs are made of. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * `check` on a value: now when the value is plain (throwing here, in the constructor), otherwise
 * inside `apply` (throwing there fails every resource that uses the result). Returns the value to
 * pass on to child resources, so a failed check always reaches them.
 */
export function checked<T>(value: pulumi.Input<T>, check: (plain: pulumi.Unwrap<T>) => void): pulumi.Input<T> | pulumi.Output<pulumi.Unwrap<T>> {
  if (!hasUnresolved(value)) {
    check(value as pulumi.Unwrap<T>);
    return value;
  }
  return pulumi.output(value).apply((plain) => {
    check(plain);
    return plain;
  });
}

/** `pulumi.output(value).apply(fn)`, or `fn(value)` at once when the value is plain. */
export function mapInput<T, R>(value: pulumi.Input<T>, fn: (plain: pulumi.Unwrap<T>) => R): R | pulumi.Output<R> {
  if (!hasUnresolved(value)) return fn(value as pulumi.Unwrap<T>);
  return pulumi.output(value).apply(fn);
}
