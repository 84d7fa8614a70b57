/**
 * Nesting depth of a JSON value (a scalar is 0), without recursion, so that a
 * hostile value cannot overflow the stack. It stops counting once past `limit`
 * (returning a depth above it): callers only ask "deeper than the limit?".
 */
export function jsonDepth(value: unknown, limit = Number.POSITIVE_INFINITY): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== 'object') continue;
    max = Math.max(max, depth + 1);
    if (max > limit) return max;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return max;
}
