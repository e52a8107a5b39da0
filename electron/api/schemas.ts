import { z } from 'zod'
import { LIMITS, REGION_TEXT_RE, SERVICE_TYPES, attrShape } from '../domain'

/* ---------- profiles ---------- */

export const PROFILE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
export const ProfileName = z
  .string()
  .regex(
    PROFILE_NAME_RE,
    'Use 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit',
  )

export const ServiceType = z.enum(SERVICE_TYPES)
export type ServiceType = z.infer<typeof ServiceType>

export const CLOUD_REGIONS = [
  'cn-shanghai',
  'cn-hangzhou',
  'cn-beijing',
  'cn-shenzhen',
  'ap-southeast-1',
  'ap-northeast-1',
  'ap-southeast-2',
  'eu-central-1',
  'us-west-1',
] as const

export const LocalSettings = z.object({
  capacity: z.number().int().min(1).max(10_000_000).default(100_000),
  /** Queries per second enforced on the engine API; 0 = unlimited. */
  qps: z.number().int().min(0).max(10_000).default(0),
})

export const CloudSettingsInput = z
  .object({
    instanceName: z.string().min(1).max(128),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z0-9]+)+$/, 'A region id such as cn-shanghai')
      .optional(),
    /** host[:port] without scheme, e.g. 127.0.0.1:7070 for a remote Loupe. */
    endpoint: z
      .string()
      .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'host[:port] without scheme')
      .optional(),
    protocol: z.enum(['https', 'http']).default('https'),
    accessKeyId: z.string().min(1).max(128),
    /** Write-only: stored by the SecretStore, never returned. */
    accessKeySecret: z.string().min(1).max(256).optional(),
    /** Write-only STS token. */
    securityToken: z.string().min(1).max(4096).optional(),
  })
  .refine((c) => c.region || c.endpoint, { message: 'Give a region or an endpoint' })

export const ProfileInput = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('local'),
    name: ProfileName,
    serviceType: ServiceType.default('product'),
    local: LocalSettings.default({ capacity: 100_000, qps: 0 }),
  }),
  z.object({
    kind: z.literal('cloud'),
    name: ProfileName,
    serviceType: ServiceType.default('product'),
    cloud: CloudSettingsInput,
  }),
])
export type ProfileInput = z.input<typeof ProfileInput>

export const ProfilePatch = z.object({
  serviceType: ServiceType.optional(),
  local: LocalSettings.partial().optional(),
  cloud: z
    .object({
      instanceName: z.string().min(1).max(128).optional(),
      region: z
        .string()
        .regex(/^[a-z]{2}(-[a-z0-9]+)+$/)
        .nullable()
        .optional(),
      endpoint: z
        .string()
        .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/)
        .nullable()
        .optional(),
      protocol: z.enum(['https', 'http']).optional(),
      accessKeyId: z.string().min(1).max(128).optional(),
      accessKeySecret: z.string().min(1).max(256).optional(),
      securityToken: z.string().min(1).max(4096).nullable().optional(),
    })
    .optional(),
})

/** What a profile is, stored or shown: the store (`profiles.json`) and the view both extend it. */
export const ProfileBase = z.object({
  name: z.string(),
  kind: z.enum(['local', 'cloud']),
  serviceType: ServiceType,
  createdAt: z.number(),
  local: z.object({ capacity: z.number(), qps: z.number() }).optional(),
})

/** Where a cloud profile connects; its credentials are stored or shown apart. */
export const CloudConnection = z.object({
  instanceName: z.string(),
  region: z.string().nullable(),
  endpoint: z.string().nullable(),
  protocol: z.enum(['https', 'http']),
})

/** A profile as every caller sees it: never a secret, only a masked key id and `hasSecret`. */
export const ProfileView = ProfileBase.extend({
  builtin: z.boolean(),
  cloud: CloudConnection.extend({
    accessKeyIdMasked: z.string(),
    hasSecret: z.boolean(),
    hasSecurityToken: z.boolean(),
  }).optional(),
})
export type ProfileView = z.infer<typeof ProfileView>

/* ---------- instance ---------- */

export const InstanceInfo = z.object({
  name: z.string(),
  capacity: z.number(),
  totalCount: z.number(),
  qps: z.number(),
  region: z.string(),
  serviceType: z.string(),
  utcCreate: z.number(),
  utcExpireTime: z.number().nullable(),
})
export type InstanceInfo = z.infer<typeof InstanceInfo>

export const DetailResult = z.object({ requestId: z.string(), instance: InstanceInfo })

export const ProfileRef = z.object({ profile: ProfileName.optional() })

/* ---------- images and search ---------- */

const MAX_IMAGE_BASE64 = 8 * 1024 * 1024 * 1.4

/** An image given by a caller: its bytes in base64, or (desktop / CLI) a local file path. */
export const ImageInput = z.union([
  z.object({
    base64: z.string().min(1).max(MAX_IMAGE_BASE64),
    name: z.string().max(1024).optional(),
  }),
  z.object({ path: z.string().min(1).max(4096) }),
])
export type ImageInput = z.infer<typeof ImageInput>

export const RegionText = z.string().regex(REGION_TEXT_RE, 'Region is x1,x2,y1,y2 in pixels')

/**
 * What to do with a picture smaller than the service type's minimum side: refuse (default),
 * upscale, or pad — the one option Bulk add, single Add and Search share.
 */
export const SmallImage = z.enum(['reject', 'upscale', 'pad'])

export const Attributes = z.object({
  categoryId: z.number().int().min(0).optional(),
  customContent: z.string().max(LIMITS.customContent).optional(),
  ...attrShape(
    () => z.number().int().optional(),
    () => z.string().max(LIMITS.strAttr).optional(),
  ),
})

const ProductId = z.string().min(1).max(LIMITS.productId)
const PicName = z.string().min(1).max(LIMITS.picName)
/** A filter in the engines' language (electron/domain/filter), checked by the engine itself. */
export const FilterText = z.string().max(LIMITS.filter)

export const ImageKey = z.object({ productId: ProductId, picName: PicName })

export const AddImageInput = ProfileRef.extend({
  image: ImageInput,
  crop: z.boolean().optional(),
  /** Region on the original image (before preprocessing). */
  region: RegionText.optional(),
  smallImage: SmallImage.optional(),
})
  .extend(ImageKey.shape)
  .extend(Attributes.shape)

/** Local engine: the category is Other only because no gallery neighbour has one to learn from. */
const CategoryNote = z.literal('noLabelledNeighbours')

export const PicInfo = z.object({
  categoryId: z.number(),
  region: z.string().nullable(),
  categoryNote: CategoryNote.optional(),
})

export const AddImageResult = z.object({
  requestId: z.string(),
  picInfo: PicInfo,
  /** The region on the original image (mapped back from the processed one). */
  regionOnOriginal: z.string().nullable(),
  preprocessing: z.array(z.string()),
})

export const InspectImageInput = ProfileRef.extend({ image: ImageInput })

const PixelSize = z.object({ width: z.number().int(), height: z.number().int() })

/**
 * A picture checked when it is chosen (before any engine call): what it really is, its size as
 * shown (EXIF orientation applied), the profile's engine bounds and, when it is below the
 * minimum, the size upscaling or padding would give. `preview` is a small picture any browser
 * shows (at most 256 px a side), for formats a browser cannot display (TIFF, BMP, PPM).
 */
export const InspectImageResult = z.object({
  format: z.enum(['jpeg', 'png', 'gif', 'webp', 'tiff', 'bmp', 'ppm']),
  width: z.number().int(),
  height: z.number().int(),
  bytes: z.number().int(),
  /** The engine's bounds per side for the profile's service type. */
  min: z.number().int(),
  max: z.number().int(),
  /** A side is below `min`: refused unless upscaled or padded. */
  small: z.boolean(),
  /** A side is above `max`: scaled down on the way (nothing to choose). */
  downscaled: z.boolean(),
  /** Sizes the small-picture options would give (`upscale` null: too elongated to scale). */
  fits: z.object({ upscale: PixelSize.nullable(), pad: PixelSize }).nullable(),
  /** Whether browsers show the format as it is. */
  browserShows: z.boolean(),
  preview: z.object({ mime: z.string(), base64: z.string() }),
})
export type InspectImageResult = z.infer<typeof InspectImageResult>

export const UpdateImageInput = ProfileRef.extend(ImageKey.shape).extend(Attributes.shape)

export const DeleteImageInput = ProfileRef.extend({
  productId: ProductId.optional(),
  picName: PicName.optional(),
  filter: FilterText.min(1).optional(),
})

export const DeleteImageResult = z.object({ requestId: z.string(), picNames: z.array(z.string()) })

export const SearchOptions = z.object({
  categoryId: z.number().int().min(0).optional(),
  num: z.number().int().optional(),
  start: z.number().int().optional(),
  filter: FilterText.optional(),
  distinctProductId: z.boolean().optional(),
  scoreThreshold: z.number().min(0).max(1).optional(),
})

export const SearchByPicInput = ProfileRef.extend({
  image: ImageInput,
  crop: z.boolean().optional(),
  region: RegionText.optional(),
  smallImage: SmallImage.optional(),
}).extend(SearchOptions.shape)

export const SearchByNameInput = ProfileRef.extend(ImageKey.shape).extend(SearchOptions.shape)

export const SearchByFilterInput = ProfileRef.extend({
  filter: FilterText.min(1),
  num: z.number().int().optional(),
  start: z.number().int().optional(),
})

export const SearchByTextInput = ProfileRef.extend({
  text: z.string().min(1).max(LIMITS.text),
  num: z.number().int().optional(),
  start: z.number().int().optional(),
  filter: FilterText.optional(),
})

export const Auction = z.object({
  productId: z.string(),
  picName: z.string(),
  categoryId: z.number(),
  customContent: z.string(),
  score: z.number(),
  sortExprValues: z.string(),
  ...attrShape(
    () => z.number().optional(),
    () => z.string().optional(),
  ),
})
export type Auction = z.infer<typeof Auction>

export const SearchResult = z.object({
  requestId: z.string(),
  auctions: z.array(Auction),
  head: z.object({ docsFound: z.number(), docsReturn: z.number(), searchTime: z.number() }),
  picInfo: z
    .object({
      categoryId: z.number().nullable(),
      categoryNote: CategoryNote.optional(),
      region: z.string().nullable(),
      allCategories: z.array(z.object({ id: z.number(), name: z.string() })),
      multiRegion: z.array(z.string()),
    })
    .nullable(),
  /** Regions mapped back to the original image the caller gave (search by picture only). */
  original: z
    .object({
      width: z.number(),
      height: z.number(),
      region: z.string().nullable(),
      multiRegion: z.array(z.string()),
    })
    .nullable()
    .optional(),
})
export type SearchResult = z.infer<typeof SearchResult>

/**
 * A side of a comparison: an image given by the caller, or a picture of the profile's gallery by
 * its key, which the core compares from its own copy (so the renderer never fetches thumbnails).
 */
export const CompareImage = z.union([ImageInput, ImageKey.strict()])
export type CompareImage = z.infer<typeof CompareImage>

export const CompareInput = ProfileRef.extend({
  primary: CompareImage,
  secondary: CompareImage,
  /** A picture below the engine's minimum (either side): as for a search by picture. */
  smallImage: SmallImage.optional(),
})
export const CompareResult = z.object({ requestId: z.string(), score: z.number() })

export const ExistsResult = z.object({ requestId: z.string(), exist: z.boolean() })

export const TestResult = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), instance: InstanceInfo, requestId: z.string(), ms: z.number() }),
  z.object({
    ok: z.literal(false),
    error: z.object({
      code: z.string(),
      message: z.string(),
      hint: z.string().optional(),
      requestId: z.string().optional(),
      httpStatus: z.number().optional(),
    }),
    ms: z.number(),
  }),
])

export const AppInfo = z.object({
  version: z.string(),
  host: z.enum(['electron', 'headless']),
  dataDir: z.string(),
  secretBackend: z.object({ name: z.string(), secure: z.boolean() }),
  featurizer: z.string().nullable(),
})
