import { getBridge, type LoupeBridge } from '@renderer/bridge'
import { useProfilesStore } from '@renderer/stores/profiles'

type ImagesApi = LoupeBridge['api']['images']
type AddInput = Omit<Parameters<ImagesApi['add']>[0], 'profile'>

/** Single-image writes and checks on the active profile's engine (the Add view). */
export function useImages() {
  const profiles = useProfilesStore()
  return {
    /** AddImage, prepared by the core's imaging first; recorded in the gallery cache. */
    add: (input: AddInput) => getBridge().api.images.add({ ...input, profile: profiles.active }),
    /** Whether the engine already has a picture under this product id and name. */
    exists: (productId: string, picName: string) =>
      getBridge().api.images.exists({ profile: profiles.active, productId, picName }),
  }
}
