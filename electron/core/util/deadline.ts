/**
 * True once `p` settles (resolved or rejected) within `ms`, false when `ms` pass first. The timer
 * is cleared either way and never keeps the process alive; `p` itself runs on (for long-polls:
 * "not yet, ask again").
 */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    return await Promise.race([
      p.then(
        () => true,
        () => true,
      ),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms)
        // A waiter alone never keeps a process alive (nobody is left to want the answer).
        timer.unref?.()
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}
