/** Runs `fn` over `items` with at most `n` in flight (each gets its item and index). */
export async function pool<T>(
  items: T[],
  n: number,
  fn: (item: T, index: number) => Promise<unknown>,
): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++
        await fn(items[i], i)
      }
    }),
  )
}
