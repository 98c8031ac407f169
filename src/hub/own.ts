/**
 * Lookups and writes keyed by names a client or an upstream chose. A plain
 * object inherits `constructor`, `toString`, `__proto__`…, so `map[name]` on
 * such a name finds something that is not in the map, and `obj[name] = v` with
 * `__proto__` changes the object's prototype instead of adding a key.
 */

/** `map[key]` when `key` is the map's own entry, else undefined (never an inherited member). */
export function own<V>(map: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined
}

/** `obj[key] = value` as an own, enumerable data property, whatever the key (`__proto__` included). */
export function setOwn(obj: Record<string | number, unknown>, key: string | number, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, configurable: true, writable: true })
  else obj[key] = value
}
