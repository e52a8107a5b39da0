import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { z } from 'zod'
import type { ProfileInput, ProfilePatch, ProfileView } from '@api/schemas'
import { getBridge } from '@renderer/bridge'

/** A saved profile (by name), or an unsaved one (its form), for `test`. */
export type ProfileTestTarget = { name: string } | { draft: ProfileInput }

/** The profiles and which one is active. Never holds a secret: only masked ids and `hasSecret`. */
export const useProfilesStore = defineStore('profiles', () => {
  const profiles = ref<ProfileView[]>([])
  const active = ref<string>('local')
  const loading = ref(false)
  const loaded = ref(false)
  const current = computed(() => profiles.value.find((p) => p.name === active.value) ?? null)

  async function load() {
    loading.value = true
    try {
      const r = await getBridge().api.profiles.list({})
      profiles.value = r.profiles
      active.value = r.active
      loaded.value = true
    } finally {
      loading.value = false
    }
  }
  async function activate(name: string) {
    const r = await getBridge().api.profiles.activate({ name })
    active.value = r.active
  }
  async function create(input: ProfileInput) {
    const p = await getBridge().api.profiles.create(input)
    await load()
    return p
  }
  async function update(name: string, patch: z.input<typeof ProfilePatch>) {
    const p = await getBridge().api.profiles.update({ name, patch })
    await load()
    return p
  }
  async function remove(name: string) {
    await getBridge().api.profiles.remove({ name })
    await load()
  }
  /** Test connection: the engine answers Detail, or why it does not. */
  async function test(target: ProfileTestTarget) {
    return getBridge().api.profiles.test(target)
  }
  /** The engine instance of a profile (default the active one): capacity, usage, expiry. */
  async function instanceDetail(profile = active.value) {
    return getBridge().api.instance.detail({ profile })
  }
  return {
    profiles,
    active,
    loading,
    loaded,
    current,
    load,
    activate,
    create,
    update,
    remove,
    test,
    instanceDetail,
  }
})
