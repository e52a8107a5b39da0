import { computed, onBeforeUnmount, onMounted, ref, watch, type Ref } from 'vue'
import { fitScale, type Size } from '@renderer/lib/region'

/** What useFittedPicture reads of its component's props (reactively). */
export interface FittedPictureProps {
  readonly src: string | null
  /** The original size when known elsewhere (0: read from the picture once loaded). */
  readonly imageWidth: number
  readonly imageHeight: number
  readonly maxWidth: number
  readonly maxHeight: number
}

/**
 * A picture shown fitted into the width its element has (followed with a ResizeObserver) and the
 * props' max size: its original size (given, or read when the `<img>` loads), the scale and the
 * size on screen. `onLoad`/`onError` are the `<img>`'s handlers; a new `src` starts over.
 */
export function useFittedPicture(
  root: Ref<HTMLElement | null>,
  props: FittedPictureProps,
  on: { size: (size: Size) => void; error: () => void },
) {
  const loadedSize = ref<Size | null>(null)
  const failed = ref(false)
  const availWidth = ref(0)

  const natural = computed<Size | null>(() =>
    props.imageWidth > 0 && props.imageHeight > 0
      ? { width: props.imageWidth, height: props.imageHeight }
      : loadedSize.value,
  )
  const scale = computed(() =>
    natural.value
      ? fitScale(natural.value, {
          width: Math.min(availWidth.value || props.maxWidth, props.maxWidth),
          height: props.maxHeight,
        })
      : 1,
  )
  const display = computed(() =>
    natural.value
      ? {
          width: Math.round(natural.value.width * scale.value),
          height: Math.round(natural.value.height * scale.value),
        }
      : null,
  )

  watch(
    () => props.src,
    () => {
      loadedSize.value = null
      failed.value = false
    },
  )

  function onLoad(e: Event) {
    const img = e.target as HTMLImageElement
    if (img.naturalWidth > 0 && img.naturalHeight > 0) {
      loadedSize.value = { width: img.naturalWidth, height: img.naturalHeight }
      if (!(props.imageWidth > 0)) on.size(loadedSize.value)
    }
  }
  function onError() {
    failed.value = true
    on.error()
  }

  let ro: ResizeObserver | null = null
  onMounted(() => {
    const measure = () => (availWidth.value = root.value?.clientWidth ?? 0)
    measure()
    if (typeof ResizeObserver !== 'undefined' && root.value) {
      ro = new ResizeObserver(measure)
      ro.observe(root.value)
    }
  })
  onBeforeUnmount(() => ro?.disconnect())

  return { natural, scale, display, failed, onLoad, onError }
}
