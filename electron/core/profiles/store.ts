import path from 'node:path'
import fs from 'node:fs'
import { z } from 'zod'
import { readJson, writeFileAtomic } from '../util/fsx'
import { CoreError } from '../errors'
import { CloudConnection, ProfileBase } from '../../api/schemas'
import type { ServiceType } from '../engines/types'
import { ensureDataFolder } from '../util/private-fs'

export const DEFAULT_PROFILE = 'local'

/** A profile as stored in `profiles.json`: never a secret, only references to the SecretStore. */
const StoredProfile = ProfileBase.extend({
  cloud: CloudConnection.extend({
    accessKeyId: z.string(),
    secretRef: z.string(),
    tokenRef: z.string().nullable(),
  }).optional(),
})
export type StoredProfile = z.infer<typeof StoredProfile>

const ProfilesFile = z.object({
  version: z.literal(1),
  active: z.string(),
  profiles: z.array(StoredProfile),
})
type ProfilesFile = z.infer<typeof ProfilesFile>

function builtinLocal(now: number): StoredProfile {
  return {
    name: DEFAULT_PROFILE,
    kind: 'local',
    serviceType: 'product' as ServiceType,
    createdAt: now,
    local: { capacity: 100_000, qps: 0 },
  }
}

/**
 * Connection profiles, kept in `<dataDir>/profiles.json` (written atomically, so the CLI can read
 * while a host writes). The built-in `local` profile is always present and cannot be removed.
 */
export class ProfileStore {
  readonly file: string
  constructor(readonly dataDir: string) {
    this.file = path.join(dataDir, 'profiles.json')
  }

  private load(): ProfilesFile {
    const raw = readJson<unknown>(this.file)
    if (raw === null) {
      return { version: 1, active: DEFAULT_PROFILE, profiles: [builtinLocal(Date.now())] }
    }
    const parsed = ProfilesFile.safeParse(raw)
    if (!parsed.success) {
      throw new CoreError(
        'CorruptProfiles',
        `${this.file} is not a valid profiles file: ${parsed.error.issues[0]?.message ?? ''}`,
        {
          hint: 'Fix or move the file away; Loupe recreates the built-in local profile.',
          httpStatus: 500,
        },
      )
    }
    const data = parsed.data
    if (!data.profiles.some((p) => p.name === DEFAULT_PROFILE)) {
      data.profiles.unshift(builtinLocal(Date.now()))
    }
    if (!data.profiles.some((p) => p.name === data.active)) data.active = DEFAULT_PROFILE
    return data
  }

  private save(data: ProfilesFile) {
    writeFileAtomic(this.file, JSON.stringify(data, null, 2) + '\n')
  }

  /** Make sure the file exists (with the built-in profile). */
  init(): void {
    ensureDataFolder(this.dataDir)
    if (!fs.existsSync(this.file)) this.save(this.load())
  }

  list(): { profiles: StoredProfile[]; active: string } {
    const d = this.load()
    return { profiles: d.profiles, active: d.active }
  }

  get(name: string): StoredProfile {
    const p = this.load().profiles.find((x) => x.name === name)
    if (!p) {
      throw new CoreError('ProfileNotFound', `There is no profile named "${name}"`, {
        hint: 'List profiles with `loupe profiles list` or in the Profiles view.',
        httpStatus: 404,
      })
    }
    return p
  }

  active(): string {
    return this.load().active
  }

  create(p: StoredProfile): StoredProfile {
    const d = this.load()
    if (d.profiles.some((x) => x.name.toLowerCase() === p.name.toLowerCase())) {
      throw new CoreError('ProfileExists', `A profile named "${p.name}" already exists`, {
        hint: 'Choose another name, or edit the existing profile.',
      })
    }
    d.profiles.push(p)
    this.save(d)
    return p
  }

  replace(p: StoredProfile): StoredProfile {
    const d = this.load()
    const i = d.profiles.findIndex((x) => x.name === p.name)
    if (i < 0) this.get(p.name)
    d.profiles[i] = p
    this.save(d)
    return p
  }

  remove(name: string): StoredProfile {
    if (name === DEFAULT_PROFILE) {
      throw new CoreError('ProfileBuiltin', 'The built-in local profile cannot be removed', {
        hint: 'You can change its capacity and QPS instead.',
      })
    }
    const d = this.load()
    const p = d.profiles.find((x) => x.name === name)
    if (!p) this.get(name)
    d.profiles = d.profiles.filter((x) => x.name !== name)
    if (d.active === name) d.active = DEFAULT_PROFILE
    this.save(d)
    return p as StoredProfile
  }

  activate(name: string): string {
    const d = this.load()
    this.get(name)
    d.active = name
    this.save(d)
    return name
  }

  /** The profile's own folder: gallery.db, thumbs/, engine/, dumps/. */
  dirOf(name: string): string {
    return path.join(this.dataDir, 'profiles', name)
  }
}
