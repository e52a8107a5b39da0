import { defineStore } from 'pinia'
import { computed, shallowRef, watch } from 'vue'
import type { SpaceInfo, SpaceStatus } from '@api/domains/space'
import { getBridge } from '@renderer/bridge'
import { useLiveResource } from '@renderer/composables/live-resource'
import { useProfilesStore } from './profiles'

export type { SpaceInfo, SpaceStatus }

/**
 * The active (local) profile's adapted search space (core engines/local/space.ts): its status,
 * live while a space is being learned, and the calls that learn, switch on and switch back.
 */
export const useSpaceStore = defineStore('space', () => {
  const profiles = useProfilesStore()
  const profile = computed(() => profiles.active)
  const status = shallowRef<SpaceStatus | null>(null)
  const learning = computed(() => status.value?.jobId != null)
  const live = useLiveResource({
    fetch: () => getBridge().api.space.status({ profile: profile.value }),
    apply: (s) => (status.value = s),
    events: {
      'job.progress': (p) => p.profile === profile.value && p.kind === 'gallery-adapt',
    },
    coalesceMs: 400,
    pollMs: 3000,
    pollWhile: () => learning.value,
  })
  watch(profile, () => {
    status.value = null
    void live.load()
  })

  return {
    status,
    learning,
    loadError: live.error,
    start: live.start,
    stop: live.stop,
    load: live.load,
    async learn() {
      await getBridge().api.space.learn({ profile: profile.value })
      await live.load()
    },
    async switchOn(s: SpaceInfo) {
      status.value = await getBridge().api.space.apply({
        profile: profile.value,
        spaceId: s.id,
        force: !s.figures?.recommended,
      })
    },
    async switchOff() {
      status.value = await getBridge().api.space.revert({ profile: profile.value })
    },
  }
})
