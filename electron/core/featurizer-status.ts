import type { Featurizer } from './engines/local/featurizer/types'
import type { StatusReporter } from './core-status'

/**
 * The local engine's picture model loads in its worker threads on first use, which takes seconds
 * on a cold start: the first search or the first pictures of a bulk add wait for it. This wrapper
 * reports that wait as a `core.status` task (`model-load`, on no profile: the model is shared) so
 * the UI can say "starting the engine" instead of showing a job at 0 pictures/s. Only the first
 * call is reported; it ends when that call settles (the model is then loaded, or failed to). With
 * a warm start (CoreOptions.warmModel) that first call is `warm()`, made at start.
 */
export function reportModelLoad(f: Featurizer, status: StatusReporter): Featurizer {
  let first: Promise<unknown> | null = null
  const watch = <T>(p: Promise<T>): Promise<T> => {
    if (first) return p
    first = p
    const task = status('', 'model-load')
    task.progress(0, 0)
    p.then(
      () => task.end(true),
      () => task.end(false),
    )
    return p
  }
  return {
    get version() {
      return f.version
    },
    get dim() {
      return f.dim
    },
    detect: (image) => watch(f.detect(image)),
    embed: (image, box) => watch(f.embed(image, box)),
    describe: (image, o) => watch(f.describe(image, o)),
    // The warm-up at start is usually that first call: the model loads before any request.
    ...(f.warm ? { warm: () => watch(f.warm!()) } : {}),
    close: () => f.close(),
  }
}
