/** electron-builder's BeforePackContext, the two fields the hook reads. */
export default function beforePack(context: {
  electronPlatformName: string
  /** builder-util's Arch: 0 ia32, 1 x64, 2 armv7l, 3 arm64, 4 universal. */
  arch: number
}): Promise<void>
