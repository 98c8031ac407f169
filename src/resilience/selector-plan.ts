import { invalidRequest } from '../hub/errors'

/**
 * The selector grammar above one `backend:model?params` selector:
 *
 *   a|b|c                     try a, then b, then c (failover)
 *   [weight=3]a^[weight=1]b   pick one at random by weight; a failed branch re-rolls among the rest
 *   name                      a named route (ROUTES, config `routes:`): its entries, in order
 *
 * `|` binds loosest (`a^b|c` is "a or b by weight, then c"); each entry may be a
 * route name, which expands to its own entries (each itself any selector).
 */
export type PlanNode =
  | { kind: 'leaf'; selector: string }
  | { kind: 'chain'; entries: PlanNode[] }
  | { kind: 'weighted'; branches: Array<{ weight: number; node: PlanNode }> }

const WEIGHT = /^\[weight=([0-9]+(?:\.[0-9]+)?)\]/

/** Whether a selector needs the grammar at all (the common single selector does not). */
export function isCompound(selector: string, routes: ReadonlyMap<string, string[]>): boolean {
  return selector.includes('|') || selector.includes('^') || selector.startsWith('[') || routes.has(selector)
}

export function parsePlan(selector: string, routes: ReadonlyMap<string, string[]>, within: string[] = []): PlanNode {
  const route = routes.get(selector)
  if (route) {
    if (within.includes(selector)) throw invalidRequest(`model: route "${selector}" refers to itself (${[...within, selector].join(' → ')})`, 'model')
    const entries = route.map((e) => parsePlan(e, routes, [...within, selector]))
    return entries.length === 1 ? entries[0]! : { kind: 'chain', entries }
  }
  const parts = selector.split('|')
  if (parts.length > 1) return { kind: 'chain', entries: parts.map((p) => parsePlan(entry(p, selector), routes, within)) }
  const branches = selector.split('^')
  if (branches.length > 1)
    return {
      kind: 'weighted',
      branches: branches.map((b) => {
        const text = entry(b, selector)
        const m = WEIGHT.exec(text)
        const weight = m ? Number(m[1]) : 1
        if (!(weight > 0)) throw invalidRequest(`model "${selector}": a weight must be more than 0 ("${text}")`, 'model')
        return { weight, node: parsePlan(m ? text.slice(m[0].length) : text, routes, within) }
      }),
    }
  const m = WEIGHT.exec(selector)
  if (m) return parsePlan(selector.slice(m[0].length), routes, within)
  if (selector.startsWith('[')) throw invalidRequest(`model "${selector}": a branch prefix is written [weight=N]`, 'model')
  return { kind: 'leaf', selector }
}

function entry(text: string, whole: string): string {
  const t = text.trim()
  if (!t) throw invalidRequest(`model "${whole}": an empty entry (between "|" or "^")`, 'model')
  return t
}

/**
 * The leaves in the order to try them, produced one at a time (a weighted
 * choice is rolled only when reached, and re-rolled among the rest when the
 * branch it chose fails). A selector met twice is tried once.
 */
export function* tryOrder(node: PlanNode, random: () => number = Math.random, seen = new Set<string>()): Generator<string> {
  switch (node.kind) {
    case 'leaf':
      if (!seen.has(node.selector)) {
        seen.add(node.selector)
        yield node.selector
      }
      return
    case 'chain':
      for (const e of node.entries) yield* tryOrder(e, random, seen)
      return
    case 'weighted': {
      const left = [...node.branches]
      while (left.length) {
        const total = left.reduce((s, b) => s + b.weight, 0)
        let roll = random() * total
        let i = 0
        while (i < left.length - 1 && roll >= left[i]!.weight) roll -= left[i++]!.weight
        const [chosen] = left.splice(i, 1)
        yield* tryOrder(chosen!.node, random, seen)
      }
    }
  }
}

/** Every leaf, for checking settings at start. */
export function leaves(node: PlanNode): string[] {
  if (node.kind === 'leaf') return [node.selector]
  if (node.kind === 'chain') return node.entries.flatMap(leaves)
  return node.branches.flatMap((b) => leaves(b.node))
}
