import { onBeforeUnmount, onMounted } from 'vue'
import { firstImageFile } from '@renderer/lib/image-file'

/**
 * Ctrl/Cmd+V anywhere while the view is mounted: an image on the clipboard goes to `take`
 * (the paste is then consumed). `when` may refuse the paste (another mode or dialog is in front).
 */
export function useImagePaste(take: (f: File) => void, when: () => boolean = () => true) {
  function onPaste(e: ClipboardEvent) {
    if (!when()) return
    const f = firstImageFile(e.clipboardData?.files) ?? firstImageFile(e.clipboardData?.items)
    if (!f) return
    e.preventDefault()
    take(f)
  }
  onMounted(() => window.addEventListener('paste', onPaste))
  onBeforeUnmount(() => window.removeEventListener('paste', onPaste))
}
