/**
 * The official SDK, imported once. It is CommonJS: under Node's ESM loader the default import is
 * `module.exports` (whose `.default` is the client class); bundlers hand over the class itself.
 */
import * as sdk from '@alicloud/imagesearch20201214'
import SdkDefault from '@alicloud/imagesearch20201214'
import * as OpenApi from '@alicloud/openapi-client'

export const ImageSearchClient = ((SdkDefault as unknown as { default?: unknown }).default ??
  SdkDefault) as typeof SdkDefault
export type ImageSearchClient = InstanceType<typeof ImageSearchClient>
export { sdk, OpenApi }
