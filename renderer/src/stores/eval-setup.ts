import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { ApiError } from '@api/errors'
import { getBridge } from '@renderer/bridge'
import { toUiError } from '@renderer/lib/errors'
import type { NamingMode } from './bulk'
import { stagedTestSet, useEvalStore, type SetPreview } from './eval'
import { useJobsStore } from './jobs'

/**
 * The next run of the search-quality lab as the user sets it up: the test set (a path on the
 * serving machine, or a folder or file chosen in the browser and uploaded), its naming rule and
 * preview, the profiles to run it against and the search options. Kept in a store so that leaving
 * the view keeps it.
 */
export const useEvalSetupStore = defineStore('eval-setup', () => {
  const path = ref('')
  const namingMode = ref<NamingMode>('folder')
  const template = ref('{product}/{name}')
  const naming = computed(() =>
    namingMode.value === 'template' ? template.value : namingMode.value,
  )
  const profiles = ref<string[]>([])
  const crop = ref(false)
  const num = ref(10)
  const categoryId = ref<number | null>(null)
  const filter = ref('')
  const name = ref('')

  const preview = shallowRef<SetPreview | null>(null)
  const previewing = ref(false)
  const uploading = ref(false)
  const starting = ref(false)
  const error = ref<ApiError | null>(null)
  /** The job of the run started last from here (its progress is shown under the form). */
  const jobId = ref<number | null>(null)
  const runId = ref<string | null>(null)
  let seq = 0

  function setPath(p: string) {
    path.value = p
    preview.value = null
    error.value = null
  }

  async function doPreview() {
    if (!path.value.trim()) return
    const n = ++seq
    previewing.value = true
    error.value = null
    try {
      const r = await getBridge().api.eval.previewSet({
        path: path.value.trim(),
        naming: naming.value,
      })
      if (n === seq) preview.value = r
    } catch (e) {
      if (n === seq) {
        preview.value = null
        error.value = toUiError(e)
      }
    } finally {
      if (n === seq) previewing.value = false
    }
  }

  /** A folder or file chosen with the file dialog: uploaded (browser) or its path (desktop). */
  async function choose(list: FileList | File[] | null) {
    uploading.value = true
    error.value = null
    try {
      const p = await stagedTestSet(list)
      if (!p) return
      setPath(p)
      await doPreview()
    } catch (e) {
      error.value = toUiError(e)
    } finally {
      uploading.value = false
    }
  }

  async function start() {
    if (!path.value.trim() || !profiles.value.length) return
    starting.value = true
    error.value = null
    try {
      const r = await getBridge().api.eval.start({
        path: path.value.trim(),
        naming: naming.value,
        profiles: profiles.value,
        options: {
          crop: crop.value,
          num: num.value,
          ...(categoryId.value !== null ? { categoryId: categoryId.value } : {}),
          ...(filter.value.trim() ? { filter: filter.value.trim() } : {}),
        },
        ...(name.value.trim() ? { name: name.value.trim() } : {}),
      })
      jobId.value = r.jobId
      runId.value = r.runId
      await useJobsStore().fetchOne(r.jobId)
      const lab = useEvalStore()
      await lab.load()
      lab.select(r.runId)
      return r
    } catch (e) {
      error.value = toUiError(e)
    } finally {
      starting.value = false
    }
  }

  return {
    path,
    namingMode,
    template,
    naming,
    profiles,
    crop,
    num,
    categoryId,
    filter,
    name,
    preview,
    previewing,
    uploading,
    starting,
    error,
    jobId,
    runId,
    setPath,
    doPreview,
    choose,
    start,
  }
})
