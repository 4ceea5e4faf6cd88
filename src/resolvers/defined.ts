/**
 * GraphQL leaves omitted input fields undefined and explicit nulls null; services treat a missing
 * key as "keep as it is", so the undefined ones are dropped (nulls stay: they mean "clear").
 */
export function defined<T extends object>(value: T): Partial<T>;
export function defined<T extends object>(value: T | null | undefined): Partial<T> | undefined;
export function defined<T extends object>(value: T | null | undefined): Partial<T> | undefined {
  if (value == null) return undefined;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
