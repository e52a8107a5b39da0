import type { EngineRegistry } from '../engines/registry'
import type { Logger } from '../log'
import type { SecretStatus, SecretStore } from './secrets'
import type { ProfileStore } from './store'

/** The `secrets.*` domain: how AccessKey secrets are protected, and the plain-text choice. */
export function createSecretSettings(d: {
  secrets: SecretStore
  profiles: ProfileStore
  engines: Pick<EngineRegistry, 'invalidate'>
  logger: Logger
}) {
  return {
    api: {
      status: () => d.secrets.status(),
      async setPlainText(input: { accept: boolean }): Promise<SecretStatus> {
        await d.secrets.setPlainTextAccepted(input.accept)
        d.logger.log(
          'info',
          `secrets: plain-text fallback ${input.accept ? 'accepted' : 'revoked'} by the user`,
        )
        if (!input.accept) {
          // Secrets saved in plain text are gone: cloud engines built with them are rebuilt (and
          // ask for the secret again) on their next call.
          for (const p of d.profiles.list().profiles) {
            if (p.kind === 'cloud') await d.engines.invalidate(p.name)
          }
        }
        return d.secrets.status()
      },
    },
  }
}
