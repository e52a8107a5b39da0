/**
 * Which of issue 11's fixes this branch has. A case that asserts a fix's behaviour while the fix is
 * not here yet is run (the server must survive it) but reported as PENDING with the helper's name,
 * never asserted either way. Flip a flag when the fix lands on main (and the suite is rebased).
 */
export const LANDED = {
  /** Pixel limits → UnsupportedPicPixels; unsupported operations → 4xx; decode budget. */
  images: true,
  /** One request gate for every UI-host route (Host/Origin, paths, 400/413/404). */
  gate: true,
  /** Remote mode: tokens, sign-in, scopes. */
  auth: true,
  /** Log escaping, file modes. */
  safety: true,
} as const

export type Helper = keyof typeof LANDED
